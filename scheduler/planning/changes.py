"""Scenario changes: a typed vocabulary of edits to a base problem, each naming entities by id.

A planner's "what if press-2 is down Tuesday?" is a `MachineDown`; a scenario is a name and a list
of changes; a scenarios file is the base problem's reference and a list of scenarios. `apply`
edits a plain-data copy of the problem and validates the result as an ordinary `Problem`, so a
scenario can never produce a problem the solver would not accept from a file, and a rejected
change leaves nothing half-applied (the base problem is frozen; only the copy was edited).

Downtime (`MachineDown`, `ResourceAbsent`) becomes a non-working calendar exception (see
docs/calendars.md): on the machine's own calendar when no other machine or resource shares it, on a
private copy of it when one does, and on a new always-working calendar when it has none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scheduler.problem import (
    MAX_CAPACITY,
    MAX_QUANTITY,
    MAX_WEIGHT,
    WEEKDAYS,
    Cost,
    FieldViolation,
    Id,
    InvalidProblem,
    Order,
    Problem,
    Shift,
    Tick,
    TickOrTimestamp,
    parse_problem,
    violations_of,
)


class _Change(BaseModel):
    # Strict like the problem file: "5" is not tick 5.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class _Absence(_Change):
    """A window [start, end) of downtime, in ticks or (with a planning start) timestamps."""

    start: TickOrTimestamp
    end: TickOrTimestamp = Field(description="Exclusive end, in the same form as start.")
    reason: str = Field(default="", max_length=256)


class MachineDown(_Absence):
    """The machine does not work in [start, end): breakdown, maintenance, a holiday."""

    kind: Literal["machine_down"]
    machine_id: Id


class MachineAdded(_Change):
    """A new machine; `like` copies another machine's eligibility (every operation that may run
    on `like` may run on the new one, for the same time)."""

    kind: Literal["machine_added"]
    machine_id: Id
    like: Id | None = Field(default=None, description="Existing machine whose modes it copies.")
    capacity: int = Field(default=1, ge=1, le=MAX_CAPACITY)
    calendar: Id | None = Field(default=None, description="None: `like`'s calendar, or always.")


class MachineRemoved(_Change):
    """The machine is gone; its operations keep their other eligible machines."""

    kind: Literal["machine_removed"]
    machine_id: Id


class ShiftAdded(_Change):
    """One more weekly shift in a calendar (e.g. a Saturday shift)."""

    kind: Literal["shift_added"]
    calendar_id: Id
    shift: Shift


class OrderAdded(_Change):
    """A new (rush) order, written as in the problem file."""

    kind: Literal["order_added"]
    order: Order


class OrderCancelled(_Change):
    kind: Literal["order_cancelled"]
    order_id: Id


class DueChanged(_Change):
    kind: Literal["due_changed"]
    order_id: Id
    due: Tick | None = Field(description="New soft due date; None removes it.")


class DeadlineChanged(_Change):
    kind: Literal["deadline_changed"]
    order_id: Id
    deadline: Tick | None = Field(description="New hard deadline; None removes it.")


class PriorityChanged(_Change):
    kind: Literal["priority_changed"]
    order_id: Id
    weight: int = Field(ge=0, le=MAX_WEIGHT)


class QuantityChanged(_Change):
    kind: Literal["quantity_changed"]
    order_id: Id
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class LeadTimeChanged(_Change):
    kind: Literal["lead_time_changed"]
    item_id: Id
    supplier_id: Id
    lead_time: Tick


class PriceChanged(_Change):
    kind: Literal["price_changed"]
    item_id: Id
    supplier_id: Id
    unit_cost: Cost


class StockChanged(_Change):
    kind: Literal["stock_changed"]
    item_id: Id
    stock: int = Field(ge=0, le=MAX_QUANTITY, description="On hand at tick 0.")


class PurchaseDelayed(_Change):
    """An open purchase order arrives `delay` ticks later than planned."""

    kind: Literal["purchase_delayed"]
    purchase_id: Id
    delay: Tick


class ResourceAbsent(_Absence):
    """The resource (an operator crew, a tool) is unavailable in [start, end)."""

    kind: Literal["resource_absent"]
    resource_id: Id


class ResourceCapacityChanged(_Change):
    kind: Literal["resource_capacity_changed"]
    resource_id: Id
    capacity: int = Field(ge=1, le=MAX_CAPACITY)


Change = Annotated[
    MachineDown
    | MachineAdded
    | MachineRemoved
    | ShiftAdded
    | OrderAdded
    | OrderCancelled
    | DueChanged
    | DeadlineChanged
    | PriorityChanged
    | QuantityChanged
    | LeadTimeChanged
    | PriceChanged
    | StockChanged
    | PurchaseDelayed
    | ResourceAbsent
    | ResourceCapacityChanged,
    Field(discriminator="kind"),
]


class Scenario(_Change):
    """A named what-if: the changes, applied in order to the base problem."""

    name: Id
    changes: list[Change] = Field(default_factory=list, description="Empty: the base itself.")


class ScenarioFile(_Change):
    """The scenarios file of `scheduler whatif`: scenarios of one base problem."""

    base: str = Field(
        default="", max_length=1024, description="Which base problem these scenarios edit."
    )
    scenarios: list[Scenario] = Field(min_length=1)

    @field_validator("scenarios")
    @classmethod
    def _distinct(cls, scenarios: list[Scenario]) -> list[Scenario]:
        names = [s.name for s in scenarios]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"scenario names must be distinct, repeated: {repeated}")
        return scenarios


def parse_scenarios_json(text: str | bytes) -> ScenarioFile:
    """Validate a scenarios file; raise InvalidProblem naming every bad field."""
    try:
        return ScenarioFile.model_validate_json(text)
    except ValidationError as error:
        raise InvalidProblem(violations_of(error)) from None


class _Unknown(Exception):
    """A change names an id the problem does not have."""

    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason


def _find(entries: list[dict[str, Any]], key: str, value: str, field: str, what: str) -> int:
    for position, entry in enumerate(entries):
        if entry.get(key) == value:
            return position
    raise _Unknown(field, f"unknown {what} id {value!r}")


def apply_scenario(problem: Problem, scenario: Scenario, position: int = 0) -> Problem:
    """`apply` for the scenario at `position` of a scenarios file (errors name both)."""
    return apply(
        problem,
        scenario.changes,
        where=f"scenarios[{position}]",
        context=f"scenario {scenario.name!r}",
    )


def apply(
    problem: Problem, changes: Sequence[Change], *, where: str = "", context: str = ""
) -> Problem:
    """The problem with `changes` applied in order, validated; the base is left as it was.

    A change naming an unknown id, or leaving an invalid problem (an operation without a machine,
    a duplicate order id), raises InvalidProblem naming `where`'s change by index and its field.
    """
    data = problem.model_dump(mode="json")
    prefix = f"{where}.changes" if where else "changes"
    said = f"{context}, " if context else ""
    for i, change in enumerate(changes):
        try:
            _EDITS[type(change)](data, change)
        except _Unknown as error:
            reason = f"{said}change {i} ({change.kind}): {error.reason}"
            raise InvalidProblem([FieldViolation(f"{prefix}[{i}].{error.field}", reason)]) from None
        # Validating after each change names the change that broke the problem.
        try:
            parse_problem(data)
        except InvalidProblem as error:
            raise InvalidProblem(
                [
                    FieldViolation(
                        f"{prefix}[{i}]",
                        f"{said}change {i} ({change.kind}) leaves {v.field}: {v.reason}",
                    )
                    for v in error.violations
                ]
            ) from None
    return parse_problem(data)


def _down(data: dict[str, Any], owner: dict[str, Any], start: Any, end: Any, reason: str) -> None:
    """Mark [start, end) non-working on `owner`'s (machine's or resource's) own calendar."""
    exception = {"start": _json_time(start), "end": _json_time(end), "working": False}
    exception["reason"] = reason
    calendars: list[dict[str, Any]] = data["calendars"]
    current = owner.get("calendar")
    if current is None:
        everyday = {"days": list(WEEKDAYS), "start": "00:00", "end": "24:00"}
        calendar: dict[str, Any] = {"id": "", "shifts": [everyday], "exceptions": []}
    else:
        shared = sum(
            1 for e in (*data["machines"], *data["resources"]) if e.get("calendar") == current
        )
        calendar = next(c for c in calendars if c["id"] == current)
        if shared == 1:
            calendar["exceptions"].append(exception)
            return
        # The private copy shares the weekly shifts (one list object), so a shift added to the
        # shared calendar by a later change reaches this machine too; only downtime is private.
        calendar = {**calendar, "exceptions": list(calendar["exceptions"])}
    calendar["id"] = _fresh_id({c["id"] for c in calendars}, f"{owner['id']}-calendar")
    calendar["exceptions"].append(exception)
    calendars.append(calendar)
    owner["calendar"] = calendar["id"]


def _json_time(value: Any) -> Any:
    return value if isinstance(value, int) else value.isoformat()


def _fresh_id(taken: set[str], wanted: str) -> str:
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def _machine_down(data: dict[str, Any], change: MachineDown) -> None:
    m = _find(data["machines"], "id", change.machine_id, "machine_id", "machine")
    _down(data, data["machines"][m], change.start, change.end, change.reason)


def _resource_absent(data: dict[str, Any], change: ResourceAbsent) -> None:
    r = _find(data["resources"], "id", change.resource_id, "resource_id", "resource")
    _down(data, data["resources"][r], change.start, change.end, change.reason)


def _machine_added(data: dict[str, Any], change: MachineAdded) -> None:
    machine: dict[str, Any] = {"id": change.machine_id, "capacity": change.capacity}
    if change.calendar is not None:
        _find(data["calendars"], "id", change.calendar, "calendar", "calendar")
        machine["calendar"] = change.calendar
    if change.like is not None:
        like = data["machines"][_find(data["machines"], "id", change.like, "like", "machine")]
        machine.setdefault("calendar", like.get("calendar"))
        machine["setups"] = like.get("setups", []) if change.capacity == 1 else []
        for order in data["orders"]:
            for op in order["operations"]:
                copies = [
                    {**mode, "machine_id": change.machine_id}
                    for mode in op["machines"]
                    if mode["machine_id"] == change.like
                ]
                op["machines"].extend(copies)
    data["machines"].append(machine)


def _machine_removed(data: dict[str, Any], change: MachineRemoved) -> None:
    m = _find(data["machines"], "id", change.machine_id, "machine_id", "machine")
    del data["machines"][m]
    for order in data["orders"]:
        for op in order["operations"]:
            op["machines"] = [x for x in op["machines"] if x["machine_id"] != change.machine_id]


def _shift_added(data: dict[str, Any], change: ShiftAdded) -> None:
    c = _find(data["calendars"], "id", change.calendar_id, "calendar_id", "calendar")
    data["calendars"][c]["shifts"].append(change.shift.model_dump(mode="json"))


def _order_added(data: dict[str, Any], change: OrderAdded) -> None:
    data["orders"].append(change.order.model_dump(mode="json"))


def _order(data: dict[str, Any], order_id: str) -> dict[str, Any]:
    order: dict[str, Any] = data["orders"][
        _find(data["orders"], "id", order_id, "order_id", "order")
    ]
    return order


def _order_cancelled(data: dict[str, Any], change: OrderCancelled) -> None:
    data["orders"].remove(_order(data, change.order_id))


def _order_field(name: str) -> Callable[[dict[str, Any], Any], None]:
    def edit(data: dict[str, Any], change: Any) -> None:
        _order(data, change.order_id)[name] = getattr(change, name)

    return edit


def _supplier(data: dict[str, Any], change: LeadTimeChanged | PriceChanged) -> dict[str, Any]:
    item = data["items"][_find(data["items"], "id", change.item_id, "item_id", "item")]
    suppliers: list[dict[str, Any]] = item["suppliers"]
    return suppliers[_find(suppliers, "id", change.supplier_id, "supplier_id", "supplier")]


def _lead_time_changed(data: dict[str, Any], change: LeadTimeChanged) -> None:
    _supplier(data, change)["lead_time"] = change.lead_time


def _price_changed(data: dict[str, Any], change: PriceChanged) -> None:
    _supplier(data, change)["unit_cost"] = change.unit_cost


def _stock_changed(data: dict[str, Any], change: StockChanged) -> None:
    data["items"][_find(data["items"], "id", change.item_id, "item_id", "item")]["stock"] = (
        change.stock
    )


def _purchase_delayed(data: dict[str, Any], change: PurchaseDelayed) -> None:
    purchases = data["purchase_orders"]
    p = _find(purchases, "id", change.purchase_id, "purchase_id", "purchase order")
    purchases[p]["arrival"] += change.delay


def _resource_capacity_changed(data: dict[str, Any], change: ResourceCapacityChanged) -> None:
    r = _find(data["resources"], "id", change.resource_id, "resource_id", "resource")
    data["resources"][r]["capacity"] = change.capacity


_EDITS: dict[type, Callable[[dict[str, Any], Any], None]] = {
    MachineDown: _machine_down,
    MachineAdded: _machine_added,
    MachineRemoved: _machine_removed,
    ShiftAdded: _shift_added,
    OrderAdded: _order_added,
    OrderCancelled: _order_cancelled,
    DueChanged: _order_field("due"),
    DeadlineChanged: _order_field("deadline"),
    PriorityChanged: _order_field("weight"),
    QuantityChanged: _order_field("quantity"),
    LeadTimeChanged: _lead_time_changed,
    PriceChanged: _price_changed,
    StockChanged: _stock_changed,
    PurchaseDelayed: _purchase_delayed,
    ResourceAbsent: _resource_absent,
    ResourceCapacityChanged: _resource_capacity_changed,
}
"""One edit per change kind, each on the plain-data copy of the problem."""
