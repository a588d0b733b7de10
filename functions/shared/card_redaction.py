"""Card data out of an event body, for every function that hands events to storage.

Shipped in the forwarder's archive (redaction before Firehose, so no failure path of Firehose or
its transform can store a raw record) and in the transform's (defence in depth).

What counts as a card number: any 13-19 consecutive digits, Luhn valid, inside a digit sequence
whose digits may be separated by short runs of anything that is not a letter or a digit (spaces,
tabs, no-break spaces, ``-``, ``.``, ``/``, ``_``, `` - ``...). Every window of a longer sequence is
tried (``"4111 1111 1111 1111 12/27"``). Digits are any Unicode decimal digits. JSON numbers are
checked in their source text and as the integer they denote (``4.111111111111111e15``,
``4111111111111111.0``, ``-4111111111111111``). Keys are checked like values, at any depth. Fields
named ``card*`` anywhere inside a ``payment`` object (any case, ``-``/``_`` or camelCase), and
well-known card field names anywhere, are dropped.

A body that is not JSON, or nested deeper than ``MAX_DEPTH``, is scrubbed as text instead: the same
detector runs over its characters, so nothing is ever passed on unredacted.
"""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

REDACTED = "[REDACTED]"
MIN_DIGITS, MAX_DIGITS = 13, 19
MAX_SEPARATOR_RUN = 5  # characters between two digits of one number (" - " is 3, "\t\t" 2)
MAX_DEPTH = 256  # above the buffer's 100 levels plus envelopes, far below json's recursion limit
MAX_EXPONENT = 40  # JSON numbers larger than this are not expanded to their integer digits
CARD_FIELDS = {"cardnumber", "cardno", "cardcvv", "cardcvc", "cvv", "cvv2", "cvc", "cvc2", "pan", "cardexpiry"}
_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


class JsonNumber(str):
    """A JSON number kept as its source text."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _digit(ch: str) -> int | None:
    if ch.isdecimal():
        return unicodedata.decimal(ch)
    return None


def _card_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` holding a Luhn-valid 13-19 digit window (separators allowed)."""
    spans: list[tuple[int, int]] = []
    digits: list[int] = []
    positions: list[int] = []
    last = -MAX_SEPARATOR_RUN - 2

    def close() -> None:
        if len(digits) >= MIN_DIGITS:
            spans.extend(_luhn_windows(digits, positions))
        digits.clear()
        positions.clear()

    for index, ch in enumerate(text):
        value = _digit(ch)
        if value is not None:
            if index - last - 1 > MAX_SEPARATOR_RUN:
                close()
            digits.append(value)
            positions.append(index)
            last = index
        elif ch.isalpha():
            close()
            last = -MAX_SEPARATOR_RUN - 2
    close()
    return spans


def _luhn_windows(digits: list[int], positions: list[int]) -> list[tuple[int, int]]:
    """Spans of every Luhn-valid window, in O(len) with parity-aware prefix sums."""
    count = len(digits)
    # plain[k]: digit k when it is not doubled for a window whose last digit has k's parity.
    same = [0] * (count + 1)
    other = [0] * (count + 1)
    for k, d in enumerate(digits):
        even = k % 2 == 0
        same[k + 1] = same[k] + (d if even else _DOUBLE[d])
        other[k + 1] = other[k] + (_DOUBLE[d] if even else d)
    found: list[tuple[int, int]] = []
    for end in range(MIN_DIGITS, count + 1):
        sums = same if (end - 1) % 2 == 0 else other
        for length in range(MIN_DIGITS, min(MAX_DIGITS, end) + 1):
            start = end - length
            if (sums[end] - sums[start]) % 10 == 0:
                found.append((positions[start], positions[end - 1] + 1))
    return found


def has_card_number(text: str) -> bool:
    return bool(_card_spans(text))


def scrub_text(text: str) -> str:
    """``text`` with every card-number span replaced by ``[REDACTED]``."""
    spans = sorted(_card_spans(text))
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, cursor = [], 0
    for start, end in merged:
        out.append(text[cursor:start])
        out.append(REDACTED)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _number_is_card(source: str) -> bool:
    """Whether a JSON number's integer part (any sign, fraction or exponent form) holds a card number."""
    try:
        value = Decimal(source)
    except InvalidOperation:
        return has_card_number(source)
    if not value.is_finite() or value.adjusted() > MAX_EXPONENT:
        return has_card_number(source)
    return has_card_number(str(abs(int(value))))


def _depth_within(text: str, limit: int) -> bool:
    """Whether JSON text nests at most ``limit`` levels (strings skipped), without recursion."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def parse(text: str) -> Any:
    """JSON with numbers as ``JsonNumber``; ``NaN``/``Infinity`` and over-deep nesting rejected."""
    if not _depth_within(text, MAX_DEPTH):
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    return json.loads(text, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=_reject_constant)


def _normalized(key: str) -> str:
    return re.sub(r"[\W_]", "", key).lower()


def _drop(key: str, in_payment: bool) -> bool:
    name = _normalized(key)
    return name in CARD_FIELDS or (in_payment and name.startswith("card"))


def redact(obj: Any, in_payment: bool = False) -> Any:
    """A copy of parsed JSON without card data."""
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if _drop(key, in_payment):
                continue
            out[scrub_text(key)] = redact(value, in_payment or _normalized(key) == "payment")
        return out
    if isinstance(obj, list):
        return [redact(v, in_payment) for v in obj]
    if isinstance(obj, JsonNumber):
        return REDACTED if _number_is_card(str.__str__(obj)) else obj
    if isinstance(obj, str):
        return scrub_text(obj)
    return obj


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


def redact_body(data: bytes) -> bytes:
    """An event body without card data: redacted as JSON when it is JSON, else scrubbed as text.

    A body with nothing to redact is returned byte for byte as it came.
    """
    text = data.decode("utf-8", "replace")
    try:
        doc = parse(text)
        original, redacted = dump(doc), dump(redact(doc))
    except (ValueError, TypeError, RecursionError):
        scrubbed = scrub_text(text)
        return data if scrubbed == text else scrubbed.encode("utf-8")
    return data if redacted == original else redacted.encode("utf-8")
