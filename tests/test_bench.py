"""`scheduler bench`: sets by name, one subprocess per solve, JSON lines, table, resume, Ctrl-C."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from helpers import jobshop

from scheduler.bench.protocol import verified_makespan
from scheduler.bench.runner import Settings, run
from scheduler.bench.sets import SET31, SetError, resolve
from scheduler.bench.table import markdown
from scheduler.cli import EXIT_OK, EXIT_USAGE, main
from scheduler.formats.catalog import instances_dir
from scheduler.stop import StopToken

FAST = Settings(time_limit=1.0, workers=1, seed=0)
ROW_TYPES = {
    "schema": int,
    "instance": str,
    "family": str,
    "size": str,
    "file": str,
    "best_lower_bound": (int, type(None)),
    "best_upper_bound": (int, type(None)),
    "solver": str,
    "time_limit": float,
    "workers": int,
    "seed": int,
    "status": str,
    "makespan": (int, type(None)),
    "bound": (int, type(None)),
    "gap_pct": (float, type(None)),
    "optimal": bool,
    "verified": bool,
    "first_solution_s": (float, type(None)),
    "final_solution_s": (float, type(None)),
    "solve_s": (float, type(None)),
    "wall_s": float,
    "peak_rss_mb": float,
    "exit_code": int,
    "error": str,
    "commit": (str, type(None)),
    "ortools": (str, type(None)),
    "cpus": (int, type(None)),
}
"""The JSON line layout of benchmarks/README.md ("Benchmark harness"), key by key."""


def test_tiny_sets_run_with_the_textbook_peer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ft06 and Kacem's k1 at 1 s, ours and textbook: optimal rows, one JSON line each, a table."""
    out = tmp_path / "runs.jsonl"
    argv = ["bench", "ft06", "--set", "k1", "--time-limit", "1", "--workers", "1"]
    argv += ["--peers", "textbook"]
    assert main([*argv, "--out", str(out), "--table", str(tmp_path / "t.md")]) == EXIT_OK
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["instance"], r["solver"]) for r in rows] == [
        ("ft06", "ours"),
        ("ft06", "textbook"),
        ("k1", "ours"),
        ("k1", "textbook"),
    ]
    for row in rows:
        assert set(row) == set(ROW_TYPES)
        for key, types in ROW_TYPES.items():
            assert isinstance(row[key], types), key
        assert (row["status"], row["gap_pct"], row["optimal"], row["verified"]) == (
            "OPTIMAL",
            0.0,
            True,
            True,
        )
        assert 20 < row["peak_rss_mb"] < 2000  # the child's, not the test process's
    assert [r["makespan"] for r in rows] == [55, 55, 11, 11]
    table = capsys.readouterr().out
    assert table == (tmp_path / "t.md").read_text()
    assert "| ft06 | 6x6 | 55 | 55 | 55 | 55 | 0.00 | yes |" in table
    assert "| kacem | 1 | 0.00 | 0.00 |" in table
    assert "| **all** | 2 | 0.00 | 0.00 |" in table


def test_a_bad_set_name_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    """An item that names nothing is a usage error (exit 2) with a line that names the item."""
    with pytest.raises(SystemExit) as exited:
        main(["bench", "ft06", "mk99"])
    assert exited.value.code == EXIT_USAGE
    assert "'mk99': not a set" in capsys.readouterr().err


def test_an_unknown_peer_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """--peers names only known peers; a typo says which peers there are."""
    with pytest.raises(SystemExit) as exited:
        main(["bench", "ft06", "--peers", "textbok"])
    assert exited.value.code == EXIT_USAGE
    assert "unknown peer 'textbok'" in capsys.readouterr().err


def test_a_bad_file_in_a_folder_is_named(tmp_path: Path) -> None:
    """A folder with a broken instance file stops before any solve, naming the file."""
    (tmp_path / "good.txt").write_text("1 1\n0 5\n")
    (tmp_path / "bad.txt").write_text("2 2\n0 5 1\n")
    with pytest.raises(SetError, match=r"bad\.txt: not an instance file"):
        resolve([str(tmp_path)])


def test_set_names() -> None:
    """set31, families, ta41+, ranges, folders and catalogued files resolve to their instances."""
    assert [i.name for i in resolve(["set31"])] == list(SET31) and len(SET31) == 31
    assert [i.name for i in resolve(["ta71+"])] == [f"ta{n}" for n in range(71, 81)]
    assert [i.name for i in resolve(["la16..la18", "ft06,la17"])] == [
        "la16",
        "la17",
        "la18",
        "ft06",
    ]
    assert len(resolve(["brandimarte"])) == 15 and len(resolve(["hurink-vdata"])) == 66
    assert len(resolve(["fjsp"])) == 336 and len(resolve(["jssp"])) == 162
    kacem = resolve([str(instances_dir() / "fjsp" / "kacem")])
    assert [(i.name, i.upper_bound) for i in kacem[:2]] == [("k1", 11), ("k2", 11)]
    for bad in ("la18..la16", "la16..ta01", "la16..la99"):
        with pytest.raises(SetError, match=bad.replace(".", r"\.")):
            resolve([bad])


def test_resume_skips_the_solves_done(tmp_path: Path) -> None:
    """A resumed run starts no solve the file already holds for the same settings."""
    out = tmp_path / "runs.jsonl"
    [ft06] = resolve(["ft06"])
    with open(out, "w") as file:
        first = run([ft06], ["ours"], FAST, out=file)
    done = [json.loads(line) for line in out.read_text().splitlines()]
    started = []
    again = run([ft06], ["ours"], FAST, done=done, on_tick=lambda *a: started.append(a[2]))
    assert again == first
    assert started == [""]  # only the final tick: nothing ran
    other_seed = Settings(time_limit=1.0, workers=1, seed=1)
    assert run([ft06], ["ours"], other_seed, done=done)[0]["seed"] == 1


def test_resume_without_a_set_prints_the_table_of_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`scheduler bench --resume F --table T`: the table of F's rows, no solve; a file that is not
    a run's rows exits 2 naming it."""
    out = tmp_path / "runs.jsonl"
    [ft06] = resolve(["ft06"])
    with open(out, "w") as file:
        rows = run([ft06], ["ours"], FAST, out=file)
    table = tmp_path / "runs.md"
    assert main(["bench", "--resume", str(out), "--table", str(table)]) == EXIT_OK
    assert capsys.readouterr().out == table.read_text() == markdown(rows)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"x": 1}\n')
    with pytest.raises(SystemExit) as exited:
        main(["bench", "--resume", str(bad)])
    assert exited.value.code == EXIT_USAGE
    assert f"--resume {bad}:1: not a benchmark row" in capsys.readouterr().err


def test_stop_ends_the_running_solve_at_once() -> None:
    """A stop (Ctrl-C) kills the running child within a second; its solve is not recorded. The
    stop comes once ta71 (60 s limit) has started, whatever k1 took (a fixed 5 s timer once
    fired before the first solve was done on a loaded machine). The first solve is Kacem's
    flexible k1, proven optimal at once: ft06 at 60 s spent 30 s in the tabu search."""
    instances = resolve(["k1", "ta71"])
    stop = StopToken()
    labels: list[str] = []
    stopped: list[float] = []

    def tick(*args: Any) -> None:
        labels.append(args[2])
        if args[2] == "ta71 ours" and not stopped:
            stopped.append(time.monotonic() + 1.0)
            threading.Timer(1.0, stop.stop).start()

    rows = run(
        instances, ["ours"], Settings(time_limit=60.0, workers=1, seed=0), stop=stop, on_tick=tick
    )
    assert stopped and time.monotonic() - stopped[0] < 3  # 59 s without the stop
    assert [r["instance"] for r in rows] == ["k1"]


def test_ratio_is_ours_over_the_better_peer_on_complete_instances() -> None:
    """Per instance and per family: ours / min(peers); means only where every solver has a gap."""

    rows = [_row("a", "ours", 1.0), _row("a", "textbook", 2.0), _row("a", "pyjobshop", 4.0)]
    rows += [_row("b", "ours", 9.0), _row("b", "textbook", None), _row("b", "pyjobshop", 1.0)]
    table = markdown(rows)
    assert (
        "| a | 2x2 | 100 | 100 | 101 |  | 1.00 |  |  |  |  | 102 | 2.00 | 104 | 4.00 | 0.50 |"
        in table
    )
    assert "| b | 2x2 | 100 | 100 | 109 |  | 9.00 |  |  |  |  |  |  | 101 | 1.00 | 9.00 |" in table
    assert "| f | 1 | 1.00 | 2.00 | 4.00 | 0.50 |" in table


def test_pyjobshop_peer_solves_a_flexible_instance() -> None:
    """The PyJobShop peer (optional extra `peers`) reads the same file and reports its makespan."""
    pytest.importorskip("pyjobshop")
    [row] = run(resolve(["k1"]), ["pyjobshop"], FAST)
    assert (row["status"], row["makespan"], row["bound"], row["verified"]) == (
        "OPTIMAL",
        11,
        11,
        True,
    )
    assert row["first_solution_s"] is None  # PyJobShop does not report solution times


def test_peer_schedules_go_through_the_verifier() -> None:
    """A peer's schedule counts only when the verifier passes it: an overlap on a machine fails."""
    problem = jobshop([[(0, 3), (1, 2)], [(0, 4)]])
    assert verified_makespan(problem, [(0, 0, 3), (1, 3, 5), (0, 3, 7)]) == 7
    assert verified_makespan(problem, [(0, 0, 3), (1, 3, 5), (0, 2, 6)]) is None


def test_a_family_of_several_sizes_is_summarised_per_size_too() -> None:
    """Taillard's classes: ta01-ta10 (15x15) and ta11-ta20 (20x15) get their own mean lines,
    then the family's over both; a family of one size keeps a single line."""

    ta = {"family": "ta", "size": "15x15"}
    rows = [_row("ta01", "ours", 2.0, **ta), _row("ta01", "textbook", 1.0, **ta)]
    ta["size"] = "20x15"
    rows += [_row("ta11", "ours", 1.0, **ta), _row("ta11", "textbook", 4.0, **ta)]
    rows += [_row("ta12", "ours", 3.0, **ta), _row("ta12", "textbook", 6.0, **ta)]
    ft = {"family": "ft", "size": "6x6"}
    rows += [_row("ft06", "ours", 0.0, **ft), _row("ft06", "textbook", 0.0, **ft)]
    summary = markdown(rows).split("| family |")[1].splitlines()
    assert summary[2:] == [
        "| ta 15x15 | 1 | 2.00 | 1.00 | 2.00 |",
        "| ta 20x15 | 2 | 2.00 | 5.00 | 0.40 |",
        "| ta | 3 | 2.00 | 3.67 | 0.55 |",
        "| ft | 1 | 0.00 | 0.00 |  |",
        "| **all** | 4 | 1.50 | 2.75 | 0.55 |",
    ]


def _row(
    instance: str, solver: str, gap: float | None, family: str = "f", size: str = "2x2"
) -> dict[str, object]:
    """A harness row of a solve with this gap to a best known makespan of 100."""
    return {
        "instance": instance,
        "family": family,
        "size": size,
        "best_lower_bound": 100,
        "best_upper_bound": 100,
        "solver": solver,
        "time_limit": 1.0,
        "workers": 1,
        "seed": 0,
        "status": "FEASIBLE",
        "makespan": None if gap is None else 100 + int(gap),
        "gap_pct": gap,
    }
