"""The schedule as an ISA-95 / B2MML `ProductionSchedule`, the document MES systems read.

B2MML V0600 (namespace `NAMESPACE`): one `ProductionRequest` per order (its start, end and priority,
the order's weight) and in it one `SegmentRequirement` per operation: `ProcessSegmentID` the
operation id, `EarliestStartTime` and `LatestEndTime` its scheduled start and end, `Duration`, an
`EquipmentRequirement` for the machine it runs on and each tool it holds, a
`PersonnelRequirement` for each operator crew, and a
`MaterialConsumedRequirement` / `MaterialProducedRequirement` per item it consumes or produces.
Child elements follow the order of the V0600 schema's sequences. B2MML times are absolute
(`xsd:dateTime`), so the problem needs a `planning_start` (or one is given here).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime

from scheduler.problem import Problem
from scheduler.report.xlsx import iso_duration
from scheduler.schedule import Schedule, ScheduledOperation

NAMESPACE = "http://www.mesa.org/xml/B2MML-V0600"


def production_schedule(
    problem: Problem,
    schedule: Schedule,
    planning_start: datetime | None = None,
    published: datetime | None = None,
) -> ET.Element:
    """The `ProductionSchedule` element of a schedule; `planning_start` overrides the problem's.

    Raises ValueError when neither gives the wall-clock time of tick 0.
    """
    start = planning_start or problem.planning_start
    if start is None:
        raise ValueError("B2MML needs absolute times and the problem has no planning_start")

    def at(tick: int) -> str:
        return (start + tick * problem.tick).isoformat()

    by_order: dict[int, list[ScheduledOperation]] = defaultdict(list)
    for op in schedule.operations:
        by_order[op.job].append(op)
    ET.register_namespace("", NAMESPACE)
    root = _element("ProductionSchedule")
    _text(root, "ID", problem.name or "schedule")
    _text(root, "Description", f"Schedule of {len(problem.orders)} orders")
    if published is not None:
        _text(root, "PublishedDate", published.isoformat())
    if schedule.operations:
        _text(root, "StartTime", at(min(op.start for op in schedule.operations)))
        _text(root, "EndTime", at(max(op.end for op in schedule.operations)))
    for j, order in enumerate(problem.orders):
        ops = sorted(by_order.get(j, ()), key=lambda o: (o.start, o.index))
        request = ET.SubElement(root, _tag("ProductionRequest"))
        _text(request, "ID", order.id)
        if order.due is not None:
            _text(request, "Description", f"due {at(order.due)}")
        if ops:
            _text(request, "StartTime", at(ops[0].start))
            _text(request, "EndTime", at(max(op.end for op in ops)))
        _text(request, "Priority", str(order.weight))
        for op in ops:
            operation = order.operations[op.index]
            segment = ET.SubElement(request, _tag("SegmentRequirement"))
            _text(segment, "ID", f"{order.id}/{operation.id}")
            _text(segment, "ProcessSegmentID", operation.id)
            _text(segment, "EarliestStartTime", at(op.start))
            _text(segment, "LatestEndTime", at(op.end))
            _text(segment, "Duration", iso_duration((op.end - op.start) * problem.tick))
            held = [
                (problem.resources[r], need.quantity)
                for need, r in zip(operation.resources, op.resources, strict=False)
            ]
            # Operator crews are personnel in ISA-95, tools equipment; the schema puts personnel
            # before equipment.
            for resource, quantity in held:
                if resource.kind == "operator":
                    _requirement(segment, "Personnel", "PersonnelClassID", resource.id, quantity)
            _requirement(segment, "Equipment", "EquipmentID", problem.machines[op.machine].id, 1)
            for resource, quantity in held:
                if resource.kind != "operator":
                    _requirement(segment, "Equipment", "EquipmentID", resource.id, quantity)
            for name, flows in (
                ("MaterialProducedRequirement", operation.produces),
                ("MaterialConsumedRequirement", operation.consumes),
            ):
                for flow in flows:
                    material = ET.SubElement(segment, _tag(name))
                    _text(material, "MaterialDefinitionID", flow.item_id)
                    _quantity(material, flow.quantity)
    return root


def to_xml(root: ET.Element) -> bytes:
    """The document as indented UTF-8 XML with its declaration."""
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _element(name: str) -> ET.Element:
    return ET.Element(_tag(name))


def _text(parent: ET.Element, name: str, value: str) -> ET.Element:
    child = ET.SubElement(parent, _tag(name))
    child.text = value
    return child


def _requirement(parent: ET.Element, kind: str, id_tag: str, value: str, quantity: int) -> None:
    element = ET.SubElement(parent, _tag(f"{kind}Requirement"))
    _text(element, id_tag, value)
    _quantity(element, quantity)


def _quantity(parent: ET.Element, quantity: int) -> None:
    element = ET.SubElement(parent, _tag("Quantity"))
    _text(element, "QuantityString", str(quantity))
    _text(element, "DataType", "integer")


__all__ = ["NAMESPACE", "production_schedule", "to_xml"]
