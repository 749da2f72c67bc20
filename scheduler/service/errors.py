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


def invalid_argument(
    violations: Sequence[FieldViolation], *, reason: str = "INVALID_REQUEST"
) -> ServiceError:
    shown = "; ".join(str(v) for v in violations[:5])
    more = f" (and {len(violations) - 5} more)" if len(violations) > 5 else ""
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.reason)
            for v in violations
        ]
    )
    return _error(
        grpc.StatusCode.INVALID_ARGUMENT,
        f"invalid request: {shown}{more}",
        reason,
        bad_request,
        metadata={"violations": str(len(violations))},
    )


def not_found(resource_type: str, name: str) -> ServiceError:
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


def permission_denied(message: str) -> ServiceError:
    return _error(grpc.StatusCode.PERMISSION_DENIED, message, "NOT_ALLOWED")


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
    "ServiceError",
    "already_exists",
    "code_of",
    "deadline_exceeded",
    "internal",
    "invalid_argument",
    "not_found",
    "permission_denied",
    "resource_exhausted",
    "unavailable",
]
