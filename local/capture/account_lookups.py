"""Synchronous AWS lookups answered from the emulator's account, as ``pulumi up`` into it would answer them.

The account is moto's EC2 model of a fresh account in the stack's region: its availability zones,
the public AMIs moto ships, the default VPC (172.31.0.0/16) and one default subnet per zone. moto's
id generator is seeded, so the same lookup gets the same ids on every run. A lookup the account has
no answer for fails as the provider fails ("no matching ... found"), naming what the program asked for.
"""

from __future__ import annotations

import threading
from typing import Any

from local.account import ACCOUNT_ID

SEED = 24
_LOCK = threading.Lock()
_BACKENDS: dict[str, Any] = {}


class LookupFailedError(Exception):
    """The account has no answer for a lookup (as the provider fails when AWS returns nothing)."""


def _ec2(region: str) -> Any:
    """A fresh moto EC2 backend for the emulator's account in ``region``, built with seeded ids."""
    with _LOCK:
        if region not in _BACKENDS:
            from moto.ec2.models import EC2Backend
            from moto.moto_api._internal import mock_random

            state = mock_random.getstate()
            mock_random.seed(SEED)
            try:
                _BACKENDS[region] = EC2Backend(region, ACCOUNT_ID)
            finally:
                mock_random.setstate(state)
        return _BACKENDS[region]


def _filters(args: dict[str, Any]) -> dict[str, list[str]]:
    return {str(f["name"]): [str(v) for v in f.get("values") or []] for f in args.get("filters") or []}


def _tags(tags: dict[str, Any] | None) -> dict[str, list[str]]:
    return {f"tag:{k}": [str(v)] for k, v in (tags or {}).items()}


def availability_zones(args: dict[str, Any], region: str) -> dict[str, Any]:
    zones = list(_ec2(region).describe_availability_zones())
    if args.get("excludeNames"):
        zones = [z for z in zones if z.name not in args["excludeNames"]]
    if args.get("excludeZoneIds"):
        zones = [z for z in zones if z.zone_id not in args["excludeZoneIds"]]
    if args.get("state") not in (None, "", "available"):
        zones = []
    return {
        "id": region,
        "names": [z.name for z in zones],
        "zoneIds": [z.zone_id for z in zones],
        "groupNames": [region for _ in zones],
        **{k: args[k] for k in ("state", "allAvailabilityZones", "excludeNames", "excludeZoneIds") if k in args},
    }


def ami(args: dict[str, Any], region: str) -> dict[str, Any]:
    filters = _filters(args)
    images = list(_ec2(region).describe_images(owners=args.get("owners") or None, filters=filters or None))
    if args.get("nameRegex"):
        import re

        pattern = re.compile(str(args["nameRegex"]))
        images = [i for i in images if pattern.search(i.name or "")]
    if not images:
        raise LookupFailedError(
            "Your query returned no results. Please change your search criteria and try again "
            f"(the emulator's account in {region} has moto's public AMIs only)"
        )
    if len(images) > 1 and not args.get("mostRecent"):
        raise LookupFailedError(
            "Your query returned more than one result. Please try a more specific search criteria, "
            "or set `most_recent` attribute to true."
        )
    image = max(images, key=lambda i: (i.name or "", i.id))  # moto's images share a creation time; names carry dates
    return {
        "id": image.id,
        "imageId": image.id,
        "name": image.name,
        "ownerId": image.owner_id,
        "architecture": image.architecture,
        "description": image.description or "",
        "rootDeviceName": image.root_device_name,
        "rootDeviceType": image.root_device_type,
        "virtualizationType": image.virtualization_type,
        "platform": image.platform or "",
        "public": True,
        "state": image.state,
        "mostRecent": bool(args.get("mostRecent")),
        "owners": list(args.get("owners") or []),
    }


def vpc(args: dict[str, Any], region: str) -> dict[str, Any]:
    filters = {**_filters(args), **_tags(args.get("tags"))}
    if args.get("default") is not None:
        filters["isDefault"] = ["true" if args["default"] else "false"]
    if args.get("id"):
        filters["vpc-id"] = [str(args["id"])]
    if args.get("cidrBlock"):
        filters["cidr"] = [str(args["cidrBlock"])]
    found = list(_ec2(region).describe_vpcs(filters=filters))
    if len(found) != 1:
        raise LookupFailedError(
            f"{'no matching EC2 VPC found' if not found else 'multiple EC2 VPCs matched'} "
            f"(the emulator's account in {region} has its default VPC only)"
        )
    v = found[0]
    return {
        "id": v.id,
        "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:vpc/{v.id}",
        "cidrBlock": v.cidr_block,
        "default": v.is_default,
        "state": "available",
        "ownerId": ACCOUNT_ID,
        "instanceTenancy": "default",
        "enableDnsSupport": True,
        "enableDnsHostnames": bool(v.is_default),
        "mainRouteTableId": "",
        "tags": {},
    }


def subnets(args: dict[str, Any], region: str) -> dict[str, Any]:
    filters = {**_filters(args), **_tags(args.get("tags"))}
    if args.get("vpcId"):
        filters["vpc-id"] = [str(args["vpcId"])]
    found = sorted(_ec2(region).describe_subnets(filters=filters), key=lambda s: s.availability_zone)
    return {"id": region, "ids": [s.id for s in found], **{k: args[k] for k in ("filters", "tags") if k in args}}


def subnet(args: dict[str, Any], region: str) -> dict[str, Any]:
    filters = {**_filters(args), **_tags(args.get("tags"))}
    for key, name in (("id", "subnet-id"), ("vpcId", "vpc-id"), ("availabilityZone", "availability-zone")):
        if args.get(key):
            filters[name] = [str(args[key])]
    if args.get("defaultForAz") is not None:
        filters["default-for-az"] = ["true" if args["defaultForAz"] else "false"]
    found = list(_ec2(region).describe_subnets(filters=filters))
    if len(found) != 1:
        raise LookupFailedError(
            f"{'no matching EC2 Subnet found' if not found else 'multiple EC2 Subnets matched'} "
            f"(the emulator's account in {region} has its default subnets only)"
        )
    s = found[0]
    return {
        "id": s.id,
        "arn": f"arn:aws:ec2:{region}:{ACCOUNT_ID}:subnet/{s.id}",
        "vpcId": s.vpc_id,
        "cidrBlock": s.cidr_block,
        "availabilityZone": s.availability_zone,
        "availabilityZoneId": s.availability_zone_id,
        "defaultForAz": bool(s.default_for_az),
        "mapPublicIpOnLaunch": bool(s.map_public_ip_on_launch),
        "ownerId": ACCOUNT_ID,
        "state": "available",
        "tags": {},
    }


LOOKUPS = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": availability_zones,
    "aws:ec2/getAmi:getAmi": ami,
    "aws:index/getAmi:getAmi": ami,  # pulumi-aws <= 5: aws.get_ami, deprecated for aws.ec2.get_ami (same data source)
    "aws:ec2/getVpc:getVpc": vpc,
    "aws:ec2/getSubnets:getSubnets": subnets,
    "aws:ec2/getSubnetIds:getSubnetIds": subnets,
    "aws:ec2/getSubnet:getSubnet": subnet,
}
