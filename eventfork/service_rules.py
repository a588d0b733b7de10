"""Combinations and values AWS rejects that a per-key range cannot express.

Each check returns problems naming the full config key, the value and what is allowed; the
sources are the AWS pages cited beside each rule (tests: tests/infra/test_provider_rules.py).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from eventfork.opensearch_instances import EBS_QUOTAS_URL, INSTANCE_TYPES, SUPPORTED_TYPES_URL, family_members

# https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html
FILTER_POLICY_MAX_COMBINATIONS = 150
FILTER_POLICY_MAX_BYTES = 256 * 1024
FILTER_POLICY_NUMBER_LIMIT = 10**9


def filter_combinations(node: Any) -> int:
    """SNS's complexity: the product of the number of values of each array; ``$or`` adds its branches."""
    if isinstance(node, list):
        return max(len(node), 1)
    if not isinstance(node, dict):
        return 1
    total = 1
    for name, child in node.items():
        if name == "$or" and isinstance(child, list):
            total *= sum(filter_combinations(branch) for branch in child)
        else:
            total *= filter_combinations(child)
    return total


def numeric_operands(node: Any) -> list[float]:
    """Every number compared by a ``numeric`` condition anywhere in the policy."""
    if isinstance(node, list):
        return [n for item in node for n in numeric_operands(item)]
    if not isinstance(node, dict):
        return []
    found = []
    for name, child in node.items():
        if name == "numeric" and isinstance(child, list):
            found += [n for n in child if isinstance(n, (int, float)) and not isinstance(n, bool)]
        else:
            found += numeric_operands(child)
    return found


def check_filter_policy(key: str, policy: dict[str, Any] | None, scope: str) -> list[str]:
    """SNS: at most 5 attribute names, 150 combinations, 256 KB, numbers within a billion;
    on message attributes every value is a list of conditions."""
    if policy is None:
        return []
    problems = []
    combinations = filter_combinations(policy)
    if combinations > FILTER_POLICY_MAX_COMBINATIONS:
        problems.append(
            f"{key}.filterPolicy: got {combinations} combinations; allowed: at most {FILTER_POLICY_MAX_COMBINATIONS} "
            "(the product of the number of values in each array)"
        )
    size = len(json.dumps(policy).encode())
    if size > FILTER_POLICY_MAX_BYTES:
        problems.append(
            f"{key}.filterPolicy: got {size} bytes of JSON; allowed: at most {FILTER_POLICY_MAX_BYTES} bytes"
        )
    for number in numeric_operands(policy):
        if abs(number) > FILTER_POLICY_NUMBER_LIMIT:
            problems.append(
                f"{key}.filterPolicy: got the numeric operand {json.dumps(number)}; allowed: "
                f"-{FILTER_POLICY_NUMBER_LIMIT} to {FILTER_POLICY_NUMBER_LIMIT}"
            )
    if not policy:
        problems.append(f"{key}.filterPolicy: got {{}}; allowed: null (no filtering) or at least one attribute")
    if len(policy) > 5:
        problems.append(f"{key}.filterPolicy: got {len(policy)} attribute names; allowed: at most 5")
    if scope == "MessageAttributes":
        for name, conditions in policy.items():
            if not isinstance(conditions, list) or not conditions:
                problems.append(
                    f"{key}.filterPolicy.{name}: got {json.dumps(conditions)}; allowed: a non-empty list of "
                    "conditions (nested objects need filterPolicyScope MessageBody)"
                )
    return problems


def check_transform(key: str, builtin_key: str, builtin: bool, arn: str | None) -> list[str]:
    """Firehose runs one Lambda processor: the built-in one or yours, not both."""
    if builtin and arn:
        return [f"{key}.transformFunctionArn: got {arn} with {builtin_key}: true; allowed: set {builtin_key}: false"]
    return []


def check_prefixes(
    key: str, prefix: str, error_prefix: str | None, names: tuple[str, str] = ("prefix", "errorPrefix")
) -> list[str]:
    """Firehose: a prefix with expressions needs an error prefix; only the error prefix names the error type.

    ``names`` are the config keys of the S3 ``Prefix`` and ``ErrorOutputPrefix`` (None: none is passed).
    """
    prefix_name, error_name = names
    problems = []
    if "!{" in prefix and not error_prefix:
        problems.append(
            f"{key}.{error_name}: got {json.dumps(error_prefix)}; allowed: a prefix "
            f"(required when {prefix_name} uses expressions)"
        )
    if "!{firehose:error-output-type}" in prefix:
        problems.append(
            f"{key}.{prefix_name}: got {prefix}; allowed: no !{{firehose:error-output-type}} ({error_name} only)"
        )
    for name, value in ((prefix_name, prefix), (error_name, error_prefix or "")):
        problems += [f"{key}.{name}: got {value}; allowed: {why}" for why in _expression_problems(value)]
    return problems


# https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html: !{timestamp:<Java DateTimeFormatter>},
# !{firehose:random-string|error-output-type}; partitionKeyFrom* need dynamic partitioning, which is off here.
FIREHOSE_VALUES = ("random-string", "error-output-type")


def _expression_problems(prefix: str) -> list[str]:
    problems = []
    expressions = re.findall(r"!\{([^{}]*)\}", prefix)
    if prefix.count("!{") != len(expressions):
        problems.append("every !{ closed by }")
    for expression in expressions:
        namespace, _, value = expression.partition(":")
        if namespace == "timestamp" and value:
            continue
        if namespace == "firehose" and value in FIREHOSE_VALUES:
            continue
        problems.append(
            f"!{{{expression}}} replaced by !{{timestamp:<format>}}, !{{firehose:random-string}} or "
            "!{firehose:error-output-type} (partitionKeyFrom* expressions need dynamic partitioning, which is off)"
        )
    return problems


def check_zone_awareness(key: str, count: int) -> list[str]:
    """Zone awareness spreads data nodes evenly over 2 or 3 zones."""
    if count > 1 and count % 2 and count % 3:
        return [f"{key}.instanceCount: got {count}; allowed: 1, an even number or a multiple of 3 (zone awareness)"]
    return []


def check_search_nodes(key: str, instance_type: str, count: int, master_type: str | None, volume_gb: int) -> list[str]:
    """A created domain's node types against eventfork/opensearch_instances.py (sources there): offered,
    EBS with gp3 (the domain always attaches a gp3 volume of volumeSizeGb, within the type's range),
    encryption at rest and fine-grained access control (always on); T2/T3 masters for <= 10 data nodes."""
    problems = []
    data = INSTANCE_TYPES.get(instance_type)
    if data is None:
        problems.append(_unknown_type(f"{key}.instanceType", instance_type))
    elif not data.ebs:
        problems.append(
            f"{key}.instanceType: got {instance_type}, which has instance storage only; allowed: a type with EBS "
            "volumes (the domain always attaches a gp3 volume of volumeSizeGb), e.g. r7g.large.search"
        )
    elif not data.gp3:
        problems.append(
            f"{key}.instanceType: got {instance_type}, which offers no gp3 EBS volumes; allowed: a type with gp3 "
            f"volumes (the domain always uses gp3), e.g. r7g.large.search ({EBS_QUOTAS_URL})"
        )
    elif data.gp3_max_gb is not None and not data.gp3_min_gb <= volume_gb <= data.gp3_max_gb:
        problems.append(
            f"{key}.volumeSizeGb: got {volume_gb} with instanceType {instance_type}; allowed: {data.gp3_min_gb} to "
            f"{data.gp3_max_gb} for {instance_type} (gp3, {EBS_QUOTAS_URL})"
        )
    for name, chosen in (("instanceType", data), ("dedicatedMasterType", INSTANCE_TYPES.get(master_type or ""))):
        if chosen is not None and not chosen.encryption:
            problems.append(
                f"{key}.{name}: got {chosen.name}, which does not support encryption at rest or fine-grained access "
                "control; allowed: a current type such as r7g.large.search (the domain always turns both on)"
            )
    if master_type is not None:
        if master_type not in INSTANCE_TYPES:
            problems.append(_unknown_type(f"{key}.dedicatedMasterType", master_type))
        elif master_type.split(".")[0] in ("t2", "t3") and count > 10:
            problems.append(
                f"{key}.dedicatedMasterType: got {master_type} with instanceCount {count}; allowed: T2 and T3 "
                "dedicated masters only with 10 or fewer data nodes"
            )
    return problems


def _unknown_type(name: str, value: str) -> str:
    family = value.split(".")[0]
    members = family_members(family)
    offered = (
        f"{family}: {', '.join(members)}"
        if members
        else "families " + ", ".join(sorted({t.family for t in INSTANCE_TYPES.values()}))
    )
    return f"{name}: got {value}; allowed: a type OpenSearch Service offers ({offered}; {SUPPORTED_TYPES_URL})"


# AWS tagging (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html): at most 50 tags per
# resource, keys of 1-128 and values of 0-256 characters of the botocore TagKey/TagValue pattern
# [\p{L}\p{Z}\p{N}_.:/=+\-@]*, "aws:" reserved. The program's own eventfork:* tags take up to 5.
MAX_STACK_TAGS = 50 - 5
TAG_PUNCTUATION = "_.:/=+-@"


def _tag_text_ok(text: str) -> bool:
    return all(unicodedata.category(c)[0] in "LNZ" or c in TAG_PUNCTUATION for c in text)


def check_tags(tags: dict[Any, Any]) -> list[str]:
    """Problems with the stack's extra tags, each naming the tag and what AWS allows."""
    key = "eventfork:tags"
    problems = []
    if len(tags) > MAX_STACK_TAGS:
        problems.append(
            f"{key}: got {len(tags)} tags; allowed: at most {MAX_STACK_TAGS} (50 per resource, 5 are the program's)"
        )
    for tag_key, tag_value in tags.items():
        if not isinstance(tag_value, str) or not 1 <= len(tag_key) <= 128 or len(tag_value) > 256:
            problems.append(
                f"{key}.{tag_key}: got {json.dumps(tag_value)}; "
                "allowed: a string of at most 256 characters (key 1 to 128)"
            )
        elif not _tag_text_ok(tag_key) or not _tag_text_ok(tag_value):
            problems.append(
                f"{key}.{tag_key}: got {json.dumps(tag_value)}; allowed: letters, digits, spaces and _ . : / = + - @"
            )
        if tag_key.lower().startswith("aws:"):
            problems.append(f"{key}.{tag_key}: a key starting with aws: is reserved for AWS; allowed: any other key")
        elif tag_key.startswith("eventfork:"):
            problems.append(f"{key}.{tag_key}: the program sets eventfork: tags itself; allowed: any other key")
    return problems
