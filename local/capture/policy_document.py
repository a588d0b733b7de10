"""``aws.iam.get_policy_document``: the JSON the AWS provider builds, computed without calling AWS.

The provider's data source (terraform-provider-aws ``aws_iam_policy_document``) needs no credentials:
it merges ``sourcePolicyDocuments``, the statements and ``overridePolicyDocuments`` (a statement with
the Sid of an earlier one replaces it), writes a single value as a string and several values sorted in
reverse, maps principals and conditions to objects with sorted keys, and prints the result the way Go's
``json.MarshalIndent(doc, "", "  ")`` does (``&``, ``<``, ``>`` escaped). The id is the CRC-32 of the JSON.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
)


class PolicyDocumentError(ValueError):
    """The provider would reject the arguments (it reports the same problems)."""


def _strings(values: list[Any]) -> Any:
    """One value as a string, several deduplicated (a set in the provider) and sorted in reverse."""
    unique = sorted({str(v) for v in values}, reverse=True)
    return unique[0] if len(unique) == 1 else unique


def _replace_vars(value: Any, version: str) -> Any:
    items = value if isinstance(value, list) else [value]
    if version == "2008-10-17" and any("&{" in item for item in items):
        raise PolicyDocumentError("found &{ sequence, which is not supported in document version 2008-10-17")
    replaced = [item.replace("&{", "${") for item in items]
    return replaced if isinstance(value, list) else replaced[0]


def _principals(blocks: list[dict[str, Any]], version: str) -> Any:
    entries = [(str(b.get("type")), _replace_vars(_strings(list(b.get("identifiers") or [])), version)) for b in blocks]
    if len(entries) == 1 and entries[0] == ("*", "*"):
        return "*"
    merged: dict[str, Any] = {}
    for kind, identifiers in entries:
        current = merged.get(kind)
        if isinstance(identifiers, list):
            merged[kind] = ([] if current is None else [current] if isinstance(current, str) else current) + identifiers
        elif current is None:
            merged[kind] = identifiers
        else:
            merged[kind] = ([current] if isinstance(current, str) else current) + [identifiers]
    return {k: merged[k] for k in sorted(merged)}


def _conditions(blocks: list[dict[str, Any]], version: str) -> dict[str, Any]:
    merged: dict[str, dict[str, list[str]]] = {}
    for block in blocks:
        values = _replace_vars([str(v) for v in block.get("values") or []], version)
        merged.setdefault(str(block.get("test")), {}).setdefault(str(block.get("variable")), []).extend(values)
    return {
        test: {var: (vals[0] if len(vals) == 1 else vals) for var, vals in sorted(variables.items())}
        for test, variables in sorted(merged.items())
    }


def _statement(block: dict[str, Any], version: str) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": block.get("sid") or "", "Effect": block.get("effect") or "Allow"}
    for key, arg in (("Action", "actions"), ("NotAction", "notActions")):
        if block.get(arg):
            statement[key] = _strings(block[arg])
    for key, arg in (("Resource", "resources"), ("NotResource", "notResources")):
        if block.get(arg):
            statement[key] = _replace_vars(_strings(block[arg]), version)
    for key, arg in (("Principal", "principals"), ("NotPrincipal", "notPrincipals")):
        if block.get(arg):
            statement[key] = _principals(block[arg], version)
    if block.get("conditions"):
        statement["Condition"] = _conditions(block["conditions"], version)
    return statement


def _merge(into: dict[str, Any], doc: dict[str, Any]) -> None:
    if doc.get("Id"):
        into["Id"] = doc["Id"]
    if str(doc.get("Version") or "") > str(into.get("Version") or ""):
        into["Version"] = doc["Version"]
    statements = into.setdefault("Statement", [])
    for new in doc.get("Statement") or []:
        sid = new.get("Sid") or ""
        match = next((i for i, old in enumerate(statements) if sid and old.get("Sid") == sid), None)
        if match is None:
            statements.append(new)
        else:
            statements[match] = new


def _parsed(text: str, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError as error:
        raise PolicyDocumentError(f"{what} is not valid JSON: {error}") from None
    statements = doc.get("Statement") or []
    doc["Statement"] = statements if isinstance(statements, list) else [statements]
    return dict(doc)


def _ordered(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("Version", "Id"):
        if doc.get(key):
            out[key] = doc[key]
    statements = [
        {k: s[k] for k in STATEMENT_KEYS if s.get(k) not in (None, "", [], {})} for s in doc.get("Statement") or []
    ]
    if statements:
        out["Statement"] = statements
    return out


def _go_json(value: Any, indent: int | None) -> str:
    separators = (",", ": ") if indent else (",", ":")
    text = json.dumps(value, indent=indent, separators=separators, ensure_ascii=False)
    for char, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def policy_document(args: dict[str, Any]) -> dict[str, Any]:
    """The invoke result (``json``, ``minifiedJson``, ``id`` and the arguments) for ``args`` (camelCase)."""
    version = str(args.get("version") or "2012-10-17")
    if version not in ("2008-10-17", "2012-10-17"):
        raise PolicyDocumentError(f"version must be 2008-10-17 or 2012-10-17, got {version!r}")
    merged: dict[str, Any] = {}
    seen: set[str] = set()
    for index, source in enumerate(args.get("sourcePolicyDocuments") or []):
        doc = _parsed(source, f"source policy document {index}")
        for statement in doc["Statement"]:
            sid = statement.get("Sid") or ""
            if sid and sid in seen:
                raise PolicyDocumentError(f"duplicate Sid ({sid}) in source_policy_documents")
            seen.add(sid)
        _merge(merged, doc)
    statements = []
    sids: set[str] = set()
    for block in args.get("statements") or []:
        sid = block.get("sid") or ""
        if sid and sid in sids:
            raise PolicyDocumentError(f"duplicate Sid ({sid}): remove the Sid or make it unique")
        sids.add(sid)
        statements.append(_statement(block, version))
    own: dict[str, Any] = {"Version": version, "Statement": statements}
    if args.get("policyId"):
        own["Id"] = args["policyId"]
    _merge(merged, own)
    for index, override in enumerate(args.get("overridePolicyDocuments") or []):
        _merge(merged, _parsed(override, f"override policy document {index}"))
    document = _ordered(merged)
    text = _go_json(document, indent=2)
    return {
        **args,
        "version": version,
        "json": text,
        "minifiedJson": _go_json(document, indent=None),
        "id": str(zlib.crc32(text.encode())),
    }
