"""Firehose data-transformation function: take card data out of backup records.

Every key starting with ``card-`` inside an object stored under ``payment`` is removed, and any
string or integer that looks like a card number (13-19 digits, spaces or dashes allowed, Luhn
valid) is replaced with ``[REDACTED]``. Records stay newline-delimited JSON. A record that is
not a JSON object is returned ``ProcessingFailed`` (Firehose sends it to the error prefix); the
batch never fails as a whole.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

REDACTED = "[REDACTED]"
CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def looks_like_card(value: Any) -> bool:
    """A 13-19 digit number (spaces/dashes allowed) passing the Luhn check."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    text = str(value).strip()
    if not re.fullmatch(r"(?:\d[ -]?){12,18}\d", text):
        return False
    return _luhn(re.sub(r"\D", "", text))


def _redact_string(text: str) -> str:
    return CARD_LIKE.sub(lambda m: REDACTED if _luhn(re.sub(r"\D", "", m.group())) else m.group(), text)


def redact(obj: Any, under_payment: bool = False) -> Any:
    """A copy of ``obj`` without card data."""
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if under_payment and isinstance(key, str) and key.startswith("card-"):
                continue
            out[key] = redact(value, under_payment=key == "payment")
        return out
    if isinstance(obj, list):
        return [redact(v) for v in obj]
    if isinstance(obj, str):
        return REDACTED if looks_like_card(obj) else _redact_string(obj)
    if isinstance(obj, int) and not isinstance(obj, bool) and looks_like_card(obj):
        return REDACTED
    return obj


def count_card_values(obj: Any, under_payment: bool = False) -> int:
    """Card-like values and ``card-*`` keys under ``payment`` left in ``obj`` (0 after ``redact``)."""
    if isinstance(obj, dict):
        count = 0
        for key, value in obj.items():
            if under_payment and isinstance(key, str) and key.startswith("card-"):
                count += 1
            count += count_card_values(value, under_payment=key == "payment")
        return count
    if isinstance(obj, list):
        return sum(count_card_values(v) for v in obj)
    if isinstance(obj, str):
        return sum(1 for m in CARD_LIKE.finditer(obj) if _luhn(re.sub(r"\D", "", m.group())))
    if isinstance(obj, int) and not isinstance(obj, bool):
        return 1 if looks_like_card(obj) else 0
    return 0


def transform_record(record: dict[str, Any]) -> dict[str, Any]:
    data = record.get("data", "")
    try:
        doc = json.loads(base64.b64decode(data))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
    except (ValueError, TypeError):
        return {"recordId": record.get("recordId"), "result": "ProcessingFailed", "data": data}
    text = json.dumps(redact(doc), separators=(",", ":")) + "\n"
    return {"recordId": record["recordId"], "result": "Ok", "data": base64.b64encode(text.encode()).decode()}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"records": [transform_record(r) for r in event.get("records", [])]}
