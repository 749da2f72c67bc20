"""Gantt charts, scenario comparison and the `gantt` / `compare` commands."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import jobshop

from scheduler.cli import EXIT_INPUT, EXIT_OK, main
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.formats.solution import schedule_to_json
from scheduler.heuristics import best_factory_dispatch
from scheduler.problem import Problem, parse_problem
from scheduler.report import gantt
from scheduler.report.compare import compare_page
from scheduler.report.gantt import (
    CHANGEOVERS,
    DOWNTIME_NAME,
    DUE_DATES,
    LATE,
    NON_WORKING_NAME,
    OPERATIONS,
    gantt_figure,
    write_gantt,
)
from scheduler.schedule import Schedule, ScheduledOperation


def _plant() -> Problem:
    """A dated two-machine plant: a press with a day shift (06:00-14:00), a maintenance
    10:00-11:00 and changeovers; an oven; an operator; steel arriving at tick 30."""
    return parse_problem(
        {
            "name": "tiny-plant",
            "planning_start": "2025-03-03T06:00:00+00:00",
            "tick": "PT1M",
            "calendars": [
                {
                    "id": "day",
                    "shifts": [{"days": ["mon", "tue"], "start": "06:00", "end": "14:00"}],
                    "exceptions": [
                        {
                            "start": "2025-03-03T10:00:00",
                            "end": "2025-03-03T11:00:00",
                            "reason": "maintenance",
                        }
                    ],
                }
            ],
            "families": [{"id": "red"}, {"id": "blue"}],
            "machines": [
                {
                    "id": "press",
                    "name": "Press 1",
                    "calendar": "day",
                    "setups": [
                        {"to_family": "red", "time": 5},
                        {"from_family": "red", "to_family": "blue", "time": 10, "cost": 7},
                    ],
                },
                {"id": "oven"},
            ],
            "resources": [{"id": "operator-1"}],
            "items": [{"id": "steel"}],
            "purchase_orders": [{"id": "PO-1", "item_id": "steel", "quantity": 1, "arrival": 30}],
            "orders": [
                {
                    "id": "WO-1",
                    "due": 1000,
                    "operations": [
                        {
                            "id": "pressing",
                            "family": "red",
                            "machines": [{"machine_id": "press", "duration": 20}],
                            "consumes": [{"item_id": "steel", "quantity": 1}],
                        },
                        {"id": "baking", "machines": [{"machine_id": "oven", "duration": 30}]},
                    ],
                },
                {
                    "id": "WO-2",
                    "due": 40,
                    "deadline": 2000,
                    "operations": [
                        {
                            "id": "pressing",
                            "family": "blue",
                            "machines": [{"machine_id": "press", "duration": 20}],
                            "resources": [{"resources": ["operator-1"]}],
                        }
                    ],
                },
            ],
        }
    )


def _plan() -> Schedule:
    """WO-1 pressed once its steel arrives (30-50) then baked (50-80); WO-2 pressed 60-80, after
    a red-to-blue changeover, 40 ticks past its due date."""
    return Schedule(
        (
            ScheduledOperation(0, 0, 0, 30, 50),
            ScheduledOperation(0, 1, 1, 50, 80),
            ScheduledOperation(1, 0, 0, 60, 80, (0,)),
        )
    )


def _trace(figure: Any, name: str) -> Any:
    (trace,) = [t for t in figure.data if t.name == name]
    return trace


def _bars(trace: Any) -> list[tuple[str, Any, Any]]:
    return list(zip(trace.y, trace.base, trace.x, strict=True))


def _minutes(n: int) -> float:
    return n * 60_000.0


def _assembly() -> tuple[Problem, Schedule]:
    problem = read_problem(instance_path("assembly"))
    schedule = best_factory_dispatch(problem)
    assert schedule is not None
    return problem, schedule


def test_chart_holds_every_operation_of_a_factory_schedule():
    """Every operation of a 256-operation plan is one bar on its machine, at its times."""
    problem, schedule = _assembly()
    figure = gantt_figure(problem, schedule)
    ops = _trace(figure, OPERATIONS)
    drawn = {
        (j, k): (m, y, base, x)
        for (j, k, m), y, base, x in zip(
            ops.customdata, *zip(*_bars(ops), strict=True), strict=True
        )
    }
    assert len(ops.customdata) == len(schedule.operations) == len(drawn)
    for op in schedule.operations:
        machine, row, base, length = drawn[(op.job, op.index)]
        assert machine == op.machine
        assert row.split(" ")[0] == problem.machines[op.machine].id
        assert base == problem.time_at(op.start).isoformat()
        assert length == _minutes(op.end - op.start)


def test_bars_without_a_planning_start_have_a_base_and_a_length_in_ticks():
    """Ticks are not dates: a 3-tick operation from tick 2 is base 2, length 3 on a linear axis."""
    problem = jobshop([[(0, 2), (1, 3)], [(1, 2)]])
    schedule = Schedule(
        (
            ScheduledOperation(0, 0, 0, 0, 2),
            ScheduledOperation(0, 1, 1, 2, 5),
            ScheduledOperation(1, 0, 1, 0, 2),
        )
    )
    figure = gantt_figure(problem, schedule)
    assert sorted(_bars(_trace(figure, OPERATIONS))) == [("m0", 0, 2), ("m1", 0, 2), ("m1", 2, 3)]
    assert figure.layout.xaxis.type == "linear"


def test_a_planning_start_puts_dates_on_the_axis():
    """With a planning start the axis is a date axis and a bar starts at its timestamp."""
    figure = gantt_figure(_plant(), _plan())
    assert figure.layout.xaxis.type == "date"
    assert ("oven", "2025-03-03T06:50:00+00:00", _minutes(30)) in _bars(_trace(figure, OPERATIONS))


def test_changeovers_are_bars_ending_where_their_operation_starts():
    """The initial setup (5) before WO-1 and red-to-blue (10) before WO-2 are drawn on the press."""
    figure = gantt_figure(_plant(), _plan())
    setups = _trace(figure, CHANGEOVERS)
    assert _bars(setups) == [
        ("press (Press 1)", "2025-03-03T06:25:00+00:00", _minutes(5)),
        ("press (Press 1)", "2025-03-03T06:50:00+00:00", _minutes(10)),
    ]
    assert "cost 7" in setups.hovertext[1]


def test_non_working_time_and_downtime_are_shaded_on_the_calendar_rows():
    """The press's maintenance 10:00-11:00 (ticks 240-300) is downtime and non-working time;
    the oven without a calendar has no shading."""
    problem = _plant()
    schedule = Schedule((*_plan().operations, ScheduledOperation(0, 1, 1, 80, 400)))
    figure = gantt_figure(problem, schedule)
    assert _bars(_trace(figure, NON_WORKING_NAME)) == [
        ("press (Press 1)", "2025-03-03T10:00:00+00:00", _minutes(60))
    ]
    (down,) = _bars(_trace(figure, DOWNTIME_NAME))
    assert down == ("press (Press 1)", "2025-03-03T10:00:00+00:00", _minutes(60))
    assert "maintenance" in _trace(figure, DOWNTIME_NAME).hovertext[0]


def test_late_orders_are_outlined_and_their_due_date_marked():
    """WO-2 (due 40, done 80) is outlined red with its due date a red marker; WO-1 is not."""
    figure = gantt_figure(_plant(), _plan())
    ops = _trace(figure, OPERATIONS)
    outline = {
        tuple(c[:2]): colour
        for c, colour in zip(ops.customdata, ops.marker.line.color, strict=True)
    }
    assert outline[(1, 0)] == LATE
    assert outline[(0, 0)] != LATE and outline[(0, 1)] != LATE
    due = _trace(figure, DUE_DATES)
    assert list(due.marker.color) == ["#222222", LATE]
    assert "late by 40" in due.hovertext[1]
    assert "1 late order" in figure.layout.title.text


def test_tooltips_name_times_resources_and_what_the_operation_waited_for():
    """WO-1's pressing waited 30 ticks, for the steel of PO-1; WO-2's shows its operator."""
    figure = gantt_figure(_plant(), _plan())
    ops = _trace(figure, OPERATIONS)
    text = {tuple(c[:2]): t for c, t in zip(ops.customdata, ops.hovertext, strict=True)}
    assert "WO-1 / pressing" in text[(0, 0)]
    assert "waited 30 tick(s)" in text[(0, 0)]
    assert "waited for 1 steel arriving at tick 30" in text[(0, 0)]
    assert "resources operator-1" in text[(1, 0)]
    assert "waited for" not in text[(0, 1)]


@pytest.mark.parametrize(
    ("by", "rows"),
    [
        ("order", ["WO-1", "WO-1", "WO-2"]),
        ("resource", ["(no resource)", "(no resource)", "operator-1"]),
    ],
)
def test_rows_by_order_and_by_resource(by, rows):
    """By order each operation sits on its order's row; by resource on its chosen resource's."""
    figure = gantt_figure(_plant(), _plan(), by=by)
    assert sorted(_trace(figure, OPERATIONS).y) == rows


def _files(
    tmp_path: Path, problem: Problem, schedule: Schedule, name: str = "plan"
) -> tuple[Path, Path]:
    problem_file = tmp_path / "problem.json"
    problem_file.write_text(problem.model_dump_json(exclude_defaults=True))
    schedule_file = tmp_path / f"{name}.json"
    schedule_file.write_text(json.dumps({"operations": schedule_to_json(problem, schedule)}))
    return problem_file, schedule_file


def _figure_data(page: str) -> list[dict[str, Any]]:
    """The traces of the first plotly figure of an HTML page, as the browser receives them."""
    start = page.index("Plotly.newPlot(")
    data_start = page.index("[", start)
    data, _ = json.JSONDecoder().raw_decode(page, data_start)
    return data


def test_gantt_command_writes_a_self_contained_page_with_every_operation(tmp_path, capsys):
    """`scheduler gantt` writes HTML with plotly.js inlined and one bar per operation."""
    problem, schedule = _assembly()
    problem_file, schedule_file = _files(tmp_path, problem, schedule)
    out = tmp_path / "plan.html"
    assert (
        main(["gantt", str(schedule_file), "--problem", str(problem_file), "--out", str(out)])
        == EXIT_OK
    )
    page = out.read_text()
    assert "<script src=" not in page  # nothing fetched from a CDN
    (ops,) = [t for t in _figure_data(page) if t.get("name") == OPERATIONS]
    assert sorted(map(tuple, ops["customdata"])) == sorted(
        (op.job, op.index, op.machine) for op in schedule.operations
    )
    assert "256 operations" in capsys.readouterr().out


def test_gantt_command_errors_are_one_readable_line(tmp_path, capsys, monkeypatch):
    """An unknown suffix, a missing exporter and a schedule of another problem are CLI errors."""
    problem_file, schedule_file = _files(tmp_path, _plant(), _plan())
    base = ["gantt", str(schedule_file), "--problem", str(problem_file)]
    assert main([*base, "--out", str(tmp_path / "plan.pdf")]) == EXIT_INPUT
    assert "unknown chart format '.pdf'" in capsys.readouterr().err
    monkeypatch.setattr(gantt, "_exporter_installed", lambda: False)
    assert main([*base, "--out", str(tmp_path / "plan.png")]) == EXIT_INPUT
    assert "pip install 'scheduler[image]'" in capsys.readouterr().err
    (tmp_path / "other").mkdir()
    other, _ = _files(tmp_path / "other", jobshop([[(0, 1)]]), Schedule(()))
    assert main(["gantt", str(schedule_file), "--problem", str(other)]) == EXIT_INPUT
    assert "operations[1].index: order j0 has no operation 1" in capsys.readouterr().err
    # A missing schedule is a usage error (exit 2), as argparse's own are.
    with pytest.raises(SystemExit) as exit_:
        main(["gantt", "--problem", str(problem_file)])
    assert exit_.value.code == 2
    assert "give a schedule file" in capsys.readouterr().err


def test_compare_shows_kpis_with_deltas_and_a_gantt_per_scenario(tmp_path, capsys):
    """Moving WO-2 earlier (on time) shows -40 tardiness and +100% on-time rate against the base."""
    problem = _plant()
    early = Schedule(
        (
            ScheduledOperation(1, 0, 0, 10, 30, (0,)),
            ScheduledOperation(0, 0, 0, 30, 50),
            ScheduledOperation(0, 1, 1, 50, 80),
        )
    )
    problem_file, base = _files(tmp_path, problem, _plan(), "base")
    _, better = _files(tmp_path, problem, early, "early")
    out = tmp_path / "compare.html"
    args = ["compare", str(base), str(better), "--problem", str(problem_file), "--out", str(out)]
    assert main(args) == EXIT_OK
    page = out.read_text()
    row = re.search(r"<tr><td>total tardiness \(ticks\)</td>(.*?)</tr>", page)
    assert row is not None
    assert row.group(1) == '<td>40</td><td>0 <span class="better">-40 (-100.0%)</span></td>'
    assert '<span class="better">+50.0 pt</span>' in page  # on-time rate 50% -> 100%
    assert page.count("Plotly.newPlot(") == 2
    assert page.count("* plotly.js v") == 1  # inlined once, nothing from a CDN


def test_compare_draws_every_scenario_on_the_longest_time_axis():
    """Both small Gantts end at the later makespan (80), so the eye compares like with like."""
    shorter = Schedule(
        (
            ScheduledOperation(1, 0, 0, 10, 30, (0,)),
            ScheduledOperation(0, 0, 0, 30, 50),
            ScheduledOperation(0, 1, 1, 50, 70),
        )
    )
    page = compare_page(_plant(), [("base", _plan()), ("shorter", shorter)])
    axis = '"range":["2025-03-03T06:00:00+00:00","2025-03-03T07:20:00+00:00"]'
    assert page.count(axis) == 2


def test_compare_marks_an_infeasible_scenario():
    """A schedule that overlaps two operations on the press is shown with its violations."""
    broken = Schedule(
        (
            ScheduledOperation(0, 0, 0, 30, 50),
            ScheduledOperation(0, 1, 1, 50, 80),
            ScheduledOperation(1, 0, 0, 40, 60, (0,)),
        )
    )
    page = compare_page(_plant(), [("base", _plan()), ("broken", broken)])
    assert re.search(r'<td class="worse">\d+ violation\(s\)</td>', page)


def test_png_and_svg_through_the_exporter(tmp_path, browser):
    """With kaleido and a browser installed, PNG and SVG files are written."""
    pytest.importorskip("kaleido", reason="the optional exporter (pip install 'scheduler[image]')")
    figure = gantt_figure(_plant(), _plan())
    write_gantt(figure, tmp_path / "plan.svg")
    write_gantt(figure, tmp_path / "plan.png")
    assert "press (Press 1)" in (tmp_path / "plan.svg").read_text()
    assert browser.ink_share(tmp_path / "plan.png") > 0.01


def test_browser_probe_catches_a_script_error(tmp_path, browser):
    """The error probe of the browser test sees an uncaught error (so the next test can fail)."""
    page = tmp_path / "broken.html"
    page.write_text("<html><head></head><body><script>undefinedFunction();</script></body></html>")
    rendered = browser.render(page)
    assert any("undefinedFunction" in error for error in rendered.script_errors)
    assert any("undefinedFunction" in line for line in rendered.console_errors)
    assert browser.ink_share(rendered.screenshot) < 0.001


def test_chart_renders_in_a_real_browser_without_script_errors(tmp_path, browser):
    """Headless Chromium draws the 256-operation chart: no script error, a screenshot with ink,
    every machine name in the DOM and one bar per operation."""
    problem, schedule = _assembly()
    page = tmp_path / "plan.html"
    write_gantt(gantt_figure(problem, schedule), page)
    rendered = browser.render(page)
    assert rendered.script_errors == []
    assert rendered.console_errors == []
    for machine in problem.machines:
        assert f">{machine.id} ({machine.name})<" in rendered.dom
    assert rendered.dom.count('class="point"') >= len(schedule.operations)
    assert browser.ink_share(rendered.screenshot) > 0.05


@pytest.fixture
def job_server(tmp_path):
    """A real server on a loopback port (stopped at teardown) and its address."""
    from scheduler.service.server import ServerConfig, create_server

    server, port = create_server(
        ServerConfig(port=0, store_path=tmp_path / "jobs.sqlite3", grace=1.0)
    )
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)


def test_gantt_of_a_stored_job_fetches_its_schedule(tmp_path, job_server, capsys):
    """`gantt --server --job` draws the finished job's schedule; another problem is refused."""
    from scheduler.client import SchedulerClient
    from scheduler.params import SolveParams

    problem = _plant()
    with SchedulerClient(job_server) as client:
        job = client.create_job(problem, SolveParams(time_limit=5, workers=1))
        *_, done = client.watch_job(job.job_id, timeout=60)
    problem_file, _ = _files(tmp_path, problem, _plan())
    out = tmp_path / "job.html"
    remote = ["gantt", "--server", job_server, "--job", job.job_id, "--out", str(out)]
    assert main([*remote, "--problem", str(problem_file)]) == EXIT_OK
    (ops,) = [t for t in _figure_data(out.read_text()) if t.get("name") == OPERATIONS]
    drawn = {
        (problem.orders[j].id, problem.orders[j].operations[k].id, problem.machines[m].id)
        for j, k, m in ops["customdata"]
    }
    stored = done.result.schedule.operations
    assert drawn == {(op.order_id, op.operation_id, op.machine_id) for op in stored}
    assert len(ops["customdata"]) == len(stored) == 3
    capsys.readouterr()
    (tmp_path / "other").mkdir()
    other, _ = _files(tmp_path / "other", jobshop([[(0, 1)]]), Schedule(()))
    assert main([*remote, "--problem", str(other)]) == EXIT_INPUT
    assert "is it the problem the job was created from?" in capsys.readouterr().err


def test_operations_at_once_on_a_machine_of_capacity_two_stand_side_by_side():
    """Two overlapping operations on an oven of capacity 2 get separate lanes; the press keeps one."""
    problem = parse_problem(
        {
            "machines": [{"id": "oven", "capacity": 2}, {"id": "press"}],
            "orders": [
                {
                    "id": f"o{j}",
                    "operations": [{"id": "a", "machines": [{"machine_id": m, "duration": 5}]}],
                }
                for j, m in enumerate(["oven", "oven", "press"])
            ],
        }
    )
    schedule = Schedule(
        (
            ScheduledOperation(0, 0, 0, 0, 5),
            ScheduledOperation(1, 0, 0, 2, 7),
            ScheduledOperation(2, 0, 1, 0, 5),
        )
    )
    ops = _trace(gantt_figure(problem, schedule), OPERATIONS)
    lane = {c[0]: (o, w) for c, o, w in zip(ops.customdata, ops.offset, ops.width, strict=True)}
    assert lane[0] == (-0.4, 0.4) and lane[1] == (0.0, 0.4)
    assert lane[2] == (-0.4, 0.8)


def test_gantt_and_report_of_a_stored_job_need_no_problem_file(tmp_path, job_server, capsys):
    """SCHEDULE_JOB_VIEW_PLAN returns the job's problem: `gantt` and `report` with --server
    --job draw and report the stored plan from the server alone."""
    from scheduler.client import SchedulerClient, fetch_job_plan
    from scheduler.params import SolveParams

    problem = _plant()
    with SchedulerClient(job_server) as client:
        job = client.create_job(problem, SolveParams(time_limit=5, workers=1))
        *_, done = client.watch_job(job.job_id, timeout=60)
    plan = fetch_job_plan(job_server, job.job_id)
    assert plan.problem == problem and plan.result is not None
    assert len(plan.schedule.operations) == len(done.result.schedule.operations)
    remote = ["--server", job_server, "--job", job.job_id]
    out = tmp_path / "job.html"
    assert main(["gantt", *remote, "--out", str(out)]) == EXIT_OK
    (ops,) = [t for t in _figure_data(out.read_text()) if t.get("name") == OPERATIONS]
    assert len(ops["customdata"]) == 3
    report = tmp_path / "job.md"
    assert main(["report", *remote, "--out", str(report)]) == EXIT_OK
    text = report.read_text()
    assert problem.orders[0].id in text and "OPTIMAL" in text


def test_watch_refuses_the_plan_view(job_server):
    """The problem is for single reads: a watch stream asking for it is INVALID_ARGUMENT."""
    import grpc

    from scheduler.v1 import scheduler_pb2 as pb
    from scheduler.v1 import scheduler_pb2_grpc as pb_grpc

    with grpc.insecure_channel(job_server) as channel:
        stub = pb_grpc.SchedulerServiceStub(channel)
        request = pb.WatchScheduleJobRequest(job_id="x", view=pb.SCHEDULE_JOB_VIEW_PLAN)
        with pytest.raises(grpc.RpcError) as caught:
            list(stub.WatchScheduleJob(request, timeout=10))
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
