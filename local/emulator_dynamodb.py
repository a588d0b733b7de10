"""TransactWriteItems for the emulator: check every condition first, then write.

moto snapshots whole tables with ``deepcopy`` before each transaction so it can roll back; that
makes a transaction cost grow with the table, and an hour-long scenario quadratic. DynamoDB's
semantics are simpler to reproduce directly: all conditions are evaluated against the state
before the transaction, and either every write is applied or none.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)


def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    planned: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table = backend.get_table(op["TableName"])
        if op_type == "Put":
            key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = op["Item"][table.range_key_attr]
        else:
            key = op["Key"]
        marker = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if marker in seen:
            raise MultipleTransactionsException()
        seen.add(marker)
        condition = op.get("ConditionExpression")
        if condition is not None:
            current = backend.get_item(op["TableName"], key)
            check = get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            )
            if not check.expr(current):
                errors.append(("ConditionalCheckFailed", ConditionalCheckFailed().message, None))
                continue
        errors.append((None, None, None))
        planned.append((op_type, op, key))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)
    for op_type, op, key in planned:
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        if op_type == "Put":
            backend.put_item(op["TableName"], op["Item"])
        elif op_type == "Delete":
            backend.delete_item(op["TableName"], key)
        elif op_type == "Update":
            backend.update_item(
                op["TableName"],
                key,
                update_expression=op["UpdateExpression"],
                expression_attribute_names=names,
                expression_attribute_values=values,
            )
