"""Outputs with the type the provider returns, where pulumi-aws accepts more than it gives back.

pulumi-aws types its policy inputs ``Union[str, PolicyDocumentArgs]``: a program may give an object,
but the provider stores and returns the policy as a JSON string (the bridge marshals an object given
for a string property as JSON, keys sorted, compact), and the SDK then expects ``str``.
"""

from __future__ import annotations

import json
from typing import Any

# type token -> properties pulumi-aws's SDK types as ``Union[str, PolicyDocumentArgs]`` (camelCase, as on the wire)
POLICY_DOCUMENT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "aws:iam/role:Role": ("assumeRolePolicy",),
    "aws:iam/policy:Policy": ("policy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/userPolicy:UserPolicy": ("policy",),
    "aws:iam/groupPolicy:GroupPolicy": ("policy",),
    "aws:s3/bucket:Bucket": ("policy",),
    "aws:s3/bucketPolicy:BucketPolicy": ("policy",),
    "aws:sns/topicPolicy:TopicPolicy": ("policy",),
    "aws:sqs/queuePolicy:QueuePolicy": ("policy",),
    "aws:ecr/registryPolicy:RegistryPolicy": ("policy",),
    "aws:ecr/repositoryPolicy:RepositoryPolicy": ("policy",),
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": ("policyDocument",),
    "aws:elasticsearch/domain:Domain": ("accessPolicies",),
    "aws:elasticsearch/domainPolicy:DomainPolicy": ("accessPolicies",),
}


def _contains_unknown(value: Any) -> bool:
    from local.capture.wire import UNKNOWN

    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return value == UNKNOWN


def provider_typed(type_token: str, outputs: dict[str, Any]) -> dict[str, Any]:
    """``outputs`` with each policy given as an object turned into the JSON string the provider returns."""
    from local.capture.wire import UNKNOWN

    properties = POLICY_DOCUMENT_PROPERTIES.get(type_token, ())
    typed = dict(outputs)
    for key in properties:
        value = typed.get(key)
        if isinstance(value, (dict, list)):
            typed[key] = (
                UNKNOWN if _contains_unknown(value) else json.dumps(value, sort_keys=True, separators=(",", ":"))
            )
    return typed
