"""The command line: results, schedule files, exit codes, and readable errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import COERCIONS, Coercion

from scheduler.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from scheduler.formats.catalog import instance_path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args], capture_output=True, text=True, timeout=120
    )


def test_solve_writes_a_schedule_file_that_verifies(tmp_path, capsys):
    """solve --out writes the documented contract, and verify accepts it."""
    out = tmp_path / "ft06.json"
    code = main(["solve", str(instance_path("ft06")), "--time-limit", "5", "--out", str(out)])
    assert code == EXIT_OK
    assert "OPTIMAL" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["status"] == "OPTIMAL" and data["objective"] == 55 == data["best_bound"]
    assert len(data["operations"]) == 36
    assert set(data["operations"][0]) >= {"job", "index", "machine", "start", "end"}
    assert main(["verify", str(instance_path("ft06")), str(out)]) == EXIT_OK
    assert "OK: objective 55" in capsys.readouterr().out


def test_verify_rejects_a_broken_schedule(tmp_path, capsys):
    """A schedule edited to overlap is reported INVALID with exit code 1."""
    out = tmp_path / "s.json"
    main(["solve", str(instance_path("ft06")), "--time-limit", "5", "--quiet", "--out", str(out)])
    data = json.loads(out.read_text())
    data["operations"][5]["start"] -= 1
    out.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["verify", str(instance_path("ft06")), str(out)]) == EXIT_INPUT
    assert "INVALID" in capsys.readouterr().out


def test_malformed_problem_file_gives_file_and_line(tmp_path):
    """A malformed instance exits 1 with file:line and no traceback."""
    bad = tmp_path / "bad.txt"
    bad.write_text("2 2\n0 3 1 2\n0 x 1 4\n")
    proc = _run("solve", str(bad), "--format", "orlib")
    assert proc.returncode == EXIT_INPUT
    assert f"{bad}:3" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_invalid_json_problem_names_the_field(tmp_path):
    """A JSON problem with a dangling machine reference names the field path."""
    bad = tmp_path / "p.json"
    bad.write_text(
        json.dumps(
            {
                "machines": [{"id": "m0"}],
                "orders": [
                    {
                        "id": "a",
                        "operations": [
                            {"id": "x", "machines": [{"machine_id": "zz", "duration": 1}]}
                        ],
                    }
                ],
            }
        )
    )
    proc = _run("solve", str(bad))
    assert proc.returncode == EXIT_INPUT
    assert "orders[0].operations[0].machines[0].machine_id" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("case", COERCIONS, ids=lambda c: c.case)
def test_solve_refuses_each_coercion_with_a_readable_line(tmp_path, capsys, case: Coercion):
    """solve FILE with a once-coerced value exits 1 naming the field and the reason."""
    path = tmp_path / "plant.json"
    path.write_text(case.text())
    assert main(["solve", str(path), "--time-limit", "1"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.startswith(f"scheduler: error: {path}: ")
    assert case.reported in err and case.reason in err


def test_coerced_input_exits_without_a_traceback(tmp_path):
    """The process itself exits 1 with the field on stderr and no traceback (tick as seconds)."""
    path = tmp_path / "plant.json"
    case = next(c for c in COERCIONS if c.case == "tick as seconds")
    path.write_text(case.text())
    proc = _run("solve", str(path))
    assert proc.returncode == EXIT_INPUT
    assert 'tick: must be an ISO-8601 duration string such as "PT1M"' in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_file_and_bad_parameters(tmp_path, capsys):
    """A missing file and a non-positive time limit are readable errors, exit 1."""
    assert main(["solve", str(tmp_path / "nope")]) == EXIT_INPUT
    assert "no such file" in capsys.readouterr().err
    assert main(["solve", str(instance_path("ft06")), "--time-limit", "0"]) == EXIT_INPUT
    assert "--time-limit" in capsys.readouterr().err


def test_bad_schedule_file_is_readable(tmp_path, capsys):
    """A schedule file missing fields names them."""
    sched = tmp_path / "s.json"
    sched.write_text('{"operations": [{"job": 0}]}')
    assert main(["verify", str(instance_path("ft06")), str(sched)]) == EXIT_INPUT
    assert "operations[0].index" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error():
    """argparse rejects an unknown command with exit code 2."""
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == EXIT_USAGE


def test_schema_prints_the_problem_json_schema(capsys):
    """schema prints a JSON Schema that names the problem's fields."""
    assert main(["schema"]) == EXIT_OK
    schema = json.loads(capsys.readouterr().out)
    assert {"machines", "orders", "objective"} <= set(schema["properties"])


def test_sigint_keeps_the_best_schedule(tmp_path):
    """Ctrl-C stops promptly and writes the best schedule (regression: CP-SAT's SIGINT handler aborted)."""
    import signal
    import time

    out = tmp_path / "ta.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scheduler",
            "solve",
            str(instance_path("ta21")),
            "--time-limit",
            "60",
            "--workers",
            "2",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == EXIT_OK, stderr
    assert "cancelled" in stdout
    assert Path(out).exists() and json.loads(out.read_text())["operations"]
