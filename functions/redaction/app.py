"""Firehose data-transformation function: take card data out of backup and analytics records.

Defence in depth: the forwarders already redact before Firehose (``card_redaction``, shipped in
both archives). Every record comes back ``Ok``, never ``ProcessingFailed``: Firehose writes a failed
record's *original* data to the error prefix, so failing one would store whatever it holds. A
record that is not a JSON object (an array, a string, ``NaN``, two objects, invalid UTF-8, nesting
deeper than ``card_redaction.MAX_DEPTH``) is scrubbed as text and kept as ``{"unparsedBody": ...}``,
one document per line like every other record.

Everything else keeps its source form: numbers are written back as the producer wrote them (no
float rounding, ``1e400`` never becomes ``Infinity``) and text as UTF-8 rather than ``\\uXXXX``
escapes, which would grow a record up to 6x.
"""

from __future__ import annotations

import base64
from typing import Any

from card_redaction import REDACTED, JsonNumber, dump, parse, redact, scrub_text

__all__ = ["REDACTED", "JsonNumber", "dump", "lambda_handler", "parse", "redact", "transform_record"]
UNPARSED_KEY = "unparsedBody"


def _redacted_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    try:
        doc = parse(text)
    except (ValueError, TypeError, RecursionError):
        doc = None
    if isinstance(doc, dict):
        return dump(redact(doc))
    return dump({UNPARSED_KEY: scrub_text(text)})


def transform_record(record: dict[str, Any]) -> dict[str, Any]:
    try:
        raw = base64.b64decode(record.get("data", ""))
    except ValueError:
        raw = b""
    text = _redacted_line(raw) + "\n"
    return {"recordId": record.get("recordId"), "result": "Ok", "data": base64.b64encode(text.encode()).decode()}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"records": [transform_record(r) for r in event.get("records", [])]}
