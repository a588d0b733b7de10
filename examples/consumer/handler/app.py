"""Example consumer: processes eventfork envelopes from the primary queue, reporting failures per message."""

from __future__ import annotations

import json
from typing import Any


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event.get("Records", []):
        try:
            envelope = json.loads(record["body"])
            print(json.dumps({"eventId": envelope["eventId"], "groupId": envelope["groupId"]}))
        except (KeyError, ValueError):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
