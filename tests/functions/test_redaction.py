"""The Firehose redaction transform."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.functions.card_detector import found_cards
from tests.functions.helpers import load_function

app = load_function("redaction")
CARDS = ["4111111111111111", "4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"]


def record(doc: Any, record_id: str = "r1") -> dict[str, str]:
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return {"recordId": record_id, "data": base64.b64encode(data).decode(), "approximateArrivalTimestamp": 0}


def decoded(result: dict[str, Any]) -> str:
    return base64.b64decode(result["data"]).decode()


def test_card_keys_under_payment_and_card_numbers_anywhere_are_removed() -> None:
    doc = {
        "eventId": "o7",
        "payload": {
            "amount": 150,
            "payment": {"card-number": "4111111111111111", "card-cvv": "123", "method": "card"},
            "note": "card 5500-0000-0000-0004 used",
            "phone": "4111111111111111",
        },
    }
    [out] = app.lambda_handler({"records": [record(doc)]}, None)["records"]
    assert out["result"] == "Ok" and out["recordId"] == "r1"
    text = decoded(out)
    assert text.endswith("}\n") and text.count("\n") == 1
    result = json.loads(text)
    assert result["payload"]["payment"] == {"method": "card"}
    assert result["payload"]["note"] == "card [REDACTED] used"
    assert result["payload"]["phone"] == "[REDACTED]"
    assert result["payload"]["amount"] == 150
    assert found_cards(text, CARDS) == [] and found_cards(json.dumps(doc), CARDS) != []


def test_non_luhn_numbers_and_short_numbers_are_kept() -> None:
    # 13+ digit runs holding a Luhn-valid window are redacted (see the README's Guarantees): keep below that.
    doc = {"order": "1234567812345678", "zip": "90210", "big": 411111111111}
    [out] = app.lambda_handler({"records": [record(doc)]}, None)["records"]
    assert json.loads(decoded(out)) == doc


def test_records_that_are_not_objects_are_kept_scrubbed_never_failed() -> None:
    """Firehose writes a ProcessingFailed record's original data to S3: such records come back Ok, scrubbed."""
    records = [record(b"not json 4111111111111111", "a"), record([1, 2], "b"), record({"ok": 1}, "c")]
    out = app.lambda_handler({"records": records}, None)["records"]
    assert [r["recordId"] for r in out] == ["a", "b", "c"]
    assert [r["result"] for r in out] == ["Ok", "Ok", "Ok"]
    assert json.loads(decoded(out[0])) == {"unparsedBody": "not json [REDACTED]"}
    assert json.loads(decoded(out[1])) == {"unparsedBody": "[1, 2]"}


json_values = st.recursive(
    st.one_of(st.integers(), st.text(max_size=20), st.sampled_from(CARDS), st.booleans(), st.none()),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(["payment", "card-number", "x", "note"]), children, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(json_values)
def test_redacted_output_never_holds_card_data(doc: Any) -> None:
    [out] = app.lambda_handler({"records": [record({"doc": doc})]}, None)["records"]
    text = decoded(out)
    assert found_cards(text, CARDS) == [] and "card-number" not in text


def _strict_json(text: str) -> Any:
    """Parse as RFC 8259 JSON: NaN/Infinity are not JSON."""

    def reject(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=reject)


def test_numbers_and_text_keep_their_source_form() -> None:
    """Only card data changes: long decimals, 1e400, 1.50 and non-ASCII text are written as they came
    (no float rounding, no ``Infinity``, no ``\\u00e9`` escapes growing the record up to 6x)."""
    raw = '{"n":0.12345678901234567890123,"big":1e400,"price":1.50,"s":"é😀","card":4111111111111111,"k":-0}'
    [out] = app.lambda_handler({"records": [record(raw.encode())]}, None)["records"]
    text = decoded(out)
    assert text == '{"n":0.12345678901234567890123,"big":1e400,"price":1.50,"s":"é😀","card":"[REDACTED]","k":-0}\n'
    _strict_json(text)


def test_nan_and_infinity_are_not_json_and_are_kept_as_unparsed_text() -> None:
    records = [record(b'{"x": NaN}', "a"), record(b'{"x": -Infinity}', "b"), record(b'{"x": 1}', "c")]
    out = app.lambda_handler({"records": records}, None)["records"]
    assert [r["result"] for r in out] == ["Ok", "Ok", "Ok"]
    assert [_strict_json(decoded(r)) for r in out] == [
        {"unparsedBody": '{"x": NaN}'},
        {"unparsedBody": '{"x": -Infinity}'},
        {"x": 1},
    ]


def test_lone_surrogate_escapes_stay_valid_utf8_json() -> None:
    [out] = app.lambda_handler({"records": [record(b'{"s": "a\\ud800b", "t": "\\u00e9"}')]}, None)["records"]
    text = base64.b64decode(out["data"]).decode("utf-8")
    assert _strict_json(text) == {"s": "a\ud800b", "t": "é"}


def test_huge_and_deeply_nested_records_never_crash_the_batch() -> None:
    huge = b'{"n": ' + b"7" * 5000 + b', "card": 4111111111111111}'
    deep = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    out = app.lambda_handler({"records": [record(huge, "a"), record(deep, "b"), record({"ok": 1}, "c")]}, None)
    first, second, third = out["records"]
    assert first["result"] == "Ok" and decoded(first) == '{"n":' + "7" * 5000 + ',"card":"[REDACTED]"}\n'
    assert second["result"] == "Ok" and third["result"] == "Ok"
    assert list(json.loads(decoded(second))) == ["unparsedBody"]
