"""The KPI report and its lateness explanation: each cause named on a constructed 3-order plant,
every section in Markdown and HTML for an example plant, and the `report` command's errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scheduler.cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, main
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.formats.solution import dumps, result_to_json
from scheduler.params import SolveParams
from scheduler.problem import Problem, parse_problem
from scheduler.report.kpi import SECTIONS, KpiReport, ScheduleMismatch, to_html, to_markdown
from scheduler.report.lateness import Cause, OrderStanding, explain
from scheduler.schedule import Schedule, ScheduledOperation
from scheduler.solve import solve
from scheduler.verify import verify

FAST = SolveParams(time_limit=10, workers=2)
ASSEMBLY = Path(__file__).resolve().parent.parent / "instances" / "factory" / "assembly.json"


def _op(name: str, machine: str, duration: int, **extra: Any) -> dict[str, Any]:
    return {"id": name, "machines": [{"machine_id": machine, "duration": duration}], **extra}


def _order(name: str, *ops: dict[str, Any], due: int = 1000, **extra: Any) -> dict[str, Any]:
    return {"id": name, "operations": list(ops), "due": due, **extra}


def _plant(
    *orders: dict[str, Any], machines: list[dict[str, Any]] | None = None, **extra: Any
) -> Problem:
    """Orders on machines m0 and m1 (or `machines`), minimising total weighted tardiness."""
    return parse_problem(
        {
            "machines": machines or [{"id": "m0"}, {"id": "m1"}],
            "orders": list(orders),
            "objective": "total_weighted_tardiness",
            **extra,
        }
    )


TWO_SHIFTS_ON_M0: dict[str, Any] = {
    "machines": [{"id": "m0", "calendar": "day"}, {"id": "m1"}],
    "calendars": [
        {
            "id": "day",
            "shifts": [
                {"days": ["mon"], "start": "00:00", "end": "02:00"},
                {"days": ["mon"], "start": "03:00", "end": "06:00"},
            ],
        }
    ],
}
"""Machine m0 works Monday 00:00-02:00 and 03:00-06:00 (ticks 0-120 and 180-360); m1 always."""


def _placed(problem: Problem, *rows: tuple[Any, ...]) -> Schedule:
    """A hand-written schedule of (order, operation, machine, start, end[, resources]) rows,
    checked feasible."""
    operations = []
    for order_id, op_id, machine_id, start, end, *rest in rows:
        j = problem.index.job_of_id[order_id]
        k = next(n for n, op in enumerate(problem.orders[j].operations) if op.id == op_id)
        resources = tuple(
            next(r for r, res in enumerate(problem.resources) if res.id == rid)
            for rid in (rest[0] if rest else ())
        )
        operations.append(
            ScheduledOperation(j, k, problem.machine_position(machine_id), start, end, resources)
        )
    schedule = Schedule(tuple(operations))
    assert verify(problem, schedule).ok, verify(problem, schedule).violations
    return schedule


def _standing(problem: Problem, schedule: Schedule, order_id: str) -> OrderStanding:
    return next(s for s in explain(problem, schedule).orders if s.order_id == order_id)


def _order_of(problem: Problem, key: tuple[int, int] | None) -> str:
    assert key is not None
    return problem.orders[key[0]].id


def test_machine_busy_with_another_order_in_a_solved_plan():
    """Three 10-tick orders due by 20 on one machine: the late one waited for the machine, busy
    with the order before it, which names it; that machine is the plan's bottleneck."""
    problem = _plant(
        *(
            _order(name, _op("o0", "m0", 10), due=due)
            for name, due in (("A", 10), ("B", 20), ("C", 20))
        )
    )
    result = solve(problem, FAST)
    assert result.schedule is not None and result.objective == 10
    report = explain(problem, result.schedule, threshold=0)
    late = [s for s in report.orders if s.late]
    assert len(late) == 1 and late[0].slack == -10
    first = late[0].chain[0]
    assert first.cause is Cause.MACHINE
    other = _order_of(problem, first.blocker)
    assert other in {"B", "C"} - {late[0].order_id}
    assert f"machine m0 is busy with o0 of order {other} until t=20" in first.text
    assert [step.cause for step in late[0].chain[1:]] == [Cause.MACHINE, Cause.PLANNING_START]
    assert report.bottlenecks[0].machine_id == "m0" and report.bottlenecks[0].waits == 2


def test_material_arrival():
    """An order that consumes steel only an open purchase brings waits for that arrival."""
    problem = _plant(
        _order("A", _op("o0", "m0", 10)),
        _order("B", _op("o0", "m0", 10)),
        _order("C", _op("o0", "m1", 10, consumes=[{"item_id": "steel", "quantity": 5}]), due=35),
        items=[{"id": "steel"}],
        purchase_orders=[{"id": "PO-7", "item_id": "steel", "quantity": 5, "arrival": 30}],
    )
    schedule = _placed(
        problem, ("A", "o0", "m0", 0, 10), ("B", "o0", "m0", 10, 20), ("C", "o0", "m1", 30, 40)
    )
    chain = _standing(problem, schedule, "C").chain
    assert [step.cause for step in chain] == [Cause.MATERIAL]
    assert "open purchase PO-7: 5 steel arriving t=30" in chain[0].text


def test_material_made_by_another_order():
    """An order consuming an intermediate waits for the operation of another order that makes it,
    and the chain goes on along that operation."""
    problem = _plant(
        _order("A", _op("o0", "m0", 10), release=5),
        _order("B", _op("o0", "m0", 10, produces=[{"item_id": "frame", "quantity": 1}])),
        _order("C", _op("o0", "m1", 10, consumes=[{"item_id": "frame", "quantity": 1}]), due=20),
        items=[{"id": "frame"}],
    )
    schedule = _placed(
        problem, ("B", "o0", "m0", 0, 10), ("A", "o0", "m0", 10, 20), ("C", "o0", "m1", 10, 20)
    )
    assert explain(problem, schedule, threshold=0).explained == ()
    schedule = _placed(
        problem, ("A", "o0", "m0", 5, 15), ("B", "o0", "m0", 15, 25), ("C", "o0", "m1", 25, 35)
    )
    chain = _standing(problem, schedule, "C").chain
    assert [step.cause for step in chain] == [Cause.MATERIAL, Cause.MACHINE, Cause.RELEASE]
    assert "frame made by o0 of order B" in chain[0].text
    assert _order_of(problem, chain[1].blocker) == "A"


def test_calendar_break_in_dates():
    """An order ready when its machine's shift ends waits for the next shift, named with dates,
    and its chain continues with the order that kept the machine busy until then."""
    problem = _plant(
        _order("A", _op("o0", "m0", 60)),
        _order("B", _op("o0", "m0", 60)),
        _order("C", _op("o0", "m0", 50), due=200),
        **TWO_SHIFTS_ON_M0,
        planning_start="2025-03-03T00:00:00+00:00",
    )
    schedule = _placed(
        problem, ("A", "o0", "m0", 0, 60), ("B", "o0", "m0", 60, 120), ("C", "o0", "m0", 180, 230)
    )
    chain = _standing(problem, schedule, "C").chain
    assert chain[0].cause is Cause.CALENDAR and chain[0].ready == 120
    assert (
        "machine m0 is not working from Mon 2025-03-03 02:00 until Mon 2025-03-03 03:00"
        in chain[0].text
    )
    assert _order_of(problem, chain[0].blocker) == "B"


def test_shift_too_short_for_the_work():
    """Work that does not fit in what is left of the shift waits for the next one, and says so."""
    problem = _plant(
        _order("A", _op("o0", "m0", 100)),
        _order("B", _op("o0", "m1", 10)),
        _order("C", _op("o0", "m0", 50), release=90, due=200),
        **TWO_SHIFTS_ON_M0,
    )
    schedule = _placed(
        problem, ("A", "o0", "m0", 0, 100), ("B", "o0", "m1", 0, 10), ("C", "o0", "m0", 180, 230)
    )
    step = _standing(problem, schedule, "C").chain[0]
    assert step.cause is Cause.CALENDAR
    assert (
        "its 50 ticks of work did not fit before machine m0's working time ended t=120" in step.text
    )


def test_operator_off_shift():
    """An order whose operator is off shift when it is released waits for the operator's next
    shift, named as the operator's calendar break (no machine to blame)."""
    problem = _plant(
        _order("A", _op("o0", "m0", 10)),
        _order("B", _op("o0", "m1", 10)),
        _order("C", _op("o0", "m1", 10, resources=[{"resources": ["ann"]}]), release=125, due=150),
        resources=[{"id": "ann", "calendar": "day"}],
        calendars=TWO_SHIFTS_ON_M0["calendars"],
    )
    schedule = _placed(
        problem,
        ("A", "o0", "m0", 0, 10),
        ("B", "o0", "m1", 0, 10),
        ("C", "o0", "m1", 180, 190, ["ann"]),
    )
    step = _standing(problem, schedule, "C").chain[0]
    assert step.cause is Cause.CALENDAR and step.machine_of_cause is None
    assert step.text.startswith("operator ann is not working from t=120 until t=180")
    assert "order C is released t=125" in step.text


def test_no_wait_successor_that_does_not_fit_its_shift():
    """An operation held back for a no-wait successor says that the successor's work did not fit
    in its machine's shift, instead of calling the wait the plan's choice."""
    problem = _plant(
        _order("A", _op("o0", "m0", 60)),
        _order("B", _op("o0", "m1", 10)),
        _order(
            "C",
            _op("o0", "m1", 10),
            _op("o1", "m0", 100, predecessors=[{"operation_id": "o0", "max_lag": 0}]),
            due=250,
        ),
        **TWO_SHIFTS_ON_M0,
    )
    schedule = _placed(
        problem,
        ("A", "o0", "m0", 0, 60),
        ("B", "o0", "m1", 0, 10),
        ("C", "o0", "m1", 170, 180),
        ("C", "o1", "m0", 180, 280),
    )
    chain = _standing(problem, schedule, "C").chain
    assert [step.cause for step in chain] == [Cause.PREDECESSOR, Cause.MAX_LAG]
    assert (
        "its successor o1 of order C must start right after it ends, and its 100 ticks of work "
        "did not fit before machine m0's working time ended t=120" in chain[1].text
    )


def test_changeover():
    """An order of another family waits for the machine's changeover after the order before it."""
    problem = _plant(
        _order("A", _op("o0", "m0", 10, family="fam-a")),
        _order("B", _op("o0", "m1", 10)),
        _order("C", _op("o0", "m0", 10, family="fam-b"), due=30),
        machines=[
            {"id": "m0", "setups": [{"from_family": "fam-a", "to_family": "fam-b", "time": 15}]},
            {"id": "m1"},
        ],
        families=[{"id": "fam-a"}, {"id": "fam-b"}],
    )
    schedule = _placed(
        problem, ("A", "o0", "m0", 0, 10), ("B", "o0", "m1", 0, 10), ("C", "o0", "m0", 25, 35)
    )
    step = _standing(problem, schedule, "C").chain[0]
    assert step.cause is Cause.CHANGEOVER and _order_of(problem, step.blocker) == "A"
    assert "changes over from family fam-a to fam-b (15 ticks) after o0 of order A" in step.text


def test_release_and_predecessor():
    """A late order whose route is free walks back through its predecessor to its release."""
    problem = _plant(
        _order("A", _op("o0", "m0", 5)),
        _order("B", _op("o0", "m1", 5)),
        _order("C", _op("o0", "m0", 10), _op("o1", "m1", 10), due=25, release=10),
    )
    schedule = _placed(
        problem,
        ("A", "o0", "m0", 0, 5),
        ("B", "o0", "m1", 0, 5),
        ("C", "o0", "m0", 10, 20),
        ("C", "o1", "m1", 20, 30),
    )
    chain = _standing(problem, schedule, "C").chain
    assert [step.cause for step in chain] == [Cause.PREDECESSOR, Cause.RELEASE]
    assert "its predecessor o0 of order C ends t=20" in chain[0].text
    assert "order C is released t=10" in chain[1].text


def test_resource_busy():
    """An order whose operator is busy with another order's operation names that operation."""
    need = [{"resources": ["ann"]}]
    problem = _plant(
        _order("A", _op("o0", "m0", 10, resources=need)),
        _order("B", _op("o0", "m0", 10)),
        _order("C", _op("o0", "m1", 10, resources=need), due=15),
        resources=[{"id": "ann"}],
    )
    schedule = _placed(
        problem,
        ("A", "o0", "m0", 0, 10, ["ann"]),
        ("B", "o0", "m0", 10, 20),
        ("C", "o0", "m1", 10, 20, ["ann"]),
    )
    step = _standing(problem, schedule, "C").chain[0]
    assert step.cause is Cause.RESOURCE and _order_of(problem, step.blocker) == "A"
    assert "operator ann is busy with o0 of order A until t=10" in step.text


def test_unforced_wait_and_at_risk_threshold():
    """A start later than any constraint needs is an idle wait; an on-time order is at risk only
    with less slack than the threshold, and only late or at-risk orders get a chain."""
    problem = _plant(
        _order("A", _op("o0", "m0", 10), due=12),
        _order("B", _op("o0", "m1", 10), due=20),
        _order("C", _op("o0", "m1", 10), due=100),
    )
    schedule = _placed(
        problem, ("A", "o0", "m0", 5, 15), ("B", "o0", "m1", 0, 10), ("C", "o0", "m1", 10, 20)
    )
    report = explain(problem, schedule, threshold=11)
    standing = {s.order_id: s for s in report.orders}
    assert standing["A"].late and standing["A"].chain[0].cause is Cause.IDLE
    assert standing["B"].status == "at risk" and standing["B"].slack == 10 and standing["B"].chain
    assert (
        standing["C"].status == "on time" and standing["C"].slack == 80 and not standing["C"].chain
    )
    assert [s.order_id for s in report.explained] == ["A", "B"]
    assert explain(problem, schedule, threshold=10).explained[1:] == ()


@pytest.fixture(scope="module")
def assembly(tmp_path_factory) -> tuple[Problem, Path]:
    """The example assembly plant and its schedule file, solved for 2 s."""
    problem = read_problem(ASSEMBLY)
    result = solve(problem, SolveParams(time_limit=2, workers=2))
    assert result.schedule is not None
    path = tmp_path_factory.mktemp("assembly") / "schedule.json"
    path.write_text(dumps(result_to_json(problem, result)))
    return problem, path


def test_example_plant_report_has_every_section(assembly):
    """The report of the assembly plant holds every section in Markdown and HTML, the HTML with
    its utilisation chart inlined (no network needed)."""
    from scheduler.formats.solution import read_schedule
    from scheduler.report.kpi import SolveFigures

    problem, path = assembly
    data = json.loads(path.read_text())
    report = KpiReport.build(problem, read_schedule(path.read_text()), SolveFigures.from_file(data))
    markdown, page = to_markdown(report), to_html(report)
    for title in SECTIONS:
        assert f"## {title}" in markdown and f"<h2>{title}</h2>" in page
    assert data["status"] in markdown and "| 2 | purchase_cost + setup_cost |" in markdown
    for purchase in data["purchases"]:
        assert (
            f"| {purchase['item_id']} | {purchase['supplier_id']} | {purchase['quantity']} |"
            in markdown
        )
    for machine in problem.machines:
        assert f"| {machine.id} |" in markdown
    assert (
        'id="utilisation"' in page and "Plotly.newPlot" in page and '<script src="http' not in page
    )
    assert 'id="slack"' in page and page.count("plotly.js v") == 1
    if report.lateness.explained:
        assert "### Order" in markdown and "<ol><li>" in page


def test_every_chain_of_the_example_plant_holds_together(assembly):
    """With every order explained, each chain starts at its order's completion, each step's
    blocker ends by the step's start (by its max-lag successor's start for a max-lag wait), and a
    step with a direct cause starts when it was ready."""
    from scheduler.formats.solution import read_schedule

    problem, path = assembly
    schedule = read_schedule(path.read_text())
    ends = {(op.job, op.index): op.end for op in schedule.operations}
    starts = {(op.job, op.index): op.start for op in schedule.operations}
    report = explain(problem, schedule, threshold=10**9)
    assert len(report.explained) == len(problem.orders)
    direct = {Cause.CALENDAR, Cause.MAX_LAG, Cause.IDLE}
    for standing in report.explained:
        assert standing.chain[0].end == standing.completion
        for step in standing.chain:
            assert step.ready <= step.start
            assert step.cause in direct or step.ready == step.start
            if step.blocker is None:
                continue
            limit = step.start
            if step.cause is Cause.MAX_LAG:
                me = problem.orders[step.job].operations[step.index].id
                limit = max(
                    starts[(step.job, n)]
                    for n, op in enumerate(problem.orders[step.job].operations)
                    if any(
                        p.operation_id == me and p.max_lag is not None
                        for p in op.predecessors or ()
                    )
                )
            assert ends[step.blocker] <= limit


def test_makespan_chain_without_due_dates():
    """A job shop without due dates gets the chain of the order that completes last (why the
    plan is as long as it is), and its machines as the bottlenecks."""
    problem = read_problem(instance_path("ft06"))
    # Any verified schedule has such a chain; at FAST's 10 s the tabu search alone took 5 s.
    result = solve(problem, SolveParams(time_limit=1, workers=2))
    assert result.schedule is not None and result.kpis is not None
    report = KpiReport.build(problem, result.schedule)
    chain = report.lateness.makespan_chain
    assert chain[0].end == result.kpis.makespan and report.lateness.orders == ()
    on_chain = {step.machine for step in chain}
    assert report.lateness.bottlenecks[0].machine in on_chain
    markdown = to_markdown(report)
    assert "### The makespan: order" in markdown and "No order has a due date" in markdown


def test_cli_writes_markdown_and_html(assembly, tmp_path, capsys):
    """`scheduler report` writes Markdown or HTML after the --out suffix and exits 0."""
    _, path = assembly
    for name, marker in (("r.md", "# KPI report: assembly"), ("r.html", "<!DOCTYPE html>")):
        out = tmp_path / name
        assert main(["report", str(path), "--problem", str(ASSEMBLY), "--out", str(out)]) == EXIT_OK
        assert out.read_text().startswith(marker)
    assert main(["report", str(path), "--problem", str(ASSEMBLY), "--at-risk", "0"]) == EXIT_OK
    assert "## Lateness explanation" in capsys.readouterr().out


def test_cli_errors_are_readable(assembly, tmp_path, capsys):
    """A missing file, a schedule of another problem, a wrong --out suffix and a file without a
    schedule exit 1 with a one-line reason; a missing --problem is a usage error."""
    _, path = assembly
    empty = tmp_path / "infeasible.json"
    empty.write_text(json.dumps({"status": "INFEASIBLE", "operations": []}))
    cases = [
        (
            ["report", str(tmp_path / "none.json"), "--problem", str(ASSEMBLY)],
            "none.json: cannot read: no such file",
        ),
        (
            ["report", str(path), "--problem", str(tmp_path / "none.json")],
            "none.json: no such file",
        ),
        (
            ["report", str(path), "--problem", str(instance_path("ft06"))],
            "the schedule does not fit the problem",
        ),
        (
            ["report", str(path), "--problem", str(ASSEMBLY), "--out", str(tmp_path / "r.pdf")],
            "--out",
        ),
        (["report", str(empty), "--problem", str(ASSEMBLY)], "holds no schedule to report on"),
    ]
    for argv, reason in cases:
        assert main(argv) == EXIT_INPUT
        err = capsys.readouterr().err
        assert reason in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exit_:
        main(["report", str(path)])
    assert exit_.value.code == EXIT_USAGE


def test_edited_schedule_is_refused():
    """A schedule that breaks the problem's rules is refused with the violations, not explained."""
    problem = _plant(_order("A", _op("o0", "m0", 10)), _order("B", _op("o0", "m0", 10)))
    overlapping = Schedule((ScheduledOperation(0, 0, 0, 0, 10), ScheduledOperation(1, 0, 0, 5, 15)))
    with pytest.raises(ScheduleMismatch, match="overlap"):
        KpiReport.build(problem, overlapping)
