"""Shop-floor events: what happened since a plan was released (the input of `reschedule`).

Strict pydantic models like the problem file; each event names its entities by id. Times are
ticks of the problem's clock.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from scheduler.problem import Id, Order, Quantity, Tick


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class OperationStarted(_Event):
    """An operation began on a machine at `start`; it keeps that machine and start."""

    kind: Literal["operation_started"]
    order_id: Id
    operation_id: Id
    machine_id: Id
    start: Tick


class OperationCompleted(_Event):
    """An operation finished at `end` (it must have been reported started, here or in the plan)."""

    kind: Literal["operation_completed"]
    order_id: Id
    operation_id: Id
    end: Tick


class MachineBreakdown(_Event):
    """A machine is down from `start` until its expected repair at `end` (exclusive).

    An operation running on it then is interrupted and planned again from scratch; one reported
    completed that overlaps the breakdown is an error."""

    kind: Literal["machine_breakdown"]
    machine_id: Id
    start: Tick
    end: Tick = Field(description="Expected repair, exclusive.")


class ResourceAbsent(_Event):
    """A resource (operator, tool) is unavailable from `start` to `end` (exclusive)."""

    kind: Literal["resource_absent"]
    resource_id: Id
    start: Tick
    end: Tick


class OrderAdded(_Event):
    """A new order (a rush order) to plan."""

    kind: Literal["order_added"]
    order: Order


class OrderCancelled(_Event):
    """An order no longer to be produced; its operations not yet started are dropped (completed
    and running ones stay, as history)."""

    kind: Literal["order_cancelled"]
    order_id: Id


class QuantityChanged(_Event):
    """An order's quantity changed (per-unit processing times scale with it)."""

    kind: Literal["quantity_changed"]
    order_id: Id
    quantity: Quantity


class StockCorrected(_Event):
    """An item's stock on hand (at tick 0 of the plan) is corrected to `stock`."""

    kind: Literal["stock_corrected"]
    item_id: Id
    stock: int = Field(ge=0)


class ArrivalDelayed(_Event):
    """An open purchase of material now arrives at `arrival`."""

    kind: Literal["arrival_delayed"]
    purchase_id: Id
    arrival: Tick


Event = Annotated[
    OperationStarted
    | OperationCompleted
    | MachineBreakdown
    | ResourceAbsent
    | OrderAdded
    | OrderCancelled
    | QuantityChanged
    | StockCorrected
    | ArrivalDelayed,
    Field(discriminator="kind"),
]


class Events(BaseModel):
    """The events file: shop-floor events in the order they happened."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)
    events: list[Event] = Field(default_factory=list)
