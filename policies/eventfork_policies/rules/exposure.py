"""Resource policies that expose data: open to anyone, or to another account without a source condition."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

# Condition keys that bind a grant to a caller, its account, organization or network (any of them is a
# "source condition" in the sense of Security Hub SQS.3 / SNS.4 / KMS.5 / Lambda.1 and Checkov CKV_AWS_364).
SOURCE_KEYS = (
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:resourceaccount",
    "kms:calleraccount",
    "kms:viaservice",
    "kms:encryptioncontext:",
    "lambda:functionurlauthtype",
)
ACCOUNT = re.compile(r"^(?:arn:aws[a-z-]*:(?:iam|sts)::)?(\d{12})(?::|$)")


def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def load(document: Any) -> Mapping[str, Any] | None:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return None
    return document if isinstance(document, Mapping) else None


def accounts_in(values: Iterable[Any]) -> set[str]:
    """Accounts named by ARNs or queue URLs (``arn:aws:sqs:us-east-1:123456789012:q``, ``.../123456789012/q``)."""
    found = set()
    for value in values:
        match = re.search(r"(?:^arn:aws[a-z-]*:[^:]*:[^:]*:|amazonaws\.com/)(\d{12})(?:[:/]|$)", str(value or ""))
        if match:
            found.add(match.group(1))
    return found


def _has_source_condition(statement: Mapping[str, Any]) -> bool:
    conditions = statement.get("Condition") or {}
    keys = [str(key).lower() for block in conditions.values() if isinstance(block, Mapping) for key in block]
    return any(key.startswith(SOURCE_KEYS) for key in keys)


def _principals(statement: Mapping[str, Any]) -> list[tuple[str, str]]:
    principal = statement.get("Principal")
    if principal == "*":
        return [("AWS", "*")]
    if not isinstance(principal, Mapping):
        return []
    return [(str(kind), str(value)) for kind, values in principal.items() for value in as_list(values)]


def statement_exposure(statement: Mapping[str, Any], owners: set[str]) -> list[str]:
    """What an Allow statement opens without a source condition: anyone, a service, or another account."""
    if statement.get("Effect") != "Allow" or _has_source_condition(statement):
        return []
    if statement.get("NotPrincipal") is not None:
        return ["every principal but those in NotPrincipal"]
    exposed = []
    for kind, value in _principals(statement):
        match = ACCOUNT.match(value)
        if value == "*":
            exposed.append("any principal ('*')")
        elif kind == "Service":
            exposed.append(f"the service {value} acting for any account")
        elif match and owners and match.group(1) not in owners:
            exposed.append(f"another account ({match.group(1)})")
    return exposed


def document_exposure(what: str, document: Any, owners: set[str]) -> list[str]:
    """Messages for each statement of a resource policy that exposes ``what``."""
    parsed = load(document)
    if document and parsed is None:
        return [f"{what} has a resource policy that is not valid JSON: give it a JSON policy document"]
    problems = []
    for index, statement in enumerate(as_list((parsed or {}).get("Statement", []))):
        if not isinstance(statement, Mapping):
            continue
        exposed = statement_exposure(statement, owners)
        if exposed:
            sid = statement.get("Sid") or f"#{index}"
            problems.append(
                f"{what} has a policy statement {sid} that allows {', '.join(exposed)} without a source condition: "
                "name the principals of this account (or the trusted account's role ARNs), or add a Condition on "
                "aws:SourceArn, aws:SourceAccount or aws:PrincipalOrgID"
            )
    return problems


def lambda_permission_exposure(name: str, props: Mapping[str, Any], owners: set[str]) -> list[str]:
    """A Lambda permission for '*', a service without source_arn/source_account, or another account."""
    principal = str(props.get("principal") or "")
    bound = (
        props.get("sourceArn")
        or props.get("sourceAccount")
        or props.get("principalOrgId")
        or (props.get("functionUrlAuthType") == "AWS_IAM")
    )
    if bound:
        return []
    fix = "set source_arn (the invoking resource) or source_account, or principal_org_id for an organization"
    if principal == "*":
        return [f"Lambda permission '{name}' lets any principal ('*') invoke the function: {fix}"]
    if principal.endswith(".amazonaws.com"):
        return [f"Lambda permission '{name}' lets {principal} invoke the function on behalf of any account: {fix}"]
    match = ACCOUNT.match(principal)
    if match and owners and match.group(1) not in owners:
        return [
            f"Lambda permission '{name}' lets another account ({match.group(1)}) invoke the function: {fix}, "
            "or list that account in this policy's trustedAccounts"
        ]
    return []


def domain_exposure(name: str, props: Mapping[str, Any], owners: set[str]) -> list[str]:
    """An OpenSearch domain with a public endpoint whose access policy admits anyone (like Opensearch.2)."""
    if (props.get("vpcOptions") or {}).get("subnetIds"):
        return []
    return document_exposure(f"search domain '{name}' (public endpoint)", props.get("accessPolicies"), owners)


def sns_can_use_key(key_name: str, document: Any) -> bool:
    """The key policy lets sns.amazonaws.com generate data keys and decrypt (needed to deliver to the queue)."""
    parsed = load(document)
    needed = {"kms:generatedatakey", "kms:decrypt"}
    granted: set[str] = set()
    for statement in as_list((parsed or {}).get("Statement", [])):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        if not any(
            kind == "Service" and value == "sns.amazonaws.com" or value == "*" for kind, value in _principals(statement)
        ):
            continue
        for action in (str(a).lower() for a in as_list(statement.get("Action", []))):
            granted |= {
                n for n in needed if action in (n, "kms:*", "*") or (action.endswith("*") and n.startswith(action[:-1]))
            }
    return granted == needed


def sns_key_message(subscription: str, queue: str, key: str) -> str:
    return (
        f"KMS key '{key}' encrypts queue '{queue}', which subscription '{subscription}' delivers to, but its key "
        "policy does not let sns.amazonaws.com use it (SNS drops every message silently): add a key policy "
        "statement allowing Principal {'Service': 'sns.amazonaws.com'} kms:GenerateDataKey* and kms:Decrypt, "
        "with a Condition on aws:SourceArn (the topic ARN) or aws:SourceAccount"
    )
