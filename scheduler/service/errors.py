"""Domain exceptions → rich gRPC statuses (`google.rpc.Status` with standard error details).

Bad input is INVALID_ARGUMENT with a `BadRequest` naming every field; a missing job NOT_FOUND; a
reused request id ALREADY_EXISTS; no free solve slot RESOURCE_EXHAUSTED with `RetryInfo`. Every
error also carries an `ErrorInfo` whose `reason` is a stable, machine-readable constant. Only bugs
become INTERNAL, and their details stay in the server log under the call's request id.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from google.protobuf import any_pb2
from google.protobuf.duration_pb2 import Duration
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from scheduler.problem import FieldViolation

DOMAIN = "scheduler.v1"


class ServiceError(Exception):
    """An RPC failure with its full status; raised anywhere below a handler, sent by the wrapper."""

    def __init__(self, status: status_pb2.Status):
        super().__init__(status.message)
        self.status = status

    @property
    def code(self) -> grpc.StatusCode:
        return _GRPC_CODE[self.status.code]

    def to_grpc(self) -> grpc.Status:
        return rpc_status.to_status(self.status)


_GRPC_CODE = {code.value[0]: code for code in grpc.StatusCode}


def _pack(*details: object) -> list[any_pb2.Any]:
    packed = []
    for detail in details:
        item = any_pb2.Any()
        item.Pack(detail)
        packed.append(item)
    return packed


def _error(
    code: grpc.StatusCode,
    message: str,
    reason: str,
    *details: object,
    metadata: dict[str, str] | None = None,
) -> ServiceError:
    info = error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata or {})
    status = status_pb2.Status(code=code.value[0], message=message, details=_pack(info, *details))
    return ServiceError(status)


MAX_VIOLATIONS = 50
"""Most field violations one error status carries; ValidateProblem lists them all."""
MAX_DETAIL_BYTES = 4096
"""Most bytes of field violations in one error status. The status travels base64-encoded in the
trailers (4/3 larger) beside grpc-message, and grpc clients reject trailers past 8 KiB by default
(`grpc.max_metadata_size`), so an uncapped BadRequest turns INVALID_ARGUMENT into
RESOURCE_EXHAUSTED "received metadata size exceeds hard limit"."""
MAX_TEXT = 256
"""Longest field path or description echoed back: a 10,000-character value stays out of it."""


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def invalid_argument(
    violations: Sequence[FieldViolation], *, reason: str = "INVALID_REQUEST"
) -> ServiceError:
    """INVALID_ARGUMENT with at most MAX_VIOLATIONS violations in about MAX_DETAIL_BYTES."""
    shown: list[error_details_pb2.BadRequest.FieldViolation] = []
    size = 0
    for v in violations[:MAX_VIOLATIONS]:
        item = error_details_pb2.BadRequest.FieldViolation(
            field=_clip(v.field), description=_clip(v.reason)
        )
        size += item.ByteSize() + 3
        if shown and size > MAX_DETAIL_BYTES:
            break
        shown.append(item)
    hidden = len(violations) - len(shown)
    more = f"and {hidden} more; ValidateProblem lists all" if hidden else ""
    if more:
        shown.append(error_details_pb2.BadRequest.FieldViolation(field="", description=more))
    summary = "; ".join(f"{item.field}: {item.description}" for item in shown[:3] if item.field)
    message = _clip(f"invalid request: {summary}" + (f" ({more})" if more else ""), 1024)
    return _error(
        grpc.StatusCode.INVALID_ARGUMENT,
        message,
        reason,
        error_details_pb2.BadRequest(field_violations=shown),
        metadata={"violations": str(len(violations))},
    )


def not_found(resource_type: str, name: str) -> ServiceError:
    name = _clip(name)
    resource = error_details_pb2.ResourceInfo(resource_type=resource_type, resource_name=name)
    return _error(
        grpc.StatusCode.NOT_FOUND, f"no {resource_type} {name!r}", "JOB_NOT_FOUND", resource
    )


def already_exists(message: str, *, request_id: str, job_id: str) -> ServiceError:
    return _error(
        grpc.StatusCode.ALREADY_EXISTS,
        message,
        "REQUEST_ID_REUSED",
        metadata={"request_id": request_id, "job_id": job_id},
    )


def resource_exhausted(message: str, *, retry_after: float, reason: str) -> ServiceError:
    delay = Duration()
    delay.FromNanoseconds(int(retry_after * 1e9))
    return _error(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        message,
        reason,
        error_details_pb2.RetryInfo(retry_delay=delay),
    )


def deadline_exceeded(message: str) -> ServiceError:
    return _error(grpc.StatusCode.DEADLINE_EXCEEDED, message, "DEADLINE_TOO_SHORT")


def unavailable(message: str) -> ServiceError:
    return _error(grpc.StatusCode.UNAVAILABLE, message, "SHUTTING_DOWN")


def failed_precondition(message: str, *, reason: str) -> ServiceError:
    return _error(grpc.StatusCode.FAILED_PRECONDITION, message, reason)


def permission_denied(message: str) -> ServiceError:
    return _error(grpc.StatusCode.PERMISSION_DENIED, message, "NOT_ALLOWED")


def unimplemented(method: str) -> ServiceError:
    return _error(
        grpc.StatusCode.UNIMPLEMENTED,
        f"{method} is not implemented by this server",
        "UNIMPLEMENTED",
    )


def internal(request_id: str) -> ServiceError:
    return _error(
        grpc.StatusCode.INTERNAL,
        f"internal error; the server log has the details under request id {request_id}",
        "INTERNAL",
        metadata={"request_id": request_id},
    )


def code_of(status_code: int) -> grpc.StatusCode:
    return _GRPC_CODE.get(status_code, grpc.StatusCode.UNKNOWN)


__all__ = [
    "DOMAIN",
    "MAX_DETAIL_BYTES",
    "MAX_VIOLATIONS",
    "ServiceError",
    "already_exists",
    "code_of",
    "deadline_exceeded",
    "failed_precondition",
    "internal",
    "invalid_argument",
    "not_found",
    "permission_denied",
    "resource_exhausted",
    "unavailable",
    "unimplemented",
]
