"""The generated code and the protos themselves."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_generated_code_is_fresh() -> None:
    """scheduler/v1 equals a fresh protoc build of protos/ (else run scripts/gen_protos.py)."""
    # A subprocess: protoc's C++ runtime must not share a process with ortools' (both embed
    # libprotobuf, and loading the second aborts).
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_protos.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_generated_imports_are_absolute() -> None:
    """Generated modules import each other as scheduler.v1.*, never as top-level modules."""
    text = (ROOT / "scheduler" / "v1" / "scheduler_pb2_grpc.py").read_text()
    assert "from scheduler.v1 import scheduler_pb2" in text
    assert "\nimport scheduler_pb2" not in text


@pytest.mark.skipif(
    shutil.which("buf", path=str(Path(sys.executable).parent)) is None, reason="no buf"
)
def test_buf_lint_passes() -> None:
    """`buf lint` (STANDARD rules) finds nothing in protos/."""
    buf = shutil.which("buf", path=str(Path(sys.executable).parent))
    done = subprocess.run([buf, "lint"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_domain_and_store_import_no_grpc() -> None:
    """The domain and the store load without grpc, protobuf or generated code."""
    code = (
        "import sys; import scheduler.problem, scheduler.schedule, scheduler.result, scheduler.store;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('grpc', 'ortools') or"
        " m.startswith('scheduler.v1') or m.startswith('google.protobuf')]; print(bad); assert not bad"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
