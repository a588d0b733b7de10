"""Where the search domain and Firehose's delivery to it live, and the network settings AWS refuses.

A created domain is in a VPC unless ``publicAccess`` says otherwise: in the subnets and security groups
given, or in a VPC the stack creates. OpenSearch places a domain's nodes in exactly one subnet per
Availability Zone it uses (1, 2 or 3; "Launching your Amazon OpenSearch Service domains within a VPC",
https://docs.aws.amazon.com/opensearch-service/latest/developerguide/vpc.html), and Firehose delivers
to a VPC domain through ENIs in the subnets and security groups of its ``VpcConfiguration``
(botocore firehose ``VpcConfiguration``: 1 to 16 subnets, 1 to 5 security groups).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Protocol

SUBNET_ID = re.compile(r"subnet-[0-9a-f]{8,17}")
SECURITY_GROUP_ID = re.compile(r"sg-[0-9a-f]{8,17}")
MAX_SECURITY_GROUPS = 5  # botocore firehose VpcConfiguration.SecurityGroupIds: max 5
SUBNET_PREFIX_EXTRA_BITS = 4  # the created VPC is split in 16 equal subnets, one per zone used
PRIVATE_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


class NetworkSettings(Protocol):
    """The settings read here, named as the config keys are."""

    @property
    def enabled(self) -> bool: ...
    @property
    def domainArn(self) -> str | None: ...  # noqa: N802
    @property
    def instanceCount(self) -> int: ...  # noqa: N802
    @property
    def publicAccess(self) -> bool: ...  # noqa: N802
    @property
    def subnetIds(self) -> list[str]: ...  # noqa: N802
    @property
    def securityGroupIds(self) -> list[str]: ...  # noqa: N802
    @property
    def vpcCidr(self) -> str: ...  # noqa: N802


def domain_zones(instance_count: int) -> int:
    """Availability Zones of a created domain: zone awareness over 3 for a multiple of 3 nodes, else 2."""
    if instance_count <= 1:
        return 1
    return 3 if instance_count % 3 == 0 else 2


def subnet_cidrs(vpc_cidr: str, zones: int) -> list[str]:
    """The created VPC's private subnets, one per zone, each 1/16 of the range."""
    network = ipaddress.ip_network(vpc_cidr)
    return [str(s) for s in list(network.subnets(prefixlen_diff=SUBNET_PREFIX_EXTRA_BITS))[:zones]]


def _vpc_cidr_problems(key: str, cidr: Any) -> list[str]:
    allowed = "allowed: a private (RFC 1918) IPv4 range from /16 to /24, e.g. 10.80.0.0/16"
    try:
        network = ipaddress.ip_network(str(cidr))
    except ValueError:
        return [f"{key}.vpcCidr: got {cidr!r}; {allowed}"]
    private = network.version == 4 and any(network.subnet_of(r) for r in PRIVATE_RANGES)  # type: ignore[arg-type]
    if not private or not 16 <= network.prefixlen <= 24:
        return [f"{key}.vpcCidr: got {cidr}; {allowed}"]
    return []


def _ids_problems(key: str, name: str, ids: list[Any], pattern: re.Pattern[str], example: str) -> list[str]:
    bad = [i for i in ids if not isinstance(i, str) or not pattern.fullmatch(i)]
    if bad:
        return [f"{key}.{name}: got {bad[0]!r}; allowed: IDs like {example}"]
    if len(set(ids)) != len(ids):
        return [f"{key}.{name}: got {ids}; allowed: each ID once"]
    return []


def check_search_network(key: str, section: NetworkSettings) -> list[str]:
    """The combinations that would leave the domain public by accident or that AWS refuses."""
    subnets, groups = list(section.subnetIds), list(section.securityGroupIds)
    if section.publicAccess:
        if subnets or groups:
            return [f"{key}.publicAccess: got true with subnetIds/securityGroupIds; allowed: one of the two"]
        return []
    problems = _ids_problems(key, "subnetIds", subnets, SUBNET_ID, "subnet-0123456789abcdef0")
    problems += _ids_problems(key, "securityGroupIds", groups, SECURITY_GROUP_ID, "sg-0123456789abcdef0")
    if subnets and not groups:
        problems.append(f"{key}.securityGroupIds: required with subnetIds (1 to {MAX_SECURITY_GROUPS} groups)")
    if groups and not subnets:
        problems.append(f"{key}.subnetIds: required with securityGroupIds")
    if len(groups) > MAX_SECURITY_GROUPS:
        problems.append(f"{key}.securityGroupIds: got {len(groups)}; allowed: at most {MAX_SECURITY_GROUPS}")
    if section.domainArn:
        if section.enabled and not subnets:
            problems.append(
                f"{key}.subnetIds: required for an existing domain (the subnets and securityGroupIds Firehose "
                "delivers through, in the domain's VPC); for a domain with a public endpoint set publicAccess: true"
            )
        return problems
    zones = domain_zones(section.instanceCount)
    if subnets and len(subnets) != zones:
        problems.append(
            f"{key}.subnetIds: got {len(subnets)}; allowed: exactly {zones} (one per Availability Zone of a "
            f"{section.instanceCount}-node domain), each in a different zone"
        )
    if not subnets:
        problems += _vpc_cidr_problems(key, section.vpcCidr)
    return problems
