"""Transport security and authentication: TLS, mTLS, bearer tokens, the bind guard."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import grpc
import pytest
from conftest import two_orders
from grpc_health.v1 import health_pb2, health_pb2_grpc

from scheduler.client import SchedulerClient, SchedulerError
from scheduler.service.auth import InsecureBind, TlsConfig, check_bind, load_tokens
from scheduler.service.server import ServerConfig, create_server

TOKEN = "t0ken-for-tests-0123456789"

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _signed(cwd: Path, name: str, ca: str, cn: str, ext: str) -> None:
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        f"{name}.key",
        "-subj",
        f"/CN={cn}",
        "-out",
        f"{name}.csr",
        cwd=cwd,
    )
    (cwd / f"{name}.ext").write_text(ext)
    _openssl(
        "x509",
        "-req",
        "-in",
        f"{name}.csr",
        "-CA",
        f"{ca}.crt",
        "-CAkey",
        f"{ca}.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        f"{name}.ext",
        "-out",
        f"{name}.crt",
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, a server certificate for 127.0.0.1, two client certificates, and a rogue client."""
    d = tmp_path_factory.mktemp("pki")
    for ca in ("ca", "rogue-ca"):
        _openssl(
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{ca}.key",
            "-subj",
            f"/CN={ca}",
            "-days",
            "2",
            "-out",
            f"{ca}.crt",
            cwd=d,
        )
    _signed(
        d,
        "server",
        "ca",
        "localhost",
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    _signed(d, "client", "ca", "mes-line-3", "extendedKeyUsage=clientAuth\n")
    _signed(d, "planner", "ca", "planner-7", "extendedKeyUsage=clientAuth\n")
    _signed(d, "rogue", "rogue-ca", "intruder", "extendedKeyUsage=clientAuth\n")
    return d


def _client(
    port: int, pki: Path, who: str | None = None, token: str | None = None
) -> SchedulerClient:
    pair = None
    if who is not None:
        pair = ((pki / f"{who}.key").read_bytes(), (pki / f"{who}.crt").read_bytes())
    return SchedulerClient(
        f"127.0.0.1:{port}",
        root_certificates=(pki / "ca.crt").read_bytes(),
        client_certificate=pair,
        token=token,
        timeout=10,
    )


def test_tokens_reject_and_accept(make_server) -> None:
    """Without a valid bearer token calls are UNAUTHENTICATED; with one they succeed."""
    server, anonymous = make_server(tokens={TOKEN: "tests"})
    with pytest.raises(SchedulerError) as caught:
        anonymous.validate(two_orders())
    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    with SchedulerClient(f"127.0.0.1:{server.port}", token="wrong-token-0123456789") as wrong:
        with pytest.raises(SchedulerError) as caught:
            wrong.get_job("x")
        assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    with SchedulerClient(f"127.0.0.1:{server.port}", token=TOKEN) as good:
        assert good.validate(two_orders()) == []


def test_health_needs_no_token(make_server) -> None:
    """Health checks pass without a token even when tokens are required."""
    server, _ = make_server(tokens={TOKEN: "tests"})
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=5
        )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_tls_accepts_trusting_client(make_server, pki: Path) -> None:
    """A TLS server answers a client that trusts its CA; a plaintext client cannot talk to it."""
    tls = TlsConfig(pki / "server.crt", pki / "server.key")
    server, _ = make_server(
        tls=tls, client_kwargs={"root_certificates": (pki / "ca.crt").read_bytes()}
    )
    with _client(server.port, pki) as client:
        assert client.validate(two_orders()) == []
    with SchedulerClient(f"127.0.0.1:{server.port}", timeout=3) as plain:
        with pytest.raises(SchedulerError) as caught:
            plain.validate(two_orders())
        assert caught.value.code == grpc.StatusCode.UNAVAILABLE


def test_mtls_requires_a_trusted_client_certificate(make_server, pki: Path) -> None:
    """With a client CA, clients without a certificate or with a rogue one are refused."""
    tls = TlsConfig(pki / "server.crt", pki / "server.key", client_ca=pki / "ca.crt")
    server, _ = make_server(
        tls=tls, client_kwargs={"root_certificates": (pki / "ca.crt").read_bytes()}
    )
    with _client(server.port, pki, "client") as client:
        assert client.validate(two_orders()) == []
    for who in (None, "rogue"):
        with _client(server.port, pki, who) as refused:
            with pytest.raises(SchedulerError) as caught:
                refused.validate(two_orders())
            assert caught.value.code == grpc.StatusCode.UNAVAILABLE


def test_mtls_identity_is_the_certificate(make_server, pki: Path, caplog) -> None:
    """The caller of an mTLS call is named after its client certificate in the log."""
    tls = TlsConfig(pki / "server.crt", pki / "server.key", client_ca=pki / "ca.crt")
    server, _ = make_server(
        tls=tls, client_kwargs={"root_certificates": (pki / "ca.crt").read_bytes()}
    )
    caplog.set_level("INFO", logger="scheduler.service")
    with _client(server.port, pki, "client") as client:
        client.validate(two_orders())
    callers = [getattr(r, "caller", "") for r in caplog.records]
    assert "x509:mes-line-3" in callers


def test_mtls_jobs_belong_to_their_certificate(make_server, pki: Path) -> None:
    """A job created with one client certificate is NOT_FOUND for another trusted certificate."""
    tls = TlsConfig(pki / "server.crt", pki / "server.key", client_ca=pki / "ca.crt")
    server, _ = make_server(
        tls=tls, client_kwargs={"root_certificates": (pki / "ca.crt").read_bytes()}
    )
    with _client(server.port, pki, "client") as line, _client(server.port, pki, "planner") as other:
        job = line.create_job(two_orders(), request_id="shift-1")
        with pytest.raises(SchedulerError) as caught:
            other.get_job(job.job_id)
        assert caught.value.code == grpc.StatusCode.NOT_FOUND
        assert other.list_jobs()[0] == []
        assert line.get_job(job.job_id).job_id == job.job_id


def test_bind_guard() -> None:
    """A non-loopback address needs TLS, tokens or the explicit insecure flag."""
    check_bind("127.0.0.1", tls=False, tokens=False, insecure_bind=False)
    check_bind("::1", tls=False, tokens=False, insecure_bind=False)
    check_bind("0.0.0.0", tls=True, tokens=False, insecure_bind=False)
    check_bind("0.0.0.0", tls=False, tokens=True, insecure_bind=False)
    check_bind("0.0.0.0", tls=False, tokens=False, insecure_bind=True)
    with pytest.raises(InsecureBind):
        check_bind("0.0.0.0", tls=False, tokens=False, insecure_bind=False)
    with pytest.raises(InsecureBind):
        create_server(ServerConfig(host="0.0.0.0", port=0), solve_fn=lambda *a, **k: None)


def test_load_tokens(tmp_path: Path) -> None:
    """Token files name principals; the environment adds tokens; short tokens are refused."""
    path = tmp_path / "tokens"
    path.write_text("# comment\n\nmes-line-3 abcdefghijklmnopqrstu\nzyxwvutsrqponmlkjihg\n")
    tokens = load_tokens(path, environ={"SCHEDULER_TOKENS": "fromenv-0123456789abc"})
    assert tokens["abcdefghijklmnopqrstu"] == "mes-line-3"
    assert tokens["zyxwvutsrqponmlkjihg"].startswith("token-")
    assert "fromenv-0123456789abc" in tokens
    path.write_text("short\n")
    with pytest.raises(ValueError):
        load_tokens(path, environ={})
