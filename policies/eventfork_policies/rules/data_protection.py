"""Data protection: search domains in a VPC under their own admin, TLS-only queues and topics, subscribe scope,
a record transform before storage, card masking in logs, and alarms that reach someone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eventfork_policies.rules.exposure import as_list, load

CARD_IDENTIFIERS = {"CreditCardNumber"} | {
    f"arn:{partition}:dataprotection::aws:data-identifier/CreditCardNumber"
    for partition in ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
}
FIREHOSE_STORES = ("extendedS3Configuration", "opensearchConfiguration", "elasticsearchConfiguration")
FIREHOSE_ROLES = ("opensearchConfiguration", "elasticsearchConfiguration")
# Protocols that keep a copy inside AWS under the subscriber's IAM; the others leave the account's control.
INTERNAL_PROTOCOLS = {"sqs", "lambda", "firehose"}


def _lowered(values: Any) -> list[str]:
    return [str(v).lower() for v in as_list(values)]


def _everyone(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in [str(p) for p in as_list(principal.get("AWS", []))]


def _covers(actions: Any, service: str, action: str | None = None) -> bool:
    """``actions`` include every action of ``service`` (``*``, ``sqs:*``), or ``action`` when one is named."""
    wanted = {"*", f"{service}:*"} | ({f"{service}:{action}".lower()} if action else set())
    return any(a in wanted for a in _lowered(actions))


def denies_plain_transport(statement: Mapping[str, Any]) -> bool:
    """A Deny whose only condition is ``aws:SecureTransport`` false (``Bool`` or ``BoolIfExists``).

    Another condition key beside it would narrow the deny to requests matching that key too.
    """
    conditions = statement.get("Condition") or {}
    if statement.get("Effect") != "Deny" or not isinstance(conditions, Mapping) or not conditions:
        return False
    for operator, block in conditions.items():
        if str(operator) not in ("Bool", "BoolIfExists") or not isinstance(block, Mapping) or not block:
            return False
        for key, value in block.items():
            if str(key).lower() != "aws:securetransport" or _lowered(value) != ["false"]:
                return False
    return True


def statements(documents: list[Any]) -> list[Mapping[str, Any]]:
    return [s for d in documents for s in as_list((load(d) or {}).get("Statement", [])) if isinstance(s, Mapping)]


def tls_only(what: str, service: str, documents: list[Any]) -> list[str]:
    """Some policy of the resource denies every action of ``service`` to everyone over plain HTTP."""
    for statement in statements(documents):
        if denies_plain_transport(statement) and _everyone(statement) and _covers(statement.get("Action"), service):
            return []
    policy = "aws.sqs.QueuePolicy" if service == "sqs" else "aws.sns.TopicPolicy"
    return [
        f"{what} accepts requests over plain HTTP: add to its policy (its `policy` input or an {policy}) a "
        f"statement {{'Effect': 'Deny', 'Principal': '*', 'Action': '{service}:*', 'Resource': <its ARN>, "
        "'Condition': {'Bool': {'aws:SecureTransport': 'false'}}} (every action, not only Publish or SendMessage)"
    ]


def _scoped(statement: Mapping[str, Any]) -> bool:
    """The statement's own condition pins ``sns:Protocol`` to in-AWS protocols, or pins ``sns:Endpoint``."""
    for operator, block in (statement.get("Condition") or {}).items():
        if not isinstance(block, Mapping) or str(operator).startswith(("StringNot", "ForAnyValue:StringNot")):
            continue
        for key, value in block.items():
            key = str(key).lower()
            if key == "sns:endpoint" and "*" not in _lowered(value):
                return True
            if key == "sns:protocol" and set(_lowered(value)) <= INTERNAL_PROTOCOLS:
                return True
    return False


def _denied_elsewhere(statement: Mapping[str, Any]) -> bool:
    """A Deny for everyone on sns:Subscribe: outright, or unless the protocol/endpoint is the pinned one."""
    if statement.get("Effect") != "Deny" or not _everyone(statement):
        return False
    if not _covers(statement.get("Action"), "sns", "Subscribe"):
        return False
    conditions = statement.get("Condition") or {}
    if not conditions:
        return True
    for operator, block in conditions.items():
        if not str(operator).startswith("StringNot") or not isinstance(block, Mapping) or len(conditions) != 1:
            continue
        for key, value in block.items():
            key = str(key).lower()
            if key == "sns:endpoint" and "*" not in _lowered(value) and len(block) == 1:
                return True
            if key == "sns:protocol" and set(_lowered(value)) <= INTERNAL_PROTOCOLS and len(block) == 1:
                return True
    return False


def _allows_subscribe(statement: Mapping[str, Any]) -> bool:
    """``Action`` names sns:Subscribe (or a wildcard), or ``NotAction`` leaves it out."""
    if "NotAction" in statement:
        return not _covers(statement.get("NotAction"), "sns", "Subscribe")
    return _covers(statement.get("Action"), "sns", "Subscribe")


def subscribe_scope(topic: str, documents: list[Any]) -> list[str]:
    """Whoever a topic policy lets subscribe can only subscribe in-AWS protocols or named endpoints."""
    found = statements(documents)
    if not found:
        return [
            f"topic '{topic}' has no topic policy, so AWS's default one lets every principal of the account "
            "subscribe any endpoint: add an aws.sns.TopicPolicy that allows sns:Subscribe only with a Condition "
            "on sns:Protocol (sqs, lambda, firehose) or sns:Endpoint, or denies it otherwise"
        ]
    if any(_denied_elsewhere(s) for s in found):
        return []
    problems = []
    for index, statement in enumerate(found):
        if statement.get("Effect") != "Allow" or not _allows_subscribe(statement):
            continue
        if not _scoped(statement):
            sid = statement.get("Sid") or f"#{index}"
            problems.append(
                f"topic '{topic}' policy statement {sid} allows sns:Subscribe to any protocol and endpoint, so "
                "those it admits can copy every message to an outside address (http/https, email, sms): add a "
                "Condition {'StringEquals': {'sns:Protocol': 'sqs'}} (or lambda/firehose) or pin sns:Endpoint, or "
                "add a statement denying sns:Subscribe to '*' with {'StringNotEquals': {'sns:Protocol': 'sqs'}}"
            )
    return problems


def domain_in_vpc(name: str, props: Mapping[str, Any]) -> list[str]:
    """A domain without subnets has a public endpoint (Security Hub Opensearch.2 / ES.2)."""
    if (props.get("vpcOptions") or {}).get("subnetIds"):
        return []
    return [
        f"search domain '{name}' has a public endpoint: set vpc_options={{'subnet_ids': [<private subnet ids>], "
        "'security_group_ids': [<a group admitting HTTPS from your clients only>]}) (one subnet per zone used; the "
        "domain is replaced)"
    ]


def master_user_not_delivery_role(name: str, master_arn: Any, delivery_roles: Mapping[str, Any]) -> list[str]:
    """The security admin of the domain is not the credential a delivery stream writes with."""
    streams = sorted(stream for stream, role in delivery_roles.items() if master_arn and role == master_arn)
    if not streams:
        return []
    return [
        f"search domain '{name}' has as fine-grained access master user the role that Firehose stream(s) "
        f"{', '.join(repr(s) for s in streams)} deliver with, so the pipeline's credential is the domain's "
        "security admin: set master_user_options.master_user_arn to a separate admin role and map the delivery "
        "role to a role with only index write permissions (OpenSearch security plugin role mapping)"
    ]


def firehose_transform(name: str, props: Mapping[str, Any]) -> list[str]:
    """Every stream that stores records (S3, OpenSearch) runs a Lambda transform on them first."""
    problems = []
    for destination in FIREHOSE_STORES:
        settings = props.get(destination)
        if not settings:
            continue
        processing = settings.get("processingConfiguration") or {}
        lambdas = [p for p in processing.get("processors") or [] if p.get("type") == "Lambda"]
        if processing.get("enabled") and lambdas:
            continue
        problems.append(
            f"Firehose stream '{name}' stores records ({destination}) as they arrive, with no record transform: "
            "set processing_configuration={'enabled': True, 'processors': [{'type': 'Lambda', 'parameters': "
            "[{'parameter_name': 'LambdaArn', 'parameter_value': <redaction function ARN>:$LATEST}]}]} so card "
            "numbers are removed before storage"
        )
    return problems


def masks_cards(document: Any) -> bool:
    """A data protection policy document de-identifies card numbers."""
    for statement in statements([document]):
        identifiers = [str(i) for i in as_list(statement.get("DataIdentifier", []))]
        operation = statement.get("Operation") or {}
        if isinstance(operation, Mapping) and "Deidentify" in operation and set(identifiers) & set(CARD_IDENTIFIERS):
            return True
    return False


def log_masking(group: str, documents: list[Any]) -> list[str]:
    if any(masks_cards(d) for d in documents):
        return []
    return [
        f"log group '{group}' does not mask card numbers: add an aws.cloudwatch.LogDataProtectionPolicy with "
        "log_group_name=<its name> and a policy document with an Audit statement and a Deidentify statement "
        "({'MaskConfig': {}}) on DataIdentifier 'arn:aws:dataprotection::aws:data-identifier/CreditCardNumber'"
    ]


def alarm_subscriber(topic: str, alarms: list[str]) -> list[str]:
    """Alarms whose only action is a topic nobody is subscribed to notify no one."""
    if not alarms:
        return []
    shown = ", ".join(repr(a) for a in sorted(alarms)[:3]) + (f" and {len(alarms) - 3} more" if len(alarms) > 3 else "")
    return [
        f"topic '{topic}' receives the actions of {len(alarms)} alarm(s) ({shown}) but has no subscription, so "
        "alarms go nowhere: add an aws.sns.TopicSubscription to it (an on-call email or https endpoint, or a "
        "queue or function that pages)"
    ]
