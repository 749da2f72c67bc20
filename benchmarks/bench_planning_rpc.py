"""The what-if comparison over gRPC against the same comparison in-process (issue 10 on the wire).

    .venv/bin/python benchmarks/bench_planning_rpc.py [--budget 20] [--cores 2] [--cancels 3]

Problem and scenarios: those of `bench_whatif.py` (`auto-parts`, eight scenarios, nine solves).
In one run: `whatif.compare` in this process, then `CompareScenarios` on a server on loopback port 0
whose one solve slot has the same cores, both with the same budget: their wall times against the
budget (the RPC stops every solve at its deadline; `compare` alone shares the budget out but lets a
late-starting solve finish its heuristic and verification), and how many problems each verified.
Then `--cancels` times: a comparison with a 60 s budget is cancelled at its first progress message
and the time until its slot is free and no solver process is left is taken.

Checks while it times: the gRPC comparison ends within its budget plus 3 s and every cancel is
over within 3 s. A summary goes to stderr and the JSON result to stdout and `--out`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from multiprocessing import active_children
from pathlib import Path
from typing import Any

import grpc
from bench_whatif import INSTANCE, eight_scenarios

from scheduler.planning.whatif import compare
from scheduler.problem import parse_problem_json
from scheduler.service.convert import pb, pb_grpc, problem_to_proto
from scheduler.service.convert_planning import scenarios_to_proto
from scheduler.service.limits import ServiceLimits
from scheduler.service.server import ServerConfig, create_server


def _request(problem: pb.Problem, scenarios: list[pb.Scenario], budget: float) -> Any:
    request = pb.CompareScenariosRequest(problem=problem, scenarios=scenarios)
    request.time_limit.FromMilliseconds(int(budget * 1000))
    return request


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=20.0)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--cancels", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    problem = parse_problem_json(INSTANCE.read_bytes())
    scenarios = eight_scenarios(problem)

    started = time.monotonic()
    local = compare(problem, scenarios, args.budget, cores=args.cores)
    local_wall = time.monotonic() - started
    local_verified = sum(e["verified"] for e in (local["base"], *local["scenarios"]))

    limits = ServiceLimits(
        max_concurrent_solves=1,
        interactive_slots=0,
        total_workers=args.cores,
        max_time_limit=300.0,
    )
    request = _request(problem_to_proto(problem), scenarios_to_proto(scenarios), args.budget)
    with tempfile.TemporaryDirectory() as tmp:
        server, port = create_server(
            ServerConfig(port=0, store_path=Path(tmp) / "jobs.sqlite3", limits=limits)
        )
        server.start()
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.SchedulerServiceStub(channel)
                started = time.monotonic()
                messages = list(stub.CompareScenarios(request, timeout=args.budget + 60))
                remote_wall = time.monotonic() - started
                cancels = []
                for _ in range(args.cancels):
                    stream = stub.CompareScenarios(
                        _request(request.problem, list(request.scenarios), 60.0)
                    )
                    next(stream)
                    cancelled = time.monotonic()
                    stream.cancel()
                    while server.slots.in_use or active_children():
                        time.sleep(0.01)
                    cancels.append(round(time.monotonic() - cancelled, 3))
        finally:
            server.stop(1)
    report = messages[-1].comparison
    answers = [report.base, *report.scenarios]
    summary = {
        "instance": INSTANCE.name,
        "budget": args.budget,
        "cores": args.cores,
        "in_process_wall": round(local_wall, 3),
        "grpc_wall": round(remote_wall, 3),
        "in_process_verified": local_verified,
        "grpc_verified": sum(a.verified for a in answers),
        "progress_messages": len(messages) - 1,
        "cancel_to_free_seconds": cancels,
        "grpc_gaps": {
            a.name: round(a.result.gap, 4) if a.result.HasField("gap") else None for a in answers
        },
    }
    print(
        f"budget {args.budget} s: in-process {local_wall:.2f} s "
        f"({local_verified} verified), gRPC {remote_wall:.2f} s ({summary['grpc_verified']} "
        f"verified, {summary['progress_messages']} progress messages); cancel to free {cancels} s",
        file=sys.stderr,
    )
    text = json.dumps(summary, indent=1)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")
    assert remote_wall <= args.budget + 3, f"over budget: {remote_wall:.1f} s"
    assert all(c < 3 for c in cancels), f"slow cancel: {cancels}"
    return 0


if __name__ == "__main__":
    sys.exit(main())
