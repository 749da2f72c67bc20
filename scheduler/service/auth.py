"""Who may call: transport security (TLS, mTLS), bearer tokens, and the bind-address guard.

- TLS: the server presents a certificate; with a client CA it also requires and verifies client
  certificates (mTLS) and the client's certificate subject becomes the caller's identity.
- Tokens: `authorization: Bearer <token>` metadata, checked in constant time by a server
  interceptor before any handler runs. Health checks never need a token (load balancers and
  orchestrators probe without credentials).
- The guard: a server refuses to listen on a non-loopback address with neither TLS nor tokens
  unless explicitly told it is insecure on purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

TOKENS_ENV = "SCHEDULER_TOKENS"
"""Environment variable with comma-separated bearer tokens (an alternative to a token file)."""

HEALTH_METHODS = frozenset({"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"})


class InsecureBind(ValueError):
    """Listening on a non-loopback address without TLS or tokens, not explicitly allowed."""


# --------------------------------------------------------------------------------------------------
# Tokens


def load_tokens(
    path: Path | None = None, *, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Tokens → principal names, from a file and/or the SCHEDULER_TOKENS environment variable.

    File: one token per line, optionally preceded by a principal name and whitespace
    (`mes-line-3 s3cr3t`); blank lines and `#` comments are skipped. A token without a name gets
    a name derived from its hash, so logs never show the token itself.
    """
    environ = os.environ if environ is None else environ
    tokens = _parse_tokens(environ.get(TOKENS_ENV, "").split(","))
    if path is not None:
        try:
            text = path.read_text()
        except (OSError, UnicodeError) as error:
            raise ValueError(f"cannot read the token file {path}: {error}") from None
        from_file = _parse_tokens(text.splitlines())
        if not from_file:
            # Starting without tokens would silently turn authentication off.
            raise ValueError(f"the token file {path} has no tokens")
        tokens.update(from_file)
    return tokens


def _parse_tokens(lines: list[str]) -> dict[str, str]:
    tokens: dict[str, str] = {}
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) > 2:
            raise ValueError("a token line is '<token>' or '<principal> <token>'")
        token = parts[-1]
        if len(token) < 16:
            raise ValueError("tokens must be at least 16 characters")
        name = parts[0] if len(parts) == 2 else f"token-{_digest(token).hex()[:8]}"
        tokens[token] = name
    return tokens


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class TokenAuthenticator:
    """Checks bearer tokens in constant time and names their principal."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        if not tokens:
            raise ValueError("no tokens given")
        self._tokens = [(_digest(token), name) for token, name in tokens.items()]

    def principal(self, metadata: Any) -> str | None:
        """The principal whose token is in `metadata`, or None."""
        presented = _bearer(metadata)
        if presented is None:
            return None
        digest = _digest(presented)
        found = None
        for known, name in self._tokens:  # no early exit: timing reveals nothing
            if hmac.compare_digest(known, digest):
                found = name
        return found


def _bearer(metadata: Any) -> str | None:
    for key, value in metadata or ():
        if key == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token:
                return token.strip()
    return None


class TokenAuthInterceptor(grpc.ServerInterceptor):
    """Rejects calls without a valid bearer token (UNAUTHENTICATED); health checks pass freely."""

    def __init__(
        self, authenticator: TokenAuthenticator, public_methods: frozenset[str] = HEALTH_METHODS
    ) -> None:
        self._authenticator = authenticator
        self._public = public_methods

    def intercept_service(
        self, continuation: Callable[[Any], Any], handler_call_details: Any
    ) -> Any:
        method = handler_call_details.method
        if method in self._public:
            return continuation(handler_call_details)
        if self._authenticator.principal(handler_call_details.invocation_metadata) is not None:
            return continuation(handler_call_details)
        handler = continuation(handler_call_details)
        if handler is None:
            return None  # unknown method: let gRPC answer UNIMPLEMENTED
        return _denying(handler)


def _denying(handler: Any) -> Any:
    def deny(request: Any, context: grpc.ServicerContext) -> Any:
        context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token")

    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(deny)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(deny)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(deny)
    return grpc.unary_unary_rpc_method_handler(deny)


# --------------------------------------------------------------------------------------------------
# TLS


@dataclass(frozen=True)
class TlsConfig:
    cert: Path
    """PEM certificate chain of the server."""
    key: Path
    """PEM private key of the server."""
    client_ca: Path | None = None
    """PEM CA bundle; when set, clients must present a certificate it signed (mTLS)."""

    def server_credentials(self) -> grpc.ServerCredentials:
        root = self.client_ca.read_bytes() if self.client_ca is not None else None
        return grpc.ssl_server_credentials(
            [(self.key.read_bytes(), self.cert.read_bytes())],
            root_certificates=root,
            require_client_auth=root is not None,
        )


def principal(context: grpc.ServicerContext, tokens: TokenAuthenticator | None) -> str:
    """Who is authenticated: `token:<name>` or `x509:<certificate identity>`; "" for nobody
    (a server without tokens or mTLS, where every caller is the same anonymous principal)."""
    if tokens is not None:
        name = tokens.principal(context.invocation_metadata())
        if name is not None:
            return f"token:{name}"
    auth = context.auth_context() or {}
    for key in ("x509_common_name", "x509_subject_alternative_name"):
        values = auth.get(key)
        if values:
            return f"x509:{values[0].decode(errors='replace')}"
    return ""


def caller(context: grpc.ServicerContext, tokens: TokenAuthenticator | None) -> str:
    """A name for the caller in logs: its principal, else its peer address."""
    return principal(context, tokens) or f"peer:{context.peer()}"


# --------------------------------------------------------------------------------------------------
# The bind guard


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


def check_metrics_bind(host: str, *, allow_public: bool) -> None:
    """Raise InsecureBind for a metrics endpoint (plain HTTP, no auth) off loopback, unless allowed."""
    if is_loopback(host) or allow_public:
        return
    raise InsecureBind(
        f"refusing to serve metrics on {host}: the endpoint has no TLS and no authentication. "
        "Pass --metrics-insecure-bind if the network is trusted (e.g. a Prometheus sidecar)."
    )


def check_bind(host: str, *, tls: bool, tokens: bool, insecure_bind: bool) -> None:
    """Raise InsecureBind for a non-loopback address with no TLS and no tokens, unless allowed."""
    if is_loopback(host) or tls or tokens or insecure_bind:
        return
    raise InsecureBind(
        f"refusing to listen on {host} without TLS or tokens: anyone who can reach it could run "
        "solves and read schedules. Use --tls-cert/--tls-key or --token-file, bind 127.0.0.1, "
        "or pass --insecure-bind if the network is trusted."
    )


__all__ = [
    "HEALTH_METHODS",
    "TOKENS_ENV",
    "InsecureBind",
    "TlsConfig",
    "TokenAuthInterceptor",
    "TokenAuthenticator",
    "caller",
    "check_bind",
    "check_metrics_bind",
    "is_loopback",
    "load_tokens",
    "principal",
]
