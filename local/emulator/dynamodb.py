"""The buffer's PartiQL batch writes, done by the emulator itself.

moto's PartiQL copies every table for each statement and does not evaluate an UPDATE's extra
WHERE conditions. ``batch_execute_statement`` runs the two write shapes the buffer emits, with
DynamoDB's documented per-statement results: ``INSERT`` fails with ``DuplicateItem`` when the key
exists; ``UPDATE ... WHERE <key> = ? AND <attr> = ?`` fails with ``ConditionalCheckFailed`` when
the item is absent or an attribute differs (with the item when ``ReturnValuesOnConditionCheckFailure``
is ``ALL_OLD``). Any other statement is refused, so nothing passes here that was not modelled.
"""

from __future__ import annotations

import re
from typing import Any

MAX_BATCH_STATEMENTS = 25
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
    from moto.dynamodb.exceptions import MockValidationException

    if not 1 <= len(statements) <= MAX_BATCH_STATEMENTS:
        raise MockValidationException(f"Member must have length between 1 and {MAX_BATCH_STATEMENTS}")
    parsed = [parse_statement(s["Statement"], s.get("Parameters", [])) for s in statements]
    responses: list[dict[str, Any]] = []
    for statement, (kind, table_name, attributes, where) in zip(statements, parsed, strict=True):
        table = backend.get_table(table_name)
        hash_key = table.hash_key_attr
        if kind == "INSERT":
            key = {hash_key: attributes[hash_key]}
            if backend.get_item(table_name, key) is not None:
                responses.append(
                    {
                        "TableName": table_name,
                        "Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"},
                    }
                )
                continue
            backend.put_item(table_name, attributes)
            responses.append({"TableName": table_name})
            continue
        if hash_key not in where:
            raise MockValidationException("Where clause does not contain a mentioned primary key condition")
        key = {hash_key: where[hash_key]}
        current = backend.get_item(table_name, key)
        old = current.to_json()["Attributes"] if current is not None else None
        if old is None or any(old.get(name) != value for name, value in where.items()):
            error: dict[str, Any] = {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
            if old is not None and statement.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
                error["Item"] = old
            responses.append({"TableName": table_name, "Error": error})
            continue
        backend.put_item(table_name, {**old, **attributes})
        responses.append({"TableName": table_name})
    return responses
