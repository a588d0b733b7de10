"""A data node type's gp3 volume range as OpenSearch Service itself reports it.

``eventfork/opensearch_instances.py`` holds the EBS size quotas AWS documents, which leave out the
Graviton3 and later families. At deploy time the program asks the service for the type's limits
(``DescribeInstanceTypeLimits``: botocore's opensearch model, ``GET
/2021-01-01/opensearch/instanceTypeLimits/{EngineVersion}/{InstanceType}``; ``LimitsByRole``, where
``data`` refers to data nodes; each ``StorageType`` has a ``StorageTypeName`` (``ebs``), a
``StorageSubTypeName`` such as ``gp3`` and ``StorageTypeLimits`` whose ``MinimumVolumeSize`` and
``MaximumVolumeSize`` are the size range, see
https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_StorageTypeLimit.html), so
every type, including those the documentation does not list, is judged as the service will judge it.
Pure: the call itself is passed in (``describe``), made by the program's edge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LIMITS_API_URL = (
    "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_DescribeInstanceTypeLimits.html"
)
# Errors that say the request itself was refused: the type, the engine or their pair is not offered.
REFUSALS = ("ValidationException", "InvalidTypeException", "ResourceNotFoundException")


class LimitsUnavailableError(Exception):
    """The service could not be asked (no credentials, no permission, no network): nothing was judged."""


def gp3_volume_range(response: dict[str, Any]) -> tuple[int, int] | None:
    """(minimum, maximum) GiB of a gp3 volume on a data node, or None when the service lists no gp3 range."""
    for storage in response.get("LimitsByRole", {}).get("data", {}).get("StorageTypes", []):
        if storage.get("StorageTypeName") != "ebs" or storage.get("StorageSubTypeName") != "gp3":
            continue
        limits = {item.get("LimitName"): item.get("LimitValues") or [] for item in storage.get("StorageTypeLimits", [])}
        low, high = limits.get("MinimumVolumeSize"), limits.get("MaximumVolumeSize")
        if low and high:
            return int(low[0]), int(high[0])
    return None


def confirm_volume(
    key: str, instance_type: str, engine_version: str, volume_gb: int, describe: Callable[..., dict[str, Any]]
) -> list[str]:
    """Problems with ``volumeSizeGb`` on ``instanceType`` by the service's own limits.

    ``describe`` is an opensearch client's ``describe_instance_type_limits``. A refusal of the request
    is a config problem; any other failure raises ``LimitsUnavailableError`` with one line saying why."""
    try:
        response = describe(InstanceType=instance_type, EngineVersion=engine_version)
    except Exception as error:  # noqa: BLE001 - botocore's errors are classified by their code, below
        code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
        message = getattr(error, "response", {}).get("Error", {}).get("Message", "") or str(error)
        if code in REFUSALS:
            return [
                f"{key}.instanceType: got {instance_type} with engineVersion {engine_version}; OpenSearch Service "
                f"refused it ({code}: {message}); allowed: a type the service offers for that engine"
            ]
        raise LimitsUnavailableError(f"{type(error).__name__}: {message}") from error
    limits = gp3_volume_range(response)
    if limits is None:
        return [
            f"{key}.instanceType: got {instance_type}; OpenSearch Service reports no gp3 EBS volume range for it "
            f"with {engine_version}; allowed: a type with gp3 volumes (the domain always uses gp3), "
            "e.g. r7g.large.search"
        ]
    low, high = limits
    if not low <= volume_gb <= high:
        return [
            f"{key}.volumeSizeGb: got {volume_gb} with instanceType {instance_type}; allowed: {low} to {high} "
            f"(gp3, as OpenSearch Service reports for {engine_version}: {LIMITS_API_URL})"
        ]
    return []
