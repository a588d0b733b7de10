"""An independent card-number detector for judging what the pipelines store.

It shares no code with the redaction functions: every Unicode decimal digit of a text is taken in
order (everything else dropped), and a planted card number counts as found when its digits appear
in that stream. Base64 ``rawData`` fields (Firehose's processing-failed records) and gzip are opened.
"""

from __future__ import annotations

import base64
import gzip
import json
import unicodedata
from typing import Any


def digit_stream(text: str) -> str:
    return "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())


def luhn(number: str) -> bool:
    total = 0
    for position, ch in enumerate(reversed(number)):
        value = int(ch)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def readable(blob: bytes) -> str:
    """The text of a stored object: gunzipped, with base64 ``rawData`` fields decoded alongside."""
    if blob[:2] == b"\x1f\x8b":
        blob = gzip.decompress(blob)
    text = blob.decode("utf-8", "replace")
    extra = []
    for line in text.splitlines():
        try:
            doc: Any = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("rawData"), str):
            extra.append(base64.b64decode(doc["rawData"]).decode("utf-8", "replace"))
    return "\n".join([text, *extra])


def found_cards(text: str, planted: list[str]) -> list[str]:
    """The planted card numbers (digits only) whose digits appear in ``text``'s digit stream."""
    stream = digit_stream(text)
    return [card for card in planted if digit_stream(card) in stream]
