"""TTL on the buffer's DynamoDB tables (their items must expire)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BUFFER_COMPONENT = "eventfork:buffer:FifoEventBuffer"


def is_buffer_table(urn: str, parent: str | None, props: Mapping[str, Any]) -> bool:
    tags = props.get("tags") or {}
    return (
        tags.get("eventfork:role", "").startswith("buffer")
        or BUFFER_COMPONENT in urn
        or (parent is not None and BUFFER_COMPONENT in parent)
    )


def buffer_table_ttl(name: str, props: Mapping[str, Any]) -> list[str]:
    ttl = props.get("ttl") or {}
    if ttl.get("enabled") and ttl.get("attributeName"):
        return []
    return [
        f"buffer table '{name}' has no TTL: set ttl={{'enabled': True, 'attribute_name': 'expiresAt'}} "
        "so group state and event ids expire"
    ]
