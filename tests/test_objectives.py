"""Objective kinds, lexicographic levels with tolerances, and the KPIs behind them."""

from __future__ import annotations

import json

import pytest
from helpers import REGULAR_KINDS, brute_force_levels, brute_force_optimum, make_problem

import scheduler.cpsat.model as model_module
import scheduler.solve as solve_module
from scheduler.cli import EXIT_OK, main
from scheduler.cpsat import build_model, search
from scheduler.cpsat.constraints import RULES
from scheduler.formats.solution import result_to_json
from scheduler.params import SolveParams
from scheduler.problem import ObjectiveKind, parse_problem
from scheduler.result import SolveStatus, StopReason
from scheduler.schedule import Purchase, Schedule, ScheduledOperation, evaluate, objective_values
from scheduler.solve import level_limit, solve
from scheduler.stop import StopToken

FAST = SolveParams(time_limit=10, workers=2)


def rush(objective, due=(8, 2)):
    """One machine: j0 (5 ticks, due 8, weight 1) and j1 (1 tick, released at 1, due 2, weight 10).

    Only two schedules are semi-active: j0 first (makespan 6, j1 late by 4) or j1 waits for its
    release and goes first (makespan 7, both on time).
    """
    return make_problem(
        [[[(0, 5)]], [[(0, 1)]]], release=[0, 1], due=list(due), weight=[1, 10], objective=objective
    )


def test_makespan_runs_the_long_order_first():
    """Makespan starts j0 at once and lets the urgent j1 be late: 6."""
    result = solve(rush("makespan"), FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 6
    assert result.kpis.total_weighted_tardiness == 40


@pytest.mark.parametrize(
    ("kind", "optimum"),
    [
        ("total_weighted_tardiness", 0),
        ("max_weighted_tardiness", 0),
        ("max_lateness", 0),
        ("late_orders", 0),
        ("weighted_completion", 27),
    ],
)
def test_due_date_kinds_wait_for_the_urgent_order(kind, optimum):
    """Every due-date and completion kind gives up a tick of makespan to serve j1 first."""
    problem = rush(kind)
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == optimum
    assert result.kpis.makespan == 7
    assert brute_force_optimum(problem) == optimum


def test_max_lateness_is_negative_when_all_orders_are_early():
    """With generous due dates the best max lateness is negative: -2, not clipped at 0."""
    problem = rush("max_lateness", due=(12, 4))
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == -2 == result.best_bound == brute_force_optimum(problem)


def test_late_orders_counts_weights_not_ticks():
    """Late orders sacrifices one heavy-weight order a lot rather than two light ones a little."""
    # j0 (weight 3) and j1, j2 (weight 1 each), 2 ticks each, all due at 2: one is on time.
    problem = make_problem(
        [[[(0, 2)]], [[(0, 2)]], [[(0, 2)]]],
        due=[2, 2, 2],
        weight=[3, 1, 1],
        objective="late_orders",
    )
    result = solve(problem, FAST)
    assert result.objective == 2 == brute_force_optimum(problem)
    assert result.kpis.late_orders == 2 and result.kpis.orders[0].tardiness == 0


def test_weighted_earliness_alone_completes_at_or_after_the_due_dates():
    """Earliness alone waits for the due date 10, past all the work (the horizon allows it)."""
    problem = make_problem([[[(0, 2)]], [[(0, 3)]]], due=[10, 10], objective="weighted_earliness")
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 0
    assert all(o.completion >= 10 for o in result.kpis.orders)


def test_just_in_time_balances_earliness_and_tardiness():
    """Earliness + tardiness: j1 (weight 2) ends on its due date, j0 runs late by 2: 2."""
    objective = {"terms": [{"kind": "weighted_earliness"}, {"kind": "total_weighted_tardiness"}]}
    problem = make_problem(
        [[[(0, 2)]], [[(0, 3)]]], due=[10, 10], weight=[1, 2], objective=objective
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 2
    assert result.kpis.makespan == 12
    assert brute_force_optimum(problem) == 2


@pytest.mark.parametrize("kind", sorted(REGULAR_KINDS))
def test_regular_kinds_match_brute_force(kind):
    """Each regular kind's optimum equals brute force on a 3-order, 2-machine instance."""
    problem = make_problem(
        [[[(0, 3)], [(1, 2)]], [[(1, 4)], [(0, 1), (1, 1)]], [[(0, 2)], [(1, 3)]]],
        due=[4, 5, 6],
        weight=[3, 1, 2],
        release=[0, 1, 0],
        objective=kind,
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == brute_force_optimum(problem)


@pytest.mark.parametrize("kind", ["setup_time", "setup_cost", "purchase_cost"])
def test_rule_contributions_are_the_term(monkeypatch, kind):
    """Setup and purchase terms minimise the sums rules leave: 3 per use of the fast machine."""

    def charge_fast_machine(model, problem, v):
        getattr(v, kind).append(3 * v.mode_presence[1])

    monkeypatch.setattr(model_module, "RULES", (*RULES, charge_fast_machine))
    problem = make_problem([[[(0, 4), (1, 1)]]], objective=kind)
    outcome = search(build_model(problem), {"num_workers": 1})
    assert outcome.status == "OPTIMAL" and outcome.objective == 0
    assert outcome.schedule.operations[0].machine == 0


# --------------------------------------------------------------------------------------------------
# Lexicographic objectives


def just_in_time(tolerance=0.0):
    """Makespan first, then weighted earliness: j0 (2 ticks on m0), j1 (4 on m1), both due at 10."""
    objective = {
        "levels": [
            {"terms": [{"kind": "makespan"}], "tolerance": tolerance},
            {"terms": [{"kind": "weighted_earliness"}]},
        ]
    }
    return make_problem([[[(0, 2)]], [[(1, 4)]]], due=[10, 10], objective=objective)


def test_second_level_improves_while_the_first_is_held():
    """Earliness pushes both orders to the makespan 4 but not past it: (4, 6 + 6)."""
    problem = just_in_time()
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert [level.value for level in result.levels] == [4, 12]
    assert [level.status for level in result.levels] == [SolveStatus.OPTIMAL] * 2
    assert result.levels[0].limit == 4 and result.levels[1].limit is None
    assert brute_force_levels(problem) == (4, 12)
    assert result.objective == 12 == result.best_bound
    alone = solve(
        make_problem([[[(0, 2)]], [[(1, 4)]]], due=[10, 10], objective="weighted_earliness")
    )
    assert alone.objective == 0 and alone.kpis.makespan == 10


def test_tolerance_lets_the_first_level_give_up_its_share():
    """A tolerance of 0.5 on makespan 4 allows 6, and earliness drops from 12 to 4 + 4."""
    result = solve(just_in_time(tolerance=0.5), FAST)
    assert result.status is SolveStatus.OPTIMAL
    first, second = result.levels
    assert (first.best, first.limit, first.value, first.bound) == (4, 6, 6, 4)
    assert second.value == 8 == result.objective


@pytest.mark.parametrize(
    "levels",
    [
        ["makespan", "weighted_completion"],
        ["late_orders", "total_weighted_tardiness", "makespan"],
        ["max_lateness", "weighted_completion"],
    ],
)
def test_lexicographic_levels_match_brute_force(levels):
    """Each level's value equals the lexicographic brute-force optimum, level by level."""
    problem = make_problem(
        [[[(0, 3)], [(1, 2)]], [[(1, 4)], [(0, 1), (1, 1)]], [[(0, 2)], [(1, 3)]]],
        due=[4, 5, 6],
        weight=[3, 1, 2],
        release=[0, 1, 0],
        objective={"levels": [{"terms": [{"kind": kind}]} for kind in levels]},
    )
    result = solve(problem, FAST)
    assert result.status is SolveStatus.OPTIMAL
    assert tuple(level.value for level in result.levels) == brute_force_levels(problem)


def test_level_limit_is_relative_to_the_magnitude():
    """The limit adds floor(|best| * tolerance), exactly as the tolerance is written."""
    assert level_limit(100, 0.29) == 129
    assert level_limit(7, 0.0) == 7
    assert level_limit(-10, 0.15) == -9
    assert level_limit(0, 0.5) == 0


def test_progress_and_result_file_report_each_level():
    """Progress events name their level in order; the result JSON lists every level."""
    problem = just_in_time()
    events = []
    result = solve(problem, FAST, on_progress=events.append)
    assert [e.level for e in events] == sorted(e.level for e in events)
    assert {e.level for e in events} == {0, 1}
    data = result_to_json(problem, result)
    assert [level["value"] for level in data["levels"]] == [4, 12]
    assert data["levels"][0] == {"value": 4, "best": 4, "bound": 4, "status": "OPTIMAL", "limit": 4}


def test_single_level_reports_one_level():
    """A plain objective reports one level equal to the objective, bound and status."""
    result = solve(rush("makespan"), FAST)
    (level,) = result.levels
    assert (level.value, level.best, level.bound, level.limit) == (6, 6, 6, None)
    assert level.status is SolveStatus.OPTIMAL


def test_stop_during_the_first_level_skips_the_rest():
    """A stop on the first solution keeps it and never starts level 2."""
    stop = StopToken()
    result = solve(just_in_time(), FAST, stop=stop, on_progress=lambda event: stop.stop())
    assert result.schedule is not None and result.stop_reason is StopReason.CANCELLED
    assert result.status is SolveStatus.FEASIBLE
    assert result.levels[1].status is SolveStatus.UNKNOWN and result.levels[1].best is None
    assert result.levels[0].limit is None
    assert result.objective == result.levels[1].value


def test_time_limit_is_shared_and_carried_forward(monkeypatch):
    """Level 1 gets about half of 10 s as a soft share; level 2 gets all that is left, including
    what level 1 left unused."""
    shares = []

    def recording(sm, parameters, **kwargs):
        shares.append(kwargs["soft_limit"])
        return search(sm, parameters, **kwargs)

    monkeypatch.setattr(solve_module.cpsat, "search", recording)
    solve(just_in_time(), FAST)
    assert 4.0 < shares[0] <= 5.0 and shares[1] is None


def test_a_level_past_its_share_without_a_solution_searches_on():
    """A soft limit already passed ends the search at its first solution, not empty-handed."""
    sm = build_model(just_in_time())
    outcome = search(sm, {"num_workers": 1, "max_time_in_seconds": 10.0}, soft_limit=0.0)
    assert outcome.schedule is not None and outcome.wall_time < 5.0


def test_cli_prints_each_level(tmp_path, capsys):
    """`scheduler solve` names both levels and prints each one's value."""
    path = tmp_path / "jit.json"
    path.write_text(just_in_time(tolerance=0.5).model_dump_json())
    assert main(["solve", str(path), "--time-limit", "5", "--quiet"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "level 1     value 6, best found 4, bound 4, held at most 6 (OPTIMAL)" in out
    assert "level 2     value 8" in out


# --------------------------------------------------------------------------------------------------
# KPIs


def factory():
    """m0 works in [0, 6) and [8, 20), with setups into family A and from A to B; m1 has two slots.

    j0 (A, 2 ticks on m0, due 5, weight 2), j1 (B, 3 resumable ticks on m0, due 8), j2 (4 ticks on
    m1, released at 1, no due date, weight 3), j3 (2 ticks on m1, due 3, weight 4); steel costs 3.
    """
    return parse_problem(
        {
            "calendars": [
                {
                    "id": "split",
                    "exceptions": [
                        {"start": 0, "end": 6, "working": True},
                        {"start": 8, "end": 20, "working": True},
                    ],
                }
            ],
            "families": [{"id": "A"}, {"id": "B"}],
            "machines": [
                {
                    "id": "m0",
                    "calendar": "split",
                    "setups": [
                        {"to_family": "A", "time": 1, "cost": 10},
                        {"from_family": "A", "to_family": "B", "time": 2, "cost": 5},
                    ],
                },
                {"id": "m1", "capacity": 2},
            ],
            "items": [{"id": "steel", "suppliers": [{"id": "s", "lead_time": 3, "unit_cost": 3}]}],
            "orders": [
                {"id": "j0", "due": 5, "weight": 2, "operations": [_op("m0", 2, family="A")]},
                {"id": "j1", "due": 8, "operations": [_op("m0", 3, family="B", resumable=True)]},
                {"id": "j2", "release": 1, "weight": 3, "operations": [_op("m1", 4)]},
                {"id": "j3", "due": 3, "weight": 4, "operations": [_op("m1", 2)]},
            ],
        }
    )


def _op(machine, duration, **fields):
    return {"id": "o", "machines": [{"machine_id": machine, "duration": duration}], **fields}


FACTORY_SCHEDULE = Schedule(
    (
        ScheduledOperation(0, 0, 0, 1, 3),
        ScheduledOperation(1, 0, 0, 5, 10),  # works 5, then 8 and 9 after the break
        ScheduledOperation(2, 0, 1, 1, 5),
        ScheduledOperation(3, 0, 1, 0, 2),
    ),
    (Purchase(item=0, supplier=0, quantity=4, order_time=0, arrival=3),),
)


def test_kpis_by_hand():
    """Every figure of a small factory schedule, computed by hand."""
    k = evaluate(factory(), FACTORY_SCHEDULE)
    assert k.makespan == 10
    assert [(o.completion, o.lateness, o.tardiness, o.flow_time) for o in k.orders] == [
        (3, -2, 0, 3),
        (10, 2, 2, 10),
        (5, None, 0, 4),
        (2, -1, 0, 2),
    ]
    assert (k.total_tardiness, k.max_tardiness, k.max_lateness) == (2, 2, 2)
    assert (k.total_weighted_tardiness, k.max_weighted_tardiness) == (2, 2)
    assert (k.late_orders, k.weighted_late_orders) == (1, 1)
    assert k.weighted_earliness == 2 * 2 + 4 * 1
    assert k.weighted_completion == 2 * 3 + 10 + 3 * 5 + 4 * 2
    assert k.on_time_rate == pytest.approx(2 / 3)
    assert k.average_flow_time == 19 / 4
    # The initial setup into A (1 tick, cost 10), then A -> B (2 ticks, cost 5).
    assert (k.setup_time, k.setup_cost) == (3, 15)
    assert k.purchase_cost == 12
    m0, m1 = k.machines
    # m0 works 8 of the 10 ticks; j1's pause over [6, 8) is not busy time.
    assert (m0.busy, m0.available, m0.utilisation) == (5, 8, 5 / 8)
    assert (m1.busy, m1.available, m1.utilisation) == (6, 20, 0.3)
    assert all(o.waited_for == [] for o in k.orders)


def test_kpi_value_of_every_kind():
    """`Kpis.value` answers every objective kind, and the levels sum weighted values."""
    k = evaluate(factory(), FACTORY_SCHEDULE)
    expected = {
        ObjectiveKind.MAKESPAN: 10,
        ObjectiveKind.TOTAL_WEIGHTED_TARDINESS: 2,
        ObjectiveKind.MAX_WEIGHTED_TARDINESS: 2,
        ObjectiveKind.MAX_LATENESS: 2,
        ObjectiveKind.LATE_ORDERS: 1,
        ObjectiveKind.WEIGHTED_COMPLETION: 39,
        ObjectiveKind.WEIGHTED_EARLINESS: 8,
        ObjectiveKind.SETUP_TIME: 3,
        ObjectiveKind.SETUP_COST: 15,
        ObjectiveKind.PURCHASE_COST: 12,
    }
    assert {kind: k.value(kind) for kind in ObjectiveKind} == expected
    data = json.loads(factory().model_dump_json())
    data["objective"] = {
        "levels": [
            {"terms": [{"kind": "setup_cost"}, {"kind": "makespan", "weight": 2}]},
            {"terms": [{"kind": "purchase_cost"}]},
        ]
    }
    problem = parse_problem(data)
    assert objective_values(problem, k) == (15 + 20, 12)


def test_setup_chain_breaks_at_an_operation_without_family():
    """A -> (no family) -> B on m0 incurs only the initial setup into A."""
    problem = factory()
    data = json.loads(problem.model_dump_json())
    data["orders"].append({"id": "j4", "operations": [_op("m0", 1)]})
    problem = parse_problem(data)
    schedule = Schedule(
        (
            FACTORY_SCHEDULE.operations[0],
            ScheduledOperation(4, 0, 0, 3, 4),
            ScheduledOperation(1, 0, 0, 5, 10),
            *FACTORY_SCHEDULE.operations[2:],
        )
    )
    k = evaluate(problem, schedule)
    assert (k.setup_time, k.setup_cost) == (1, 10)


def test_max_lateness_without_due_dates_is_absent():
    """Without due dates max lateness is None as a KPI and 0 as an objective term."""
    problem = make_problem([[[(0, 2)]]])
    k = evaluate(problem, Schedule((ScheduledOperation(0, 0, 0, 0, 2),)))
    assert k.max_lateness is None and k.value(ObjectiveKind.MAX_LATENESS) == 0
    assert k.on_time_rate == 1.0
