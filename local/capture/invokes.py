"""Invokes (data sources) answered the way the provider answers them, or left unknown.

Only what the AWS provider computes without calling AWS is answered: ``iam.get_policy_document``
(built as the provider builds it), ``get_partition`` and ``get_region`` (from the stack's region).
The EC2 lookups of ``account_lookups`` (availability zones, AMIs, the default VPC and its
subnets) and ``get_caller_identity`` are answered from the emulator's account, at preview too (a real
preview answers them from AWS). Everything else (hosted zones, topics, organization reads, ECR tokens,
...) needs an account that has them: its result is unknown, as a value not yet known during a first
preview (and a synchronous call of it is refused, naming it).
"""

from __future__ import annotations

from typing import Any

from local.account import ACCOUNT_ID
from local.capture.account_lookups import LOOKUPS
from local.capture.aws_outputs import suffix
from local.capture.policy_document import policy_document

UNANSWERED = object()  # the invoke's result is unknown offline
CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"
ACCOUNT_ANSWERS = {*LOOKUPS, CALLER_IDENTITY}  # invokes answered from the emulator's account (noted as such)

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)",
    "eu-central-1": "Europe (Frankfurt)",
    "eu-north-1": "Europe (Stockholm)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ca-central-1": "Canada (Central)",
    "sa-east-1": "South America (Sao Paulo)",
}


def partition_of(region: str) -> dict[str, str]:
    """The partition a region belongs to, with its DNS suffix (as the provider's partition table has it)."""
    if region.startswith("cn-"):
        return {"partition": "aws-cn", "dnsSuffix": "amazonaws.com.cn", "reverseDnsPrefix": "cn.com.amazonaws"}
    if region.startswith("us-gov-"):
        return {"partition": "aws-us-gov", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}
    if region.startswith("us-iso-"):
        return {"partition": "aws-iso", "dnsSuffix": "c2s.ic.gov", "reverseDnsPrefix": "gov.ic.c2s"}
    if region.startswith("us-isob-"):
        return {"partition": "aws-iso-b", "dnsSuffix": "sc2s.sgov.gov", "reverseDnsPrefix": "gov.sgov.sc2s"}
    return {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}


def answer(token: str, args: dict[str, Any], region: str | None, deployed: bool) -> Any:
    """The invoke's result, or ``UNANSWERED``. ``region`` is the provider's region (None: not set)."""
    if token == "aws:iam/getPolicyDocument:getPolicyDocument":
        return policy_document(args)
    if token == "aws:index/getPartition:getPartition":
        if region is None:
            return UNANSWERED
        part = partition_of(region)
        return {**part, "id": part["partition"]}
    if token == "aws:index/getRegion:getRegion":
        wanted = args.get("region") or args.get("name") or region
        if not wanted:
            return UNANSWERED
        dns = partition_of(wanted)["dnsSuffix"]
        return {
            "name": wanted,
            "region": wanted,
            "id": wanted,
            "description": REGION_NAMES.get(wanted, wanted),
            "endpoint": f"ec2.{wanted}.{dns}",
        }
    if token == CALLER_IDENTITY:  # the credentials' account, which a preview asks AWS for too
        partition = partition_of(region or "us-east-1")["partition"]
        return {
            "accountId": ACCOUNT_ID,
            "arn": f"arn:{partition}:iam::{ACCOUNT_ID}:user/offline",
            "userId": "AIDAOFFLINE",
            "id": ACCOUNT_ID,
        }
    if token in LOOKUPS:
        return UNANSWERED if region is None else LOOKUPS[token](args, region)
    if token == "aws:opensearch/getDomain:getDomain" and deployed and region:
        name = str(args.get("domainName") or "domain")
        return {
            "domainName": name,
            "arn": f"arn:aws:es:{region}:{ACCOUNT_ID}:domain/{name}",
            "endpoint": f"search-{name}-{suffix(name)}.{region}.es.amazonaws.com",
            "domainId": f"{ACCOUNT_ID}/{name}",
            "id": name,
        }
    return UNANSWERED
