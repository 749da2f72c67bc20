"""B2MML export: a ProductionSchedule with one request per order and a segment per operation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from scheduler.cli import EXIT_INPUT, EXIT_OK, main
from scheduler.formats import read_problem
from scheduler.formats.catalog import instance_path
from scheduler.formats.solution import dumps, result_to_json
from scheduler.params import SolveParams
from scheduler.report.b2mml import NAMESPACE, production_schedule, to_xml
from scheduler.solve import solve

ASSEMBLY = Path(__file__).resolve().parent.parent / "instances" / "factory" / "assembly.json"
NS = {"b": NAMESPACE}

SEGMENT_SEQUENCE = (
    "ID",
    "ProcessSegmentID",
    "Description",
    "EarliestStartTime",
    "LatestEndTime",
    "Duration",
    "PersonnelRequirement",
    "EquipmentRequirement",
    "MaterialProducedRequirement",
    "MaterialConsumedRequirement",
)
"""The order of SegmentRequirement's children in the B2MML V0600 schema (those we write)."""
REQUEST_SEQUENCE = ("ID", "Description", "StartTime", "EndTime", "Priority", "SegmentRequirement")


@pytest.fixture(scope="module")
def assembly():
    """The assembly plant, its schedule file and its B2MML document."""
    problem = read_problem(ASSEMBLY)
    result = solve(problem, SolveParams(time_limit=2, workers=1))
    assert result.schedule is not None
    document = ET.fromstring(to_xml(production_schedule(problem, result.schedule)))
    return problem, result_to_json(problem, result), document


def _local(element: ET.Element) -> str:
    return element.tag.split("}", 1)[1]


def _in_order(children: list[str], sequence: tuple[str, ...]) -> bool:
    """True when the child tags follow the schema's sequence (each tag may repeat)."""
    positions = [sequence.index(tag) for tag in children]
    return positions == sorted(positions)


def test_one_request_per_order_and_one_segment_per_operation(assembly):
    """ProductionSchedule in the B2MML namespace; requests and segments match orders and ops."""
    problem, _, root = assembly
    assert root.tag == f"{{{NAMESPACE}}}ProductionSchedule"
    requests = root.findall("b:ProductionRequest", NS)
    assert [r.findtext("b:ID", namespaces=NS) for r in requests] == [o.id for o in problem.orders]
    for request, order in zip(requests, problem.orders, strict=True):
        segments = request.findall("b:SegmentRequirement", NS)
        ids = sorted(s.findtext("b:ProcessSegmentID", namespaces=NS) for s in segments)
        assert ids == sorted(op.id for op in order.operations)
        assert _in_order([_local(c) for c in request], REQUEST_SEQUENCE)
        for segment in segments:
            assert _in_order([_local(c) for c in segment], SEGMENT_SEQUENCE)


def test_segments_carry_the_scheduled_times_and_machines(assembly):
    """Each segment's earliest start, latest end and equipment are the schedule's."""
    _, data, root = assembly
    expected = {
        (o["order_id"], o["operation_id"]): (o["start_time"], o["end_time"], o["machine_id"])
        for o in data["operations"]
    }
    found = {}
    for request in root.findall("b:ProductionRequest", NS):
        order = request.findtext("b:ID", namespaces=NS)
        for segment in request.findall("b:SegmentRequirement", NS):
            machines = [
                e.findtext("b:EquipmentID", namespaces=NS)
                for e in segment.findall("b:EquipmentRequirement", NS)
            ]
            found[order, segment.findtext("b:ProcessSegmentID", namespaces=NS)] = (
                segment.findtext("b:EarliestStartTime", namespaces=NS),
                segment.findtext("b:LatestEndTime", namespaces=NS),
                machines[0],
            )
    assert found == expected


def test_materials_and_resources_are_requirements(assembly):
    """Consumed and produced items, crews and tools appear as their requirements, all of them."""
    problem, _, root = assembly
    ops = [op for order in problem.orders for op in order.operations]
    counts = Counter(_local(e) for e in root.iter())
    assert counts["MaterialConsumedRequirement"] == sum(len(op.consumes) for op in ops)
    assert counts["MaterialProducedRequirement"] == sum(len(op.produces) for op in ops)
    kinds = {r.id: r.kind for r in problem.resources}
    crews = sum(1 for op in ops for need in op.resources if kinds[need.resources[0]] == "operator")
    assert counts["PersonnelRequirement"] == crews > 0
    tools = sum(len(op.resources) for op in ops) - crews
    assert counts["EquipmentRequirement"] == len(ops) + tools


def test_cli_needs_a_planning_start_for_a_problem_in_ticks(tmp_path, capsys):
    """ft06 has no planning_start: refused with the reason, accepted with --planning-start."""
    problem = read_problem(instance_path("ft06"))
    result = solve(problem, SolveParams(time_limit=2, workers=1))
    schedule = tmp_path / "s.json"
    schedule.write_text(dumps(result_to_json(problem, result)))
    out = tmp_path / "s.xml"
    args = ["export-b2mml", str(schedule), "--problem", str(instance_path("ft06"))]
    assert main([*args, "--out", str(out)]) == EXIT_INPUT
    assert "no planning_start" in capsys.readouterr().err
    start = ["--planning-start", "2025-03-03T06:00:00+01:00"]
    assert main([*args, "--out", str(out), *start]) == EXIT_OK
    root = ET.parse(out).getroot()
    segments = root.findall("b:ProductionRequest/b:SegmentRequirement", NS)
    assert len(segments) == 36
    first = min(o["start"] for o in json.loads(schedule.read_text())["operations"])
    expected = datetime.fromisoformat(start[1]) + timedelta(minutes=first)
    assert root.findtext("b:StartTime", namespaces=NS) == expected.isoformat()


def test_cli_refuses_a_planning_start_that_is_not_a_timestamp(tmp_path, capsys):
    """--planning-start must be an ISO-8601 timestamp; the error names the flag."""
    schedule = tmp_path / "s.json"
    schedule.write_text(json.dumps({"operations": []}))
    args = ["export-b2mml", str(schedule), "--problem", str(instance_path("ft06"))]
    code = main([*args, "--out", str(tmp_path / "s.xml"), "--planning-start", "monday"])
    assert code == EXIT_INPUT
    assert "--planning-start: not an ISO-8601 timestamp" in capsys.readouterr().err
