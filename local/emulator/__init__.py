"""The embedded AWS emulator: moto in-process on a virtual clock, made as strict as AWS's contracts.

One module per AWS service, each stating the contract it enforces and the AWS documentation or
botocore model it comes from: ``sqs`` (sends) and ``sqs_inflight`` (receives, visibility, receipt
handles), ``sns``, ``dynamodb``, ``kms``, ``firehose``, ``lambda_sqs`` (Lambda's SQS event source).
``errors`` renders AWS errors as each protocol does; ``faults`` plays outages and slow calls in
virtual time; ``clock`` is scenario time; ``core`` composes them. Conformance tests:
``tests/emulator/``.
"""

from local.emulator.clock import EPOCH, VirtualClock
from local.emulator.core import Arrival, EmulatorState, emulator, s3_backend, sqs_backend
from local.emulator.faults import Latency, Outage

__all__ = [
    "EPOCH",
    "Arrival",
    "EmulatorState",
    "Latency",
    "Outage",
    "VirtualClock",
    "emulator",
    "s3_backend",
    "sqs_backend",
]
