"""Amazon DynamoDB, as AWS documents it, on top of moto's tables.

Sources: the botocore model ``botocore/data/dynamodb/2012-08-10/service-2.json``
(BatchExecuteStatement, BatchStatementError codes, PartiQLBatchRequest max 25, BatchGetItem
documentation and error shapes);
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
(numbers) and .../ServiceQuotas.html (item size 400 KB, partition key 2,048 bytes, sort key 1,024).

Contract enforced (moto is laxer on each point):
- a number has at most 38 significant digits and a magnitude between 1E-130 and
  9.9999999999999999999999999999999999999E+125 (compared exactly: moto compares floats, so 1E+126
  passes it); NaN and Infinity are not numbers; each is a ``ValidationException``;
- ``BatchExecuteStatement`` takes 1-25 statements; each write statement has its own result:
  ``INSERT`` fails with ``DuplicateItem`` when the key exists; ``UPDATE ... WHERE <key> = ? AND
  <attr> = ?`` fails with ``ConditionalCheckFailed`` when the item is absent or an attribute
  differs (with the item when ``ReturnValuesOnConditionCheckFailure`` is ``ALL_OLD``); a statement
  whose values DynamoDB rejects (a bad number, an item over 400 KB, a key over its size) fails
  with ``ValidationError`` alone, the others still apply. moto's PartiQL copies every table per
  statement and ignores an UPDATE's extra conditions, so the two write shapes the buffer emits are
  run here; any other statement is refused, so nothing passes that was not modelled.
- an item is at most 400 KB (409,600 bytes) counted as DynamoDB documents it: UTF-8 attribute names
  plus values, a number by its significant digits (about one byte per two, plus one), a list or
  map 3 bytes plus 1 per element (moto stops at 405,000 bytes counted its own way).
Kept from moto, which already follows the documentation: keys over their size (partition 2,048
bytes, sort 1,024) are refused on writes, ``BatchGetItem`` takes at most 100 keys and returns
``UnprocessedKeys`` past 16 MB of items.
"""

from __future__ import annotations

import base64
import re
from contextlib import ExitStack
from decimal import Decimal, InvalidOperation
from typing import Any
from unittest import mock

from local.emulator.sqs_messages import significant_digits

MAX_BATCH_STATEMENTS = 25
MAX_NUMBER_DIGITS = 38
MAX_ITEM_BYTES = 400 * 1024
LARGEST_NUMBER = Decimal("9.9999999999999999999999999999999999999E+125")
SMALLEST_NUMBER = Decimal("1E-130")
_TABLE = r'"((?:[^"]|"")+)"'
_INSERT = re.compile(rf"^INSERT INTO {_TABLE} VALUE \{{(.*)\}}$", re.IGNORECASE | re.DOTALL)
_INSERT_FIELD = re.compile(r"^'([^']+)'\s*:\s*\?$")
_UPDATE = re.compile(rf"^UPDATE {_TABLE} ((?:SET \"[^\"]+\" = \? )+)WHERE (.+)$", re.IGNORECASE | re.DOTALL)
_SET = re.compile(r'SET "([^"]+)" = \?', re.IGNORECASE)
_EQUALS = re.compile(r'^"([^"]+)" = \?$')


def _unsupported(message: str) -> Exception:
    """A statement shape the emulator does not model: refused as DynamoDB refuses bad PartiQL."""
    from moto.dynamodb.exceptions import MockValidationException

    return MockValidationException(message)


def parse_statement(
    statement: str, parameters: list[dict[str, Any]]
) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """(kind, table, attributes to write, WHERE equalities) with parameters bound in order."""
    values = iter(parameters)
    if match := _INSERT.match(statement.strip()):
        item: dict[str, Any] = {}
        for part in match.group(2).split(","):
            field = _INSERT_FIELD.match(part.strip())
            if not field:
                raise _unsupported(f"unsupported INSERT field {part.strip()!r}")
            item[field.group(1)] = next(values)
        return "INSERT", match.group(1).replace('""', '"'), item, {}
    if match := _UPDATE.match(statement.strip()):
        updates = {name: next(values) for name in _SET.findall(match.group(2))}
        where: dict[str, Any] = {}
        for part in re.split(r"\s+AND\s+", match.group(3).strip(), flags=re.IGNORECASE):
            equality = _EQUALS.match(part.strip())
            if not equality:
                raise _unsupported(f"unsupported WHERE condition {part.strip()!r}")
            where[equality.group(1)] = next(values)
        return "UPDATE", match.group(1).replace('""', '"'), updates, where
    raise _unsupported(f"the emulator does not model this statement: {statement[:80]!r}")


def batch_execute_statement(backend: Any, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from moto.dynamodb.exceptions import DynamodbException, MockValidationException, ValidationException

    if not 1 <= len(statements) <= MAX_BATCH_STATEMENTS:
        raise MockValidationException(f"Member must have length between 1 and {MAX_BATCH_STATEMENTS}")
    parsed = [parse_statement(s["Statement"], s.get("Parameters", [])) for s in statements]
    responses: list[dict[str, Any]] = []
    for statement, (kind, table_name, attributes, where) in zip(statements, parsed, strict=True):
        try:
            responses.append(_execute(backend, statement, kind, table_name, attributes, where))
        except (DynamodbException, ValidationException) as error:
            message = getattr(error, "message", None) or getattr(error, "exception_msg", None) or str(error)
            responses.append({"TableName": table_name, "Error": {"Code": "ValidationError", "Message": message}})
    return responses


def _execute(
    backend: Any,
    statement: dict[str, Any],
    kind: str,
    table_name: str,
    attributes: dict[str, Any],
    where: dict[str, Any],
) -> dict[str, Any]:
    """One write statement's result (raises DynamoDB's validation errors)."""
    from moto.dynamodb.exceptions import MockValidationException

    table = backend.get_table(table_name)
    hash_key = table.hash_key_attr
    if kind == "INSERT":
        if backend.get_item(table_name, {hash_key: attributes[hash_key]}) is not None:
            return {
                "TableName": table_name,
                "Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"},
            }
        backend.put_item(table_name, attributes)
        return {"TableName": table_name}
    if hash_key not in where:
        raise MockValidationException("Where clause does not contain a mentioned primary key condition")
    current = backend.get_item(table_name, {hash_key: where[hash_key]})
    old = current.to_json()["Attributes"] if current is not None else None
    if old is None or any(old.get(name) != value for name, value in where.items()):
        error: dict[str, Any] = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
        if old is not None and statement.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
            error["Item"] = old
        return {"TableName": table_name, "Error": error}
    backend.put_item(table_name, {**old, **attributes})
    return {"TableName": table_name}


def number_problem(value: str) -> str | None:
    """DynamoDB's ValidationException message for a number it cannot store, if any."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return f"The parameter cannot be converted to a numeric value: {value}"
    if not number.is_finite():
        return f"The parameter cannot be converted to a numeric value: {value}"
    if number == 0:
        return None
    if significant_digits(number) > MAX_NUMBER_DIGITS:
        return "Attempting to store more than 38 significant digits in a Number"
    if number.copy_abs() > LARGEST_NUMBER:
        return "Number overflow. Attempting to store a number with magnitude larger than supported range"
    if number.copy_abs() < SMALLEST_NUMBER:
        return "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    return None


def value_size(kind: str, value: Any) -> int:
    """Bytes DynamoDB counts for one value (its item-size rules: numbers by significant digits, lists and
    maps 3 bytes plus 1 per element)."""
    if kind == "N":
        try:
            return (significant_digits(Decimal(str(value))) + 1) // 2 + 1
        except InvalidOperation:
            return len(str(value))
    if kind == "B":  # moto keeps binary as the base64 text of the wire format; DynamoDB counts raw bytes
        return len(value) if isinstance(value, bytes | bytearray) else len(base64.b64decode(str(value)))
    if kind == "S":
        return len(value) if isinstance(value, bytes | bytearray) else len(str(value).encode("utf-8", "surrogatepass"))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(v.type, v.value) for v in value)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + value_size(v.type, v.value) for k, v in value.items())
    return sum(value_size(kind[0], v) for v in value)  # sets


def item_size(attributes: dict[str, Any]) -> int:
    """Bytes of an item as DynamoDB counts them: each attribute's UTF-8 name plus its value."""
    total = 0
    for name, value in attributes.items():
        kind, inner = (value.type, value.value) if hasattr(value, "type") else ("S", str(value))
        total += len(name.encode()) + value_size(kind, inner)
    return total


def install(stack: ExitStack, state: Any) -> None:
    """Exact number and item-size checks on every write, and the PartiQL batch writes above."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge, MockValidationException
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict
    from moto.dynamodb.models.table import Table

    def set_attribute(item: dict[str, Any], key: str, value: Any) -> None:
        # moto refuses past 405,000 bytes counted its own way; DynamoDB allows 400 KB counted as documented.
        dict.__setitem__(item, key, value)
        if item_size(item) > MAX_ITEM_BYTES:
            dict.__delitem__(item, key)
            raise ItemSizeTooLarge

    original = Table._validate_number_type

    def validate_number(table: Any, value: Any) -> None:
        original(table, value)
        if isinstance(value, str) and (problem := number_problem(value)):
            raise MockValidationException(problem)

    stack.enter_context(mock.patch.object(Table, "_validate_number_type", validate_number))
    stack.enter_context(mock.patch.object(LimitedSizeDict, "__setitem__", set_attribute))
    stack.enter_context(mock.patch.object(DynamoDBBackend, "batch_execute_statement", batch_execute_statement))
