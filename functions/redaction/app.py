"""Firehose data-transformation function: take card data out of backup records.

Every key starting with ``card-`` inside an object stored under ``payment`` is removed, and any
string or integer that looks like a card number (13-19 digits, spaces or dashes allowed, Luhn
valid) is replaced with ``[REDACTED]``. Records stay newline-delimited JSON. A record that is
not a JSON object (``NaN`` and ``Infinity`` are not JSON) is returned ``ProcessingFailed``
(Firehose sends it to the error prefix); the batch never fails as a whole.

Everything else keeps its source form: numbers are written back as the producer wrote them (no
float rounding, ``1e400`` never becomes ``Infinity``) and text as UTF-8 rather than ``\\uXXXX``
escapes, which would grow a record up to 6x.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

REDACTED = "[REDACTED]"
INTEGER = re.compile(r"-?\d+")
CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class JsonNumber(str):
    """A JSON number kept as its source text."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse(data: bytes) -> Any:
    """JSON with numbers as ``JsonNumber``; ``NaN``/``Infinity`` rejected."""
    return json.loads(data, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=_reject_constant)


def _string(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from a \\ud800 escape) has no UTF-8 form: keep it escaped
        return json.dumps(text)
    return json.dumps(text, ensure_ascii=False)


def dump(obj: Any) -> str:
    """Compact JSON text of ``obj``, numbers as their source text, strings in UTF-8."""
    if isinstance(obj, JsonNumber):
        return str.__str__(obj)
    if isinstance(obj, str):
        return _string(obj)
    if isinstance(obj, dict):
        return "{" + ",".join(f"{_string(str(k))}:{dump(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ",".join(dump(v) for v in obj) + "]"
    return json.dumps(obj, allow_nan=False)


def _is_integer(value: Any) -> bool:
    """An integer: a Python ``int`` (not ``bool``) or a JSON number written without fraction or exponent."""
    if isinstance(value, JsonNumber):
        return INTEGER.fullmatch(value) is not None
    return isinstance(value, int) and not isinstance(value, bool)


def looks_like_card(value: Any) -> bool:
    """A 13-19 digit number (spaces/dashes allowed) passing the Luhn check."""
    if isinstance(value, JsonNumber):
        return _is_integer(value) and looks_like_card(str.__str__(value))
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
    if _is_integer(obj):
        return REDACTED if looks_like_card(obj) else obj
    if isinstance(obj, str) and not isinstance(obj, JsonNumber):
        return REDACTED if looks_like_card(obj) else _redact_string(obj)
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
    if _is_integer(obj):
        return 1 if looks_like_card(obj) else 0
    if isinstance(obj, str) and not isinstance(obj, JsonNumber):
        return sum(1 for m in CARD_LIKE.finditer(obj) if _luhn(re.sub(r"\D", "", m.group())))
    return 0


def transform_record(record: dict[str, Any]) -> dict[str, Any]:
    data = record.get("data", "")
    try:
        doc = parse(base64.b64decode(data))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        text = dump(redact(doc)) + "\n"
    except (ValueError, TypeError, RecursionError):
        return {"recordId": record.get("recordId"), "result": "ProcessingFailed", "data": data}
    return {"recordId": record["recordId"], "result": "Ok", "data": base64.b64encode(text.encode()).decode()}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"records": [transform_record(r) for r in event.get("records", [])]}
