"""Instance types Amazon OpenSearch Service offers, their gp3 EBS size range and the features they lack.

Data, not logic: ``service_rules.check_search_nodes`` judges ``eventfork:analytics`` against it.

Sources:
- https://docs.aws.amazon.com/opensearch-service/latest/developerguide/supported-instance-types.html
  (families, sizes, restrictions). Read here from the awsdocs copy of the developer guide
  (github.com/awsdocs/amazon-opensearch-service-developer-guide, doc_source/supported-instance-types.md and
  aes-supported-instance-types.md), which predates the Graviton3 and later families.
- https://docs.aws.amazon.com/opensearch-service/latest/developerguide/limits.html#ebsresource
  ("EBS volume size quotas": minimum and maximum gp2/gp3 size per type; "N/A" under gp3 means no gp3),
  and #clusterresource (T2/T3 dedicated masters only with 10 or fewer data nodes); same awsdocs copy.
- botocore's opensearch model, enum ``OpenSearchPartitionInstanceType`` (103 values in botocore 1.44):
  it has no r7g, m7g, c7g, r7gd, im4gn or later families, and it lists t3.nano/micro/large/xlarge/2xlarge,
  m5.24xlarge, r5.24xlarge, d2 and t4g, which the supported-instance-types page does not list, so those are
  not allowed here (nor ultrawarm1, warm nodes only).
- Families newer than that copy: AWS's current page names OR1 and Im4gn in its family table, and the AWS
  CDK's domain validation, which cites the page, lists the instance-storage-only families I3, R6GD, I4G,
  I4I, I8G, IM4GN, R7GD, R8GD and OI2. The other LATER families (r7g, m7g, c7g, r8g, m8g, c8g, r7i, m7i,
  c7i, or2, om2) and every newer family's sizes follow the AWS Price List (service AmazonES) as copied in
  public price tables, and AWS's pricing page names m7g.medium.search. Not confirmed from an AWS page
  here: the EBS size limits of those families, so at parse time only the schema's 10..16384 GiB applies
  to them (at deploy time the program asks the service itself: ``opensearch_limits``), and whether i7i
  and i8ge (in the price list) take EBS, so they are left out.
Encryption at rest (also node-to-node encryption and fine-grained access control, which the domain
always turns on): "The M3 instance types do not support encryption of data at rest, fine-grained access
control ...", "The R3 instance types do not support encryption of data at rest or fine-grained access
control", and T2 likewise (supported-instance-types page; the AWS CDK refuses M3, R3 and T2 with
encryption at rest for the same reason). Audit logs need fine-grained access control, so they follow.
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED_TYPES_URL = (
    "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/supported-instance-types.html"
)
EBS_QUOTAS_URL = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/limits.html#ebsresource"
TIB = 1024


@dataclass(frozen=True)
class InstanceType:
    """One ``<family>.<size>.search`` type. ``gp3_max_gb`` None: no confirmed limit (schema range only)."""

    name: str
    family: str
    ebs: bool = True  # False: instance storage only ("do not support EBS storage volumes")
    gp3: bool = True  # False: the quotas table lists no gp3 maximum ("N/A")
    gp3_min_gb: int = 10
    gp3_max_gb: int | None = None
    encryption: bool = True  # encryption at rest, node-to-node encryption, fine-grained access control


# family: {size: gp3 maximum in GiB} from the EBS volume size quotas table (minimum 10 GiB for all).
EBS_GP3 = {
    "t3": {"small": 100, "medium": 200},
    "m5": {"large": TIB, "xlarge": 2 * TIB, "2xlarge": 3 * TIB, "4xlarge": 6 * TIB, "12xlarge": 18 * TIB},
    "m6g": {
        "large": TIB,
        "xlarge": 2 * TIB,
        "2xlarge": 3 * TIB,
        "4xlarge": 6 * TIB,
        "8xlarge": 12 * TIB,
        "12xlarge": 18 * TIB,
    },
    "c5": {"large": 256, "xlarge": 512, "2xlarge": TIB, "4xlarge": 1536, "9xlarge": 3584, "18xlarge": 7 * TIB},
    "c6g": {"large": 256, "xlarge": 512, "2xlarge": TIB, "4xlarge": 1536, "8xlarge": 3 * TIB, "12xlarge": 4608},
    "r5": {"large": 2 * TIB, "xlarge": 3 * TIB, "2xlarge": 6 * TIB, "4xlarge": 12 * TIB, "12xlarge": 24 * TIB},
    "r6g": {
        "large": 2 * TIB,
        "xlarge": 3 * TIB,
        "2xlarge": 6 * TIB,
        "4xlarge": 12 * TIB,
        "8xlarge": 16 * TIB,
        "12xlarge": 24 * TIB,
    },
}
# Listed with a gp2 maximum and "N/A" under gp3: EBS, but no gp3 volumes.
NO_GP3 = {
    "t2": ("micro", "small", "medium"),
    "m3": ("medium", "large", "xlarge", "2xlarge"),
    "m4": ("large", "xlarge", "2xlarge", "4xlarge", "10xlarge"),
    "c4": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge"),
    "r3": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge"),
    "r4": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"),
    "i2": ("xlarge", "2xlarge"),
}
NO_ENCRYPTION = ("t2", "m3", "r3")
STANDARD = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
# Instance storage only: no EBS volume at all.
INSTANCE_STORE = {
    "i3": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"),
    "r6gd": STANDARD,
    "i4g": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"),
    "i4i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"),
    "i8g": STANDARD,
    "im4gn": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge"),
    "r7gd": ("medium", *STANDARD),
    "r8gd": ("medium", *STANDARD),
    "oi2": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
}
# Families newer than the stored quotas table: EBS, gp3 assumed (as for every current family), limits not confirmed.
LATER = {
    "r7g": ("medium", *STANDARD),
    "m7g": ("medium", *STANDARD),
    "c7g": STANDARD,
    "r8g": ("medium", *STANDARD),
    "m8g": ("medium", *STANDARD),
    "c8g": STANDARD,
    "r7i": STANDARD,
    "m7i": STANDARD,
    "c7i": STANDARD,
    "or1": ("medium", *STANDARD),
    "or2": ("medium", *STANDARD),
    "om2": STANDARD,
}


def _table() -> dict[str, InstanceType]:
    types: list[InstanceType] = []
    for family, sizes in EBS_GP3.items():
        types += [InstanceType(f"{family}.{size}.search", family, gp3_max_gb=top) for size, top in sizes.items()]
    for family, names in NO_GP3.items():
        encryption = family not in NO_ENCRYPTION
        types += [InstanceType(f"{family}.{size}.search", family, gp3=False, encryption=encryption) for size in names]
    for family, names in INSTANCE_STORE.items():
        types += [InstanceType(f"{family}.{size}.search", family, ebs=False) for size in names]
    for family, names in LATER.items():
        types += [InstanceType(f"{family}.{size}.search", family) for size in names]
    return {t.name: t for t in types}


INSTANCE_TYPES: dict[str, InstanceType] = _table()


def family_members(family: str) -> list[str]:
    """The types of one family, smallest first as the tables list them."""
    return [t.name for t in INSTANCE_TYPES.values() if t.family == family]
