"""The live-plan loop's own cost: report latency, coalescing, replan overhead, restart.

    .venv/bin/python benchmarks/bench_live.py [--instance ft10] [--time-limit 10] [--workers 2]
        [--reports 20] > r.json

A plan of `--instance` (a catalogue name or a problem file) gets revision 1 from `solve`. Its first
replan is then held before its solve while `--reports` one-event reports arrive (the busiest
machine breaks down at a quarter of the makespan, then one more machine per report later on):
the latency of each `report` (validation against the released state, persistence) is timed
while nothing else runs. Released, the held replan answers the first event and exactly one more
revision answers all the others (checked: the run fails otherwise; the held one may have read
a few reports more before it began). Then the peer: `prepare` and
`solve` of the same final state outside the loop, whose wall time the loop's replan is compared
with (the loop adds validation, verification and persistence). Last, a new runner on the same
store: how long `start` and the first `view` take. Prints a table to stderr and JSON to stdout.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.params import SolveParams
from scheduler.planning.events import Events
from scheduler.planning.live import LogEntry, PlanRunner, PlanSpec, parse_entries
from scheduler.planning.reschedule import prepare
from scheduler.planstore import SqlitePlanStore, pack
from scheduler.problem import Problem
from scheduler.result import SolveResult
from scheduler.solve import solve

WAIT = 600.0


class _Held:
    """`solve`, except that the first replan (a solve with pins) waits for `release`."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.replans: list[float] = []

    def __call__(self, problem: Problem, params: SolveParams, **kwargs: Any) -> SolveResult:
        if kwargs.get("pins") is not None:
            self.release.wait(WAIT)
        started = time.perf_counter()
        result = solve(problem, params, **kwargs)
        if kwargs.get("pins") is not None:
            self.replans.append(time.perf_counter() - started)
        return result


def _problem(name: str) -> tuple[str, Problem]:
    path = Path(name)
    if not path.exists():
        path = instance_path(name)
    return path.name, read_problem(path)


def _breakdown(entry_id: str, machine: str, start: int, length: int) -> LogEntry:
    event = {
        "kind": "machine_breakdown",
        "machine_id": machine,
        "start": start,
        "end": start + length,
    }
    return parse_entries([{"id": entry_id, "at": start, "event": event}])[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="ft10")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reports", type=int, default=20)
    args = parser.parse_args()
    name, problem = _problem(args.instance)
    params = SolveParams(time_limit=args.time_limit, workers=args.workers, seed=1)
    spec = PlanSpec(problem=problem, parameters=params)
    held = _Held()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "plans.sqlite3"
        runner = PlanRunner(SqlitePlanStore(path), held)
        runner.start()
        started = time.perf_counter()
        plan_id = runner.create(spec)
        first = runner.wait_revision(plan_id, WAIT)
        assert first is not None, runner.view(plan_id).error
        first_s = time.perf_counter() - started

        makespan = max(op.end for op in first.schedule.operations)
        busiest = Counter(op.machine for op in first.schedule.operations).most_common(1)[0][0]
        machines = [m.id for m in problem.machines]
        order = [machines[busiest], *(m for m in machines if m != machines[busiest])]
        now, length = makespan // 4, max(1, makespan // 10)
        entries = [
            _breakdown(f"e{k}", order[k % len(order)], now + k * length, length)
            for k in range(args.reports)
        ]
        latencies = []
        for entry in entries:
            tic = time.perf_counter()
            runner.report(plan_id, [entry])
            latencies.append(time.perf_counter() - tic)
        released = time.perf_counter()
        held.release.set()
        assert runner.idle(WAIT)
        loop_s = time.perf_counter() - released
        view = runner.view(plan_id)
        revisions = runner.revisions(plan_id)
        answers = [len(r.answers) for r in revisions]
        if not view.error:
            # The held replan answers what it read when it began (the first report or a few);
            # the next revision answers every other one.
            assert len(answers) == (3 if args.reports > answers[1] else 2), answers
            assert sum(answers) == args.reports, answers
        latest = runner.store.latest(plan_id)
        assert latest is not None
        payload, packed = len(latest.payload), len(pack(latest.payload))
        runner.shutdown()
        runner.store.close()

        # The peer: the last replan's state, prepared and solved outside the loop.
        # The last replan's input: the revision before the last (all answered), else the last
        # revision and every unanswered report (the replans failed).
        before = revisions[-1] if view.error else revisions[-2]
        done = sum(answers) if view.error else sum(answers[:-1])
        last = entries[done:]
        events = Events(events=[e.event for e in last if e.event is not None])
        now_at = max([before.now, *(e.at or 0 for e in last)])
        tic = time.perf_counter()
        prepared = prepare(before.problem, before.schedule, events, now=now_at, weight=1)
        direct = solve(prepared.problem, params, pins=prepared.pins)
        direct_s = time.perf_counter() - tic

        tic = time.perf_counter()
        again = PlanRunner(SqlitePlanStore(path))
        again.start()
        assert again.view(plan_id).revision is not None
        restart_s = time.perf_counter() - tic
        again.shutdown()
        again.store.close()

    report = {
        "instance": name,
        "operations": problem.index.n_operations,
        "time_limit": args.time_limit,
        "workers": args.workers,
        "first_revision_s": round(first_s, 3),
        "reports": args.reports,
        "report_ms_p50": round(1000 * statistics.median(latencies), 2),
        "report_ms_max": round(1000 * max(latencies), 2),
        "answers_per_revision": answers,
        "replans_solve_s": [round(s, 3) for s in held.replans],
        "release_to_last_revision_s": round(loop_s, 3),
        "loop_outside_solve_s": round(loop_s - sum(held.replans), 3),
        "last_revision": {"number": revisions[-1].number, "status": revisions[-1].result["status"]},
        "error": view.error,
        "peer_prepare_and_solve_s": round(direct_s, 3),
        "peer_status": direct.status.value,
        "revision_payload_bytes": payload,
        "revision_stored_bytes": packed,
        "restart_and_view_s": round(restart_s, 3),
        "python": platform.python_version(),
    }
    print(
        "| instance | ops | report p50 / max | answers per revision | last replan's solve "
        "| loop outside solves (2 replans) | peer prepare+solve | restart+view |",
        file=sys.stderr,
    )
    print(
        f"| {name} | {report['operations']} | {report['report_ms_p50']} / "
        f"{report['report_ms_max']} ms | {answers} | {held.replans[-1]:.2f} s solve "
        f"({view.error or revisions[-1].result['status']}) | {report['loop_outside_solve_s']:.2f} s "
        f"| {direct_s:.2f} s ({direct.status.value}) "
        f"| {restart_s:.2f} s |",
        file=sys.stderr,
    )
    print(json.dumps(report, indent=1))  # redirect it to keep it with the version


if __name__ == "__main__":
    main()
