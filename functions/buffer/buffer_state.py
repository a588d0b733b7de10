"""The buffer's memory in DynamoDB: one item per group, one per delivered event, one per failing event.

Reads for a whole batch are one ``BatchGetItem`` (both tables); the writes recording a batch's
deliveries are one ``TransactWriteItems`` with optimistic concurrency on each group item, so a
late, zombie invocation can never overwrite a newer decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GROUP_KEY = "messageGroupId"
EVENT_KEY = "eventId"
TTL_ATTRIBUTE = "expiresAt"
FAILURE_PREFIX = "failures#"
MAX_READ_ATTEMPTS = 5


@dataclass(frozen=True)
class GroupState:
    """When the group's last event went downstream, and which event that was."""

    last_delivered_at: float
    last_occurred_at: float
    last_event_id: str
    version: int


@dataclass(frozen=True)
class Delivery:
    """A published event to record."""

    group: str
    event_id: str
    occurred_at: float
    delivered_at: float


@dataclass(frozen=True)
class Snapshot:
    """What the tables said at the start of a batch (expired items already ignored)."""

    groups: dict[str, GroupState]
    delivered: set[str]


class TransactionConflictError(Exception):
    """Some groups changed under us; ``groups`` lists them, ``duplicates`` lists event ids already recorded."""

    def __init__(self, groups: set[str], duplicates: set[str]) -> None:
        super().__init__(f"conflicting groups {sorted(groups)}, already recorded {sorted(duplicates)}")
        self.groups = groups
        self.duplicates = duplicates


def _n(item: dict[str, Any], name: str, default: float = 0.0) -> float:
    value = item.get(name)
    return float(value["N"]) if value and "N" in value else default


class BufferState:
    """Typed access to the buffer table and the idempotency table."""

    def __init__(self, client: Any, group_table: str, event_table: str, group_ttl: int, event_ttl: int) -> None:
        self.client = client
        self.group_table = group_table
        self.event_table = event_table
        self.group_ttl = group_ttl
        self.event_ttl = event_ttl

    def read(self, groups: set[str], event_ids: set[str], now: float) -> Snapshot:
        """One BatchGetItem (retrying only unprocessed keys) for every group and event id of a batch."""
        request: dict[str, Any] = {}
        if groups:
            request[self.group_table] = {
                "Keys": [{GROUP_KEY: {"S": g}} for g in sorted(groups)],
                "ConsistentRead": True,
            }
        if event_ids:
            request[self.event_table] = {
                "Keys": [{EVENT_KEY: {"S": e}} for e in sorted(event_ids)],
                "ConsistentRead": True,
                "ProjectionExpression": "#k, #t",
                "ExpressionAttributeNames": {"#k": EVENT_KEY, "#t": TTL_ATTRIBUTE},
            }
        found_groups: dict[str, GroupState] = {}
        delivered: set[str] = set()
        for _ in range(MAX_READ_ATTEMPTS):
            if not request:
                break
            response = self.client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self.group_table, []):
                if _n(item, TTL_ATTRIBUTE, float("inf")) <= now:
                    continue
                found_groups[item[GROUP_KEY]["S"]] = GroupState(
                    last_delivered_at=_n(item, "lastDeliveredAt"),
                    last_occurred_at=_n(item, "lastOccurredAt"),
                    last_event_id=item.get("lastEventId", {}).get("S", ""),
                    version=int(_n(item, "version")),
                )
            for item in response.get("Responses", {}).get(self.event_table, []):
                if _n(item, TTL_ATTRIBUTE, float("inf")) > now:
                    delivered.add(item[EVENT_KEY]["S"])
            request = response.get("UnprocessedKeys") or {}
        else:
            raise RuntimeError("DynamoDB left keys unprocessed after retries")
        return Snapshot(groups=found_groups, delivered=delivered)

    def record(self, deliveries: list[Delivery], snapshot: Snapshot) -> None:
        """Record deliveries atomically: group items (conditional on version) and event ids.

        Raises ``TransactionConflictError`` naming the groups whose item changed since ``snapshot``.
        """
        if not deliveries:
            return
        last_per_group: dict[str, Delivery] = {}
        for delivery in deliveries:
            last_per_group[delivery.group] = delivery
        items: list[dict[str, Any]] = []
        owners: list[tuple[str, str]] = []
        for group, delivery in last_per_group.items():
            previous = snapshot.groups.get(group)
            update: dict[str, Any] = {
                "TableName": self.group_table,
                "Key": {GROUP_KEY: {"S": group}},
                "UpdateExpression": "SET lastDeliveredAt = :at, lastOccurredAt = :occ, lastEventId = :id, "
                "#ttl = :ttl, version = :next",
                "ExpressionAttributeNames": {"#ttl": TTL_ATTRIBUTE},
                "ExpressionAttributeValues": {
                    ":at": {"N": repr(delivery.delivered_at)},
                    ":occ": {"N": repr(delivery.occurred_at)},
                    ":id": {"S": delivery.event_id},
                    ":ttl": {"N": str(int(delivery.delivered_at) + self.group_ttl)},
                    ":next": {"N": str((previous.version if previous else 0) + 1)},
                },
            }
            if previous is None:
                # Absent, or present but expired (TTL deletion is lazy): either way nothing newer exists.
                update["ConditionExpression"] = "attribute_not_exists(version) OR #ttl <= :now"
                update["ExpressionAttributeValues"][":now"] = {"N": repr(delivery.delivered_at)}
            else:
                update["ConditionExpression"] = "version = :seen"
                update["ExpressionAttributeValues"][":seen"] = {"N": str(previous.version)}
            items.append({"Update": update})
            owners.append(("group", group))
        for delivery in deliveries:
            items.append(
                {
                    "Put": {
                        "TableName": self.event_table,
                        "Item": {
                            EVENT_KEY: {"S": delivery.event_id},
                            GROUP_KEY: {"S": delivery.group},
                            "deliveredAt": {"N": repr(delivery.delivered_at)},
                            TTL_ATTRIBUTE: {"N": str(int(delivery.delivered_at) + self.event_ttl)},
                        },
                        "ConditionExpression": "attribute_not_exists(#k) OR #ttl <= :now",
                        "ExpressionAttributeNames": {"#k": EVENT_KEY, "#ttl": TTL_ATTRIBUTE},
                        "ExpressionAttributeValues": {":now": {"N": repr(delivery.delivered_at)}},
                    }
                }
            )
            owners.append(("event", delivery.event_id))
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException as error:
            reasons = error.response.get("CancellationReasons") or []
            groups: set[str] = set()
            duplicates: set[str] = set()
            for (kind, key), reason in zip(owners, reasons, strict=False):
                if reason.get("Code") == "ConditionalCheckFailed":
                    (groups if kind == "group" else duplicates).add(key)
            if not groups and not duplicates:
                raise
            raise TransactionConflictError(groups, duplicates) from error

    def count_failure(self, event_id: str, now: float) -> int:
        """Add one failed attempt for an event and return the total (kept for the event TTL)."""
        response = self.client.update_item(
            TableName=self.event_table,
            Key={EVENT_KEY: {"S": FAILURE_PREFIX + event_id}},
            UpdateExpression="ADD attempts :one SET #ttl = :ttl",
            ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(int(now) + self.event_ttl)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["attempts"]["N"])
