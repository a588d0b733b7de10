"""Card numbers in every format reach neither the forwarder's Firehose records nor the transform's output.

Judged by an independent detector (tests/functions/card_detector.py), not the redaction code.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.functions.card_detector import found_cards, luhn
from tests.functions.helpers import load_function

transform = load_function("redaction")
forwarder = load_function("forwarder")

VISA, MASTERCARD, AMEX, DISCOVER = "4111111111111111", "5500000000000004", "378282246310005", "6011111111111117"
PLANTED = [VISA, MASTERCARD, AMEX, DISCOVER]
FULLWIDTH = "".join(chr(0xFF10 + int(d)) for d in VISA)
ARABIC_INDIC = "".join(chr(0x0660 + int(d)) for d in MASTERCARD)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _grouped(card: str, sep: str) -> str:
    return sep.join(card[i : i + 4] for i in range(0, len(card), 4))


SEPARATORS = [" ", "-", ".", "/", "_", "\t", "\u00a0", "  ", " - ", "\u2009", "--", ". "]
STRING_PROBES = [_grouped(VISA, sep) for sep in SEPARATORS] + [
    f"{_grouped(VISA, ' ')} 12/27",
    f"card {VISA} 123",
    f"{MASTERCARD}1234",
    f"99{AMEX}",
    f"ref:{DISCOVER}:exp",
    FULLWIDTH,
    ARABIC_INDIC,
    f"cards {VISA},{MASTERCARD}",
]
NUMBER_PROBES = [VISA, f"{VISA}.0", "4.111111111111111e15", "4.111111111111111E+15", f"-{VISA}", f"{VISA}12"]


def json_probes() -> list[str]:
    bodies = [_json({"note": probe}) for probe in STRING_PROBES]
    bodies += ['{"amount": ' + number + "}" for number in NUMBER_PROBES]
    bodies += [
        _json({VISA: "key"}),
        _json({"a": {"b": [{"c": {f"x {MASTERCARD}": 1}}]}}),
        _json({"order": {"payment": {"details": {"card-number": "4111-1111-1111-111"}}}}),
        _json({"Payment": {"cardCvv": "123", "card_cvv": "456", "cardNumber": "0000"}}),
        _json({"payment": [{"card-pan": "x"}]}),
        _json([{"note": VISA}]),
        _json(VISA),
        "[" + VISA + "]",
    ]
    return bodies


RAW_PROBES = [
    f'{{"note": "{VISA}"}} {{"b": 1}}',  # two objects in one body
    f'{{"note": "{VISA}", "x": NaN}}',
    f"plain text {_grouped(AMEX, ' ')}",
    "[" * 5000 + f'"{VISA}"' + "]" * 5000,
    '{"a":' * 5000 + f'"{DISCOVER}"' + "}" * 5000,
]
INVALID_UTF8 = b'{"note": "' + VISA.encode() + b'\xff\xfe"}'


def all_bodies() -> list[bytes]:
    return [b.encode() for b in json_probes() + RAW_PROBES] + [INVALID_UTF8]


def test_planted_cards_are_luhn_valid_and_detected_in_every_probe() -> None:
    """The detector finds each probe's card before redaction (else the test below proves nothing)."""
    assert all(luhn(card) for card in PLANTED)
    for body in all_bodies():
        text = body.decode("utf-8", "replace")
        if "card-number" in text or "cardCvv" in text or "card-pan" in text:
            continue  # field-name probes: checked by key below
        assert found_cards(text, PLANTED), text[:80]


@pytest.mark.parametrize("body", all_bodies(), ids=range(len(all_bodies())))
def test_transform_output_holds_no_card_number_and_never_fails_a_record(body: bytes) -> None:
    record = {"recordId": "r", "data": base64.b64encode(body).decode(), "approximateArrivalTimestamp": 0}
    [out] = transform.lambda_handler({"records": [record]}, None)["records"]
    assert out["result"] == "Ok"  # Firehose writes a failed record's original data: never fail one
    text = base64.b64decode(out["data"]).decode("utf-8", "replace")
    assert found_cards(text, PLANTED) == []
    for name in ("card-number", "cardCvv", "card_cvv", "cardNumber", "card-pan"):
        assert name not in text
    assert text.endswith("\n") and text.count("\n") == 1
    assert isinstance(json.loads(text), dict)  # every output line is a document OpenSearch can index


class _Firehose:
    def __init__(self) -> None:
        self.data: list[bytes] = []

    def put_record_batch(self, DeliveryStreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.data.extend(r["Data"] for r in Records)
        return {"FailedPutCount": 0, "RequestResponses": [{"RecordId": "x"} for _ in Records]}


def test_forwarder_redacts_before_firehose_so_no_failure_path_stores_a_card() -> None:
    firehose = _Firehose()
    bodies = all_bodies()
    records = [
        {"messageId": str(i), "body": body.decode("utf-8", "replace"), "eventSourceARN": "arn:aws:sqs:q"}
        for i, body in enumerate(bodies)
    ]
    response = forwarder.Forwarder(firehose, "s", redact=True).handle({"Records": records})
    assert response == {"batchItemFailures": []}
    assert len(firehose.data) == len(bodies)
    for data in firehose.data:
        text = data.decode("utf-8")
        assert found_cards(text, PLANTED) == [], text[:80]
        assert "card-number" not in text and "cardCvv" not in text


def test_forwarder_passes_bodies_through_only_when_redaction_is_explicitly_off() -> None:
    firehose = _Firehose()
    body = _json({"note": VISA})
    forwarder.Forwarder(firehose, "s", redact=False).handle({"Records": [{"messageId": "1", "body": body}]})
    assert firehose.data == [(body + "\n").encode()]


def test_non_card_values_are_kept() -> None:
    doc = {"order": "1234567812345678", "zip": "90210", "amount": 150, "price": 12.5, "when": "2026-12-07"}
    [out] = transform.lambda_handler(
        {"records": [{"recordId": "r", "data": base64.b64encode(_json(doc).encode()).decode()}]}, None
    )["records"]
    assert json.loads(base64.b64decode(out["data"])) == doc
