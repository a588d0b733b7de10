"""Property values in the engine's wire format, and the views the capture derives from it.

The engine (and CrossGuard) see a resource's inputs as a protobuf ``Struct`` in which unknowns are a
sentinel string and assets, archives, secrets and resource references are objects tagged with a
signature key. The capture keeps that form (``wire``) and derives from it what the mocks need (secrets
unwrapped, references downgraded to an id or URN, as the engine hands them to a provider that does
not take references) and what ``plan --json`` prints (secrets never shown).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2

SIG = "4dabf18193072939515e22adb298388d"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
REDACTED = "[secret]"


def _integral(value: Any) -> Any:
    """Whole-number floats back to ints (protobuf carries every number as a double)."""
    if isinstance(value, dict):
        return {k: _integral(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(_integral(json_format.MessageToDict(struct)))


def to_struct(value: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def signature(value: Any) -> str | None:
    return value.get(SIG) if isinstance(value, dict) else None


def downgrade_references(value: Any) -> Any:
    """Resource references become the resource's id (custom) or URN (component), as the engine sends them."""
    sig = signature(value)
    if sig == RESOURCE_SIG:
        if "id" in value:
            ident = value.get("id")
            return ident if isinstance(ident, str) and ident and ident != UNKNOWN else UNKNOWN
        return value.get("urn", UNKNOWN)
    if sig == OUTPUT_SIG:
        if "value" not in value:
            return UNKNOWN
        inner = downgrade_references(value["value"])
        return {SIG: SECRET_SIG, "value": inner} if value.get("secret") else inner
    if isinstance(value, dict):
        return {k: downgrade_references(v) for k, v in value.items()}
    if isinstance(value, list):
        return [downgrade_references(v) for v in value]
    return value


def unwrap_secrets(value: Any) -> Any:
    if signature(value) == SECRET_SIG:
        return unwrap_secrets(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def is_secret(value: Any) -> bool:
    return signature(value) == SECRET_SIG


def contains_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def redacted(value: Any) -> Any:
    """The wire value with every secret's plaintext replaced by ``[secret]`` (safe to print)."""
    if is_secret(value):
        return {SIG: SECRET_SIG, "value": REDACTED}
    if isinstance(value, dict):
        return {k: redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def _path(path: Any, base: Path | None) -> Any:
    if base is None or not isinstance(path, str):
        return path
    return str((base / path).resolve()) if not Path(path).is_absolute() else path


def plain(value: Any, base: Path | None = None) -> Any:
    """The Python view the repository's own code reads: secrets unwrapped, assets as small dicts.

    File assets and archives become ``{"path"|"archive": <absolute path>}`` (resolved against the
    program's directory, where the engine resolves them), text assets ``{"text": ...}``, remote ones
    ``{"uri": ...}`` and asset archives ``{"assets": {...}}``. Unknowns stay the sentinel string.
    """
    sig = signature(value)
    if sig == SECRET_SIG:
        return plain(value.get("value"), base)
    if sig == ASSET_SIG:
        if "path" in value:
            return {"path": _path(value["path"], base)}
        if "text" in value:
            return {"text": value["text"]}
        return {"uri": value.get("uri")}
    if sig == ARCHIVE_SIG:
        if "assets" in value:
            return {"assets": {k: plain(v, base) for k, v in value["assets"].items()}}
        if "path" in value:
            return {"archive": _path(value["path"], base)}
        return {"uri": value.get("uri")}
    if isinstance(value, dict):
        return {k: plain(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, base) for v in value]
    return value
