"""The embedded AWS emulator: moto in-process on a virtual clock, made as strict as AWS's contracts.

``clock`` is scenario time; ``core`` starts moto and patches it where AWS behaves differently;
``dynamodb`` models the PartiQL batch writes; ``firehose`` the delivery streams.
"""

from local.emulator.clock import EPOCH, VirtualClock
from local.emulator.core import Arrival, EmulatorState, emulator, s3_backend, sqs_backend

__all__ = ["EPOCH", "Arrival", "EmulatorState", "VirtualClock", "emulator", "s3_backend", "sqs_backend"]
