"""AWS error responses, rendered exactly as each service's protocol renders them.

Codes, HTTP statuses and sender/receiver faults come from the botocore service models
(``botocore/data/<service>/*/service-2.json``: each error shape's ``error`` trait). SQS speaks
AWS JSON 1.0 with the ``awsQueryCompatible`` trait: the legacy query code travels in the
``x-amzn-query-error`` header, and botocore reports that code. botocore's SQS model does not carry
those codes, so they are taken from SQS's Smithy model (``@awsQueryError`` on each error shape,
https://github.com/aws/api-models-aws, ``models/sqs``). Errors every service may return and no model
lists (AWS "Common Errors" pages, e.g.
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html) are in
``COMMON_ERRORS``.

``AwsError`` is raised from inside moto backends (moto turns an ``HTTPException`` into the response
as given) and rendered by ``response_for`` when the emulator answers a call itself (outages).
"""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException

# SQS error shape -> (legacy query code, HTTP status), from SQS's Smithy model (@awsQueryError).
SQS_QUERY_ERRORS: dict[str, tuple[str, int]] = {
    "BatchEntryIdsNotDistinct": ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400),
    "BatchRequestTooLong": ("AWS.SimpleQueueService.BatchRequestTooLong", 400),
    "EmptyBatchRequest": ("AWS.SimpleQueueService.EmptyBatchRequest", 400),
    "InvalidAddress": ("InvalidAddress", 404),
    "InvalidBatchEntryId": ("AWS.SimpleQueueService.InvalidBatchEntryId", 400),
    "InvalidSecurity": ("InvalidSecurity", 403),
    "KmsAccessDenied": ("KMS.AccessDeniedException", 400),
    "KmsDisabled": ("KMS.DisabledException", 400),
    "KmsInvalidKeyUsage": ("KMS.InvalidKeyUsageException", 400),
    "KmsInvalidState": ("KMS.InvalidStateException", 400),
    "KmsNotFound": ("KMS.NotFoundException", 400),
    "KmsOptInRequired": ("KMS.OptInRequired", 403),
    "KmsThrottled": ("KMS.ThrottlingException", 400),
    "MessageNotInflight": ("AWS.SimpleQueueService.MessageNotInflight", 400),
    "OverLimit": ("OverLimit", 403),
    "PurgeQueueInProgress": ("AWS.SimpleQueueService.PurgeQueueInProgress", 403),
    "QueueDeletedRecently": ("AWS.SimpleQueueService.QueueDeletedRecently", 400),
    "QueueDoesNotExist": ("AWS.SimpleQueueService.NonExistentQueue", 400),
    "QueueNameExists": ("QueueAlreadyExists", 400),
    "ReceiptHandleIsInvalid": ("ReceiptHandleIsInvalid", 404),
    "RequestThrottled": ("RequestThrottled", 403),
    "ResourceNotFoundException": ("ResourceNotFoundException", 404),
    "TooManyEntriesInBatchRequest": ("AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400),
    "UnsupportedOperation": ("AWS.SimpleQueueService.UnsupportedOperation", 400),
}

# Errors any service may return that the models do not list: code -> (HTTP status, sender fault).
COMMON_ERRORS: dict[str, tuple[int, bool]] = {
    "InvalidParameterValue": (400, True),
    "InvalidParameterCombination": (400, True),
    "MissingParameter": (400, True),
    "ValidationError": (400, True),
    "ValidationException": (400, True),
    "AccessDenied": (403, True),
    "AccessDeniedException": (400, True),
    "Throttling": (400, True),
    "ThrottlingException": (400, True),
    "RequestLimitExceeded": (400, True),
    "InternalError": (500, False),
    "InternalFailure": (500, False),
    "InternalServerError": (500, False),
    "ServiceUnavailable": (503, False),
    "ServiceUnavailableException": (503, False),
}

# JSON 1.0 services prefix ``__type`` with their Smithy namespace (botocore keeps what follows '#').
_JSON_NAMESPACES = {"sqs": "com.amazonaws.sqs", "dynamodb": "com.amazonaws.dynamodb.v20120810"}


@dataclass(frozen=True)
class ErrorSpec:
    """How one error goes over the wire for one service."""

    service: str
    shape: str  # the model's shape name, e.g. KMSThrottlingException
    code: str  # the code botocore reports, e.g. KMSThrottling
    status: int
    sender: bool


@functools.cache
def service_model(service: str) -> Any:
    """botocore's model of ``service`` (loaded once per process)."""
    return _session().get_service_model(service)


@functools.cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@functools.cache
def error_spec(service: str, error: str) -> ErrorSpec:
    """The wire form of ``error`` (a shape name or an error code) for ``service``."""
    if service == "sqs":
        for shape, (query_code, status) in SQS_QUERY_ERRORS.items():
            if error in (shape, query_code):
                return ErrorSpec(service, shape, query_code, status, status < 500)
    model = service_model(service)
    for shape in model.error_shapes:
        trait = shape.metadata.get("error", {})
        code = trait.get("code", shape.name)
        if error in (shape.name, code):
            fault = bool(getattr(shape, "_shape_model", {}).get("fault"))
            default = COMMON_ERRORS.get(shape.name, (500 if fault else 400, not fault))
            status = int(trait.get("httpStatusCode", default[0]))
            sender = bool(trait.get("senderFault", default[1]))
            return ErrorSpec(service, shape.name, code, status, sender)
    status, sender = COMMON_ERRORS.get(error, (400, True))
    shape = error if service != "sqs" or error.endswith("Exception") else f"{error}Exception"
    if error == "MissingParameter" and service == "sqs":
        shape = "MissingRequiredParameterException"
    return ErrorSpec(service, shape, error, status, sender)


def render(spec: ErrorSpec, message: str) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of the error as ``spec.service``'s protocol sends it."""
    request_id = str(uuid.uuid4())
    metadata = service_model(spec.service).metadata
    protocol = metadata.get("protocol")
    if protocol == "query":
        namespace = metadata.get("xmlNamespace", "")
        fault = "Sender" if spec.sender else "Receiver"
        body = (
            f'<ErrorResponse xmlns="{namespace}"><Error><Type>{fault}</Type><Code>{escape(spec.code)}</Code>'
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return spec.status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body
    headers = {"x-amzn-RequestId": request_id, "X-Amzn-ErrorType": spec.shape}
    if protocol == "json":
        headers["Content-Type"] = f"application/x-amz-json-{metadata.get('jsonVersion', '1.0')}"
        namespace = _JSON_NAMESPACES.get(spec.service)
        error_type = f"{namespace}#{spec.shape}" if namespace else spec.shape
    else:  # rest-json
        headers["Content-Type"] = "application/json"
        error_type = spec.shape
    if "awsQueryCompatible" in metadata:
        headers["x-amzn-query-error"] = f"{spec.code};{'Sender' if spec.sender else 'Receiver'}"
    return spec.status, headers, json.dumps({"__type": error_type, "message": message})


class AwsError(HTTPException):
    """An AWS error raised inside the emulator: moto sends it to the client exactly as rendered."""

    def __init__(self, service: str, error: str, message: str) -> None:
        self.spec = error_spec(service, error)
        self.message = message
        status, self._headers, body = render(self.spec, message)
        super().__init__(description=body)
        self.code = status  # werkzeug's name for the HTTP status

    @property
    def error_code(self) -> str:
        return self.spec.code

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return list(self._headers.items())

    def get_body(self, *args: Any, **kwargs: Any) -> str:
        return str(self.description)

    def __str__(self) -> str:
        return f"{self.spec.code}: {self.message}"

    def batch_entry(self, entry_id: str) -> dict[str, Any]:
        """This error as one failed entry of a batch call (``BatchResultErrorEntry``)."""
        return {"Id": entry_id, "SenderFault": self.spec.sender, "Code": self.spec.code, "Message": self.message}
