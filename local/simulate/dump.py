"""``simulate --dump-dir DIR``: what the pipelines stored, one file per object or document.

Tools outside the project scan it (for example for card numbers), so the layout is a contract
(docs/local.md):

- ``DIR/s3/<bucket>/<key>``: every current object of every bucket the run created, every prefix
  (error and processing-failed prefixes included), as stored (compressed if Firehose compressed it);
- ``DIR/analytics/<delivery stream>/<n>.json``: every document the OpenSearch destination indexed,
  in delivery order, numbered from 1.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any


class DumpError(OSError):
    """The dump directory cannot be written."""


def _safe_key(key: str) -> Path:
    """An S3 key as a relative path that stays inside its bucket's folder (``..`` and empty parts escaped)."""
    parts = [p if p not in ("", ".", "..") else f"%{p or 'empty'}" for p in PurePosixPath(key).parts]
    if key.endswith("/"):
        parts.append("%folder")
    return Path(*parts) if parts else Path("%empty")


def write_dump(directory: Path, s3: Any, firehose: Any) -> dict[str, int]:
    """Write every stored object and indexed document under ``directory``; return the counts."""
    objects = documents = 0
    try:
        for bucket in s3.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
                for entry in page.get("Contents", []):
                    target = directory / "s3" / name / _safe_key(entry["Key"])
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(s3.get_object(Bucket=name, Key=entry["Key"])["Body"].read())
                    objects += 1
        for stream, info in firehose.streams.items():
            if info.destination != "opensearch":
                continue
            folder = directory / "analytics" / stream
            folder.mkdir(parents=True, exist_ok=True)
            for number, doc in enumerate(firehose.accepted.get(stream, []), start=1):
                (folder / f"{number}.json").write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
                documents += 1
    except OSError as error:
        raise DumpError(f"cannot write the dump to {directory}: {error}") from error
    return {"objects": objects, "documents": documents}
