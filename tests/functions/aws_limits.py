"""AWS's documented request limits as botocore hooks: a call over a limit fails as AWS would fail it.

moto accepts requests AWS rejects (its Firehose has no size limits; its SQS counts body characters,
not bytes, and ignores attributes), so handler tests add these checks to their clients.

Sources, in the botocore service models (``.venv/lib/python3.11/site-packages/botocore/data/``):

- ``firehose/2015-08-04/service-2.json.gz``, PutRecordBatch: "Each PutRecordBatch request supports up
  to 500 records. Each record in the request can be as large as 1,000 KB (before base64 encoding), up
  to a limit of 4 MB for the entire request"; shape ``Data`` has ``max`` 1024000 and
  ``PutRecordBatchRequestEntryList`` ``max`` 500. The Firehose quota page gives the request limit as
  4 MiB ("500 records per call or 4 MiB per call, whichever is smaller").
- ``sqs/2012-11-05/service-2.json.gz``, SendMessageBatch: "send up to 10 messages"; "The maximum
  allowed individual message size and the maximum total payload size (the sum of the individual
  lengths of all of the batched messages) are both 1 MiB 1,048,576 bytes"; ``MessageAttributeValue``:
  "All parts of the message attribute, including Name, Type, and Value, are part of the message size
  restriction"; ``MessageSystemAttributes``: "doesn't count towards the total size of a message";
  SetQueueAttributes ``MaximumMessageSize``: "how many bytes a message can contain before Amazon SQS
  rejects it".
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

FIREHOSE_MAX_RECORDS = 500
FIREHOSE_MAX_RECORD_BYTES = 1_024_000
FIREHOSE_MAX_CALL_BYTES = 4 * 1024 * 1024
SQS_MAX_BATCH_ENTRIES = 10
SQS_MAX_BATCH_BYTES = 1_048_576


def _reject(operation: str, code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def sqs_message_bytes(entry: dict[str, Any]) -> int:
    """A SendMessage(Batch) entry's size as SQS counts it: body UTF-8 bytes plus every attribute's
    name, data type and value bytes (system attributes excluded)."""
    size = len(entry["MessageBody"].encode("utf-8"))
    for name, value in (entry.get("MessageAttributes") or {}).items():
        size += len(name.encode("utf-8")) + len(value["DataType"].encode("utf-8"))
        if "StringValue" in value:
            size += len(value["StringValue"].encode("utf-8"))
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            size += len(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
    return size


def firehose_limits(client: Any, calls: list[list[bytes]]) -> Any:
    """Record each PutRecordBatch's records in ``calls`` and reject calls over AWS's limits."""

    def check(params: dict[str, Any], **_: Any) -> None:
        records = [r["Data"] for r in params["Records"]]
        calls.append(records)
        if len(records) > FIREHOSE_MAX_RECORDS:
            raise _reject("PutRecordBatch", "ValidationException", f"{len(records)} records > 500")
        if any(len(r) > FIREHOSE_MAX_RECORD_BYTES for r in records):
            raise _reject("PutRecordBatch", "ValidationException", "a record is over 1,024,000 bytes")
        if sum(len(r) for r in records) > FIREHOSE_MAX_CALL_BYTES:
            raise _reject("PutRecordBatch", "InvalidArgumentException", "request over 4 MiB")

    client.meta.events.register("provide-client-params.firehose.PutRecordBatch", check)
    return client


def sqs_batch_limits(client: Any, max_message_size: int, calls: list[list[dict[str, Any]]]) -> Any:
    """Record each SendMessageBatch's entries in ``calls`` and reject calls over AWS's limits."""

    def check(params: dict[str, Any], **_: Any) -> None:
        entries = params["Entries"]
        calls.append(entries)
        if len(entries) > SQS_MAX_BATCH_ENTRIES:
            raise _reject("SendMessageBatch", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "> 10")
        sizes = [sqs_message_bytes(e) for e in entries]
        if sum(sizes) > SQS_MAX_BATCH_BYTES:
            raise _reject("SendMessageBatch", "AWS.SimpleQueueService.BatchRequestTooLong", f"{sum(sizes)} bytes")
        if max(sizes, default=0) > max_message_size:
            raise _reject("SendMessageBatch", "InvalidParameterValue", f"message over {max_message_size} bytes")

    client.meta.events.register("provide-client-params.sqs.SendMessageBatch", check)
    return client
