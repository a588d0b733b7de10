"""DynamoDB numbers, item limits and PartiQL batch writes (``local/emulator/dynamodb.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.emulator import EmulatorState
from tests.emulator.conftest import client, error_of

NUMBERS_DOC = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html"
TABLE = "buffer-table"
INSERT = f"INSERT INTO \"{TABLE}\" VALUE {{'messageGroupId': ?, 'version': ?}}"
UPDATE = f'UPDATE "{TABLE}" SET "note" = ? SET "version" = ? WHERE "messageGroupId" = ? AND "version" = ?'


@pytest.fixture
def ddb(aws: EmulatorState) -> Any:
    dynamodb = client("dynamodb")
    dynamodb.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "messageGroupId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "messageGroupId", "AttributeType": "S"}],
    )
    return dynamodb


def _item(ddb: Any, group: str) -> dict[str, Any] | None:
    return ddb.get_item(TableName=TABLE, Key={"messageGroupId": {"S": group}}).get("Item")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("NaN", "cannot be converted to a numeric value"),
        ("Infinity", "cannot be converted to a numeric value"),
        ("1e200", "Number overflow"),
        ("1E+126", "Number overflow"),
        ("-1E+126", "Number overflow"),
        ("1e-131", "Number underflow"),
        ("1" * 39, "more than 38 significant digits"),
        ("0.123456789012345678901234567890123456789", "more than 38 significant digits"),
    ],
)
def test_numbers_outside_dynamodbs_range_or_precision_are_rejected(ddb: Any, number: str, message: str) -> None:
    """DynamoDB numbers (NUMBERS_DOC): "Numbers can have up to 38 digits of precision. Exceeding this results
    in an exception"; positive range 1E-130 to 9.9999999999999999999999999999999999999E+125, negative likewise;
    NaN and Infinity are not supported. Each is a ValidationException."""
    code, status, text = error_of(
        ddb.put_item, TableName=TABLE, Item={"messageGroupId": {"S": "g"}, "n": {"N": number}}
    )
    assert (code, status) == ("ValidationException", 400) and message in text


def test_numbers_at_the_edges_of_the_range_are_stored_exactly(ddb: Any) -> None:
    """DynamoDB numbers (NUMBERS_DOC): the extremes of the range and 38 digits are valid; leading and trailing
    zeroes do not count as precision."""
    for number in ("9.9999999999999999999999999999999999999E+125", "-1E-130", "1" * 38, "1" + "0" * 100):
        ddb.put_item(TableName=TABLE, Item={"messageGroupId": {"S": number}, "n": {"N": number}})


def test_items_over_400_kb_are_rejected(ddb: Any) -> None:
    """DynamoDB quotas (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html):
    "The maximum item size in DynamoDB is 400 KB, which includes both attribute name binary length (UTF-8
    length) and attribute value lengths"."""
    key = {"messageGroupId": {"S": "g"}}
    ddb.put_item(TableName=TABLE, Item={**key, "b": {"S": "x" * (409_600 - 20)}})
    assert error_of(ddb.put_item, TableName=TABLE, Item={**key, "b": {"S": "x" * 409_600}})[0] == "ValidationException"


def test_binary_values_count_their_bytes_not_their_base64_text(ddb: Any) -> None:
    """Item sizes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
    "Binary: the length of the binary value in bytes"; the wire format's base64 is not counted. An item of
    300 KB of binary fits under 400 KB (its base64 text, 400 KB, would not)."""
    key = {"messageGroupId": {"S": "g"}}
    ddb.put_item(TableName=TABLE, Item={**key, "b": {"B": b"\x00" * 307_200}})
    assert len(_item(ddb, "g")["b"]["B"]) == 307_200
    too_big = {**key, "b": {"B": b"\x00" * 409_600}}
    assert error_of(ddb.put_item, TableName=TABLE, Item=too_big)[0] == "ValidationException"


def test_partiql_writes_take_binary_parameters(ddb: Any) -> None:
    """botocore DynamoDB model: a statement's Parameters are AttributeValues, B included."""
    insert = f"INSERT INTO \"{TABLE}\" VALUE {{'messageGroupId': ?, 'f': ?}}"
    responses = ddb.batch_execute_statement(
        Statements=[{"Statement": insert, "Parameters": [{"S": "g"}, {"B": b"\x01\x02"}]}]
    )
    assert "Error" not in responses["Responses"][0]
    assert _item(ddb, "g")["f"] == {"B": b"\x01\x02"}


def test_batch_get_item_takes_at_most_100_keys(ddb: Any) -> None:
    """botocore DynamoDB model, BatchGetItem: "If you request more than 100 items, BatchGetItem returns a
    ValidationException with the message 'Too many items requested for the BatchGetItem call'"."""
    keys = [{"messageGroupId": {"S": str(i)}} for i in range(101)]
    assert error_of(ddb.batch_get_item, RequestItems={TABLE: {"Keys": keys}})[0] == "ValidationException"
    assert ddb.batch_get_item(RequestItems={TABLE: {"Keys": keys[:100]}})["UnprocessedKeys"] == {}


def test_insert_creates_and_then_fails_with_duplicate_item(ddb: Any) -> None:
    """botocore DynamoDB model, BatchStatementErrorCodeEnum includes DuplicateItem: an INSERT of an existing
    key fails alone."""
    statement = {"Statement": INSERT, "Parameters": [{"S": "g"}, {"N": "1"}]}
    first = ddb.batch_execute_statement(Statements=[statement])["Responses"]
    second = ddb.batch_execute_statement(Statements=[statement])["Responses"]
    assert "Error" not in first[0]
    assert second[0]["Error"]["Code"] == "DuplicateItem"
    assert _item(ddb, "g") == {"messageGroupId": {"S": "g"}, "version": {"N": "1"}}


def test_update_applies_only_when_every_where_condition_holds(ddb: Any) -> None:
    """botocore DynamoDB model, BatchExecuteStatement: "Error details for individual statements can be found
    under the Error field"; ConditionalCheckFailed with the old item when ReturnValuesOnConditionCheckFailure
    is ALL_OLD."""
    ddb.batch_execute_statement(Statements=[{"Statement": INSERT, "Parameters": [{"S": "g"}, {"N": "1"}]}])
    stale = {
        "Statement": UPDATE,
        "Parameters": [{"S": "late"}, {"N": "2"}, {"S": "g"}, {"N": "0"}],
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    fresh = {"Statement": UPDATE, "Parameters": [{"S": "ok"}, {"N": "2"}, {"S": "g"}, {"N": "1"}]}
    absent = {"Statement": UPDATE, "Parameters": [{"S": "x"}, {"N": "2"}, {"S": "nobody"}, {"N": "1"}]}
    responses = ddb.batch_execute_statement(Statements=[stale, fresh, absent])["Responses"]
    assert responses[0]["Error"]["Code"] == "ConditionalCheckFailed"
    assert responses[0]["Error"]["Item"]["version"] == {"N": "1"}  # the item as it was, on request
    assert "Error" not in responses[1]
    assert responses[2]["Error"]["Code"] == "ConditionalCheckFailed" and "Item" not in responses[2]["Error"]
    assert _item(ddb, "g") == {"messageGroupId": {"S": "g"}, "version": {"N": "2"}, "note": {"S": "ok"}}
    assert _item(ddb, "nobody") is None


def test_a_statement_with_invalid_values_fails_alone(ddb: Any) -> None:
    """botocore DynamoDB model, BatchStatementErrorCodeEnum includes ValidationError: a statement DynamoDB
    cannot store (a NaN number) fails in its own result, the others apply."""
    bad = {"Statement": INSERT, "Parameters": [{"S": "bad"}, {"N": "NaN"}]}
    good = {"Statement": INSERT, "Parameters": [{"S": "good"}, {"N": "1"}]}
    responses = ddb.batch_execute_statement(Statements=[bad, good])["Responses"]
    assert responses[0]["Error"]["Code"] == "ValidationError" and "Error" not in responses[1]
    assert _item(ddb, "good") is not None and _item(ddb, "bad") is None


def test_statements_the_emulator_does_not_model_are_refused(ddb: Any) -> None:
    """Only the write shapes the buffer emits are modelled; anything else is refused rather than guessed."""
    with pytest.raises(ClientError, match="does not model"):
        ddb.batch_execute_statement(
            Statements=[{"Statement": f'DELETE FROM "{TABLE}" WHERE "messageGroupId" = ?', "Parameters": [{"S": "g"}]}]
        )
    with pytest.raises(ClientError, match="unsupported WHERE"):
        ddb.batch_execute_statement(
            Statements=[
                {"Statement": f'UPDATE "{TABLE}" SET "a" = ? WHERE "version" > ?', "Parameters": [{"N": "1"}] * 2}
            ]
        )


def test_more_than_25_statements_are_refused_as_dynamodb_does(ddb: Any) -> None:
    """botocore DynamoDB model, PartiQLBatchRequest: "max": 25."""
    statements = [{"Statement": INSERT, "Parameters": [{"S": f"g{i}"}, {"N": "1"}]} for i in range(26)]
    with pytest.raises(ClientError, match="25"):
        ddb.batch_execute_statement(Statements=statements)
    assert ddb.scan(TableName=TABLE)["Items"] == []


def test_a_partition_key_over_2048_bytes_is_rejected(ddb: Any) -> None:
    """DynamoDB quotas (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html):
    "The maximum length of the partition key value is 2048 bytes" (UTF-8 bytes for a string)."""
    ddb.put_item(TableName=TABLE, Item={"messageGroupId": {"S": "é" * 1024}})
    code, _, message = error_of(ddb.put_item, TableName=TABLE, Item={"messageGroupId": {"S": "é" * 1024 + "a"}})
    assert code == "ValidationException" and "2048" in message
