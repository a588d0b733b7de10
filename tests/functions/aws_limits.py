"""AWS's documented request limits as botocore hooks: a call over a limit fails as AWS would fail it.

moto's Firehose accepts requests AWS rejects (it has no size limits), so the forwarder tests add
these checks to their client.

Sources, in the botocore service models (``.venv/lib/python3.11/site-packages/botocore/data/``):

- ``firehose/2015-08-04/service-2.json.gz``, PutRecordBatch: "Each PutRecordBatch request supports up
  to 500 records. Each record in the request can be as large as 1,000 KB (before base64 encoding), up
  to a limit of 4 MB for the entire request"; shape ``Data`` has ``max`` 1024000 and
  ``PutRecordBatchRequestEntryList`` ``max`` 500. The Firehose quota page gives the request limit as
  4 MiB ("500 records per call or 4 MiB per call, whichever is smaller").

SQS's limits are enforced by the strict emulator itself (``local/emulator/sqs.py``, ``sqs_messages.py``).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

FIREHOSE_MAX_RECORDS = 500
FIREHOSE_MAX_RECORD_BYTES = 1_024_000
FIREHOSE_MAX_CALL_BYTES = 4 * 1024 * 1024


def _reject(operation: str, code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


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
