"""Policies for data in transit and at rest beyond keys: each declared once, on its check; the rules decide.

Each stack policy reads a resource's policy documents from the resources that set them: an
``aws.sqs.QueuePolicy`` / ``aws.sns.TopicPolicy`` replaces the queue's or topic's own policy, so when one
names the resource only those are judged (a topic's own ``policy`` output is AWS's default one then).
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, Severity, StackValidationArgs

from eventfork_policies.adapters import ADVISORY, EVENTFORK, FSBP_DOCS, PolicyGroup, each, fsbp, targets
from eventfork_policies.rules import data_protection

QUEUE, TOPIC = "aws:sqs/queue:Queue", "aws:sns/topic:Topic"
DOMAINS = ("aws:opensearch/domain:Domain", "aws:elasticsearch/domain:Domain")
STREAM = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
POLICY_RESOURCE = {
    QUEUE: ("aws:sqs/queuePolicy:QueuePolicy", "queueUrl"),
    TOPIC: ("aws:sns/topicPolicy:TopicPolicy", "arn"),
}
DATA_PROTECTION = PolicyGroup()


def _of_type(args: StackValidationArgs, type_token: str) -> list[Any]:
    return [r for r in args.resources if r.resource_type == type_token]


def _documents(args: StackValidationArgs, resource: Any) -> list[Any]:
    """The policy documents in force on a queue or topic: its policy resources', else its own ``policy``."""
    policy_type, key = POLICY_RESOURCE[resource.resource_type]
    attached = [p.props.get("policy") for p in _of_type(args, policy_type) if targets(p, resource, key)]
    if attached:
        return attached
    return [resource.props.get("policy")] if resource.props.get("policy") else []


@DATA_PROTECTION.resource_policy(
    name="opensearch-in-vpc",
    description="Search domains (OpenSearch, Elasticsearch) are in a VPC, with no public endpoint",
    level=ADVISORY,
    severity=Severity.HIGH,
    framework=fsbp("Opensearch.2, ES.2"),
    tags=["opensearch", "network", "public-access"],
    remediation="Set vpc_options with private subnet ids and a security group (the domain is replaced).",
    url=FSBP_DOCS + "opensearch-controls.html",
)
def _domain_in_vpc(args: ResourceValidationArgs) -> list[str]:
    return data_protection.domain_in_vpc(args.name, args.props) if args.resource_type in DOMAINS else []


@DATA_PROTECTION.stack_policy(
    name="opensearch-master-not-delivery-role",
    description="A search domain's fine-grained access master user is not a Firehose delivery role",
    level=ADVISORY,
    severity=Severity.HIGH,
    framework=EVENTFORK,
    tags=["opensearch", "firehose", "least-privilege"],
    remediation="Make a separate admin role the master user; map the Firehose role to an index-write role.",
    url="https://docs.aws.amazon.com/opensearch-service/latest/developerguide/fgac.html",
)
def _master_user(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    streams = _of_type(args, STREAM)

    def check(domain: Any) -> None:
        security = domain.props.get("advancedSecurityOptions") or {}
        master = (security.get("masterUserOptions") or {}).get("masterUserArn")
        if not security.get("enabled") or not master:
            return
        roles = {
            s.name: (s.props.get(destination) or {}).get("roleArn")
            for s in streams
            for destination in data_protection.FIREHOSE_ROLES
            if s.props.get(destination)
        }
        for message in data_protection.master_user_not_delivery_role(domain.name, master, roles):
            report_violation(message, domain.urn)

    each([r for r in args.resources if r.resource_type in DOMAINS], check)


@DATA_PROTECTION.stack_policy(
    name="queue-and-topic-tls-only",
    description="Queue and topic policies deny every action over plain HTTP (aws:SecureTransport false)",
    level=ADVISORY,
    severity=Severity.HIGH,
    framework=EVENTFORK,
    tags=["sqs", "sns", "tls", "resource-policy"],
    remediation="Add a policy statement denying sqs:* / sns:* to '*' when aws:SecureTransport is false.",
    url="https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html",
)
def _tls_only(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    def check(resource: Any) -> None:
        service, noun = ("sqs", "queue") if resource.resource_type == QUEUE else ("sns", "topic")
        what = f"{noun} '{resource.name}'"
        for message in data_protection.tls_only(what, service, _documents(args, resource)):
            report_violation(message, resource.urn)

    each(_of_type(args, QUEUE) + _of_type(args, TOPIC), check)


@DATA_PROTECTION.stack_policy(
    name="sns-subscribe-scope",
    description="Topic policies let subscribe only in-AWS protocols (sqs, lambda, firehose) or named endpoints",
    level=ADVISORY,
    severity=Severity.HIGH,
    framework=EVENTFORK,
    tags=["sns", "exfiltration", "resource-policy"],
    remediation="Allow sns:Subscribe only with a Condition on sns:Protocol (sqs, lambda, firehose) or sns:Endpoint, "
    "or deny it to '*' otherwise.",
    url="https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsns.html",
)
def _subscribe_scope(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    def check(topic: Any) -> None:
        for message in data_protection.subscribe_scope(topic.name, _documents(args, topic)):
            report_violation(message, topic.urn)

    each(_of_type(args, TOPIC), check)


@DATA_PROTECTION.resource_policy(
    name="firehose-record-transform",
    description="Firehose streams delivering to S3 or OpenSearch transform records with a Lambda before storage",
    level=ADVISORY,
    severity=Severity.HIGH,
    framework=EVENTFORK,
    tags=["firehose", "redaction", "pci"],
    remediation="Enable processing_configuration with a Lambda processor that redacts records before storage.",
    url="https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html",
)
def _firehose_transform(args: ResourceValidationArgs) -> list[str]:
    return data_protection.firehose_transform(args.name, args.props) if args.resource_type == STREAM else []


@DATA_PROTECTION.stack_policy(
    name="log-group-card-masking",
    description="Every log group has a data protection policy that masks card numbers",
    level=ADVISORY,
    severity=Severity.HIGH,
    framework=EVENTFORK,
    tags=["logs", "data-protection", "pci"],
    remediation="Add a LogDataProtectionPolicy for the group that audits and de-identifies CreditCardNumber.",
    url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/mask-sensitive-log-data-start.html",
)
def _log_masking(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    policies = _of_type(args, "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy")
    account_wide = [
        p.props.get("policyDocument")
        for p in _of_type(args, "aws:cloudwatch/logAccountPolicy:LogAccountPolicy")
        if p.props.get("policyType") == "DATA_PROTECTION_POLICY" and not p.props.get("selectionCriteria")
    ]

    def check(group: Any) -> None:
        documents = [p.props.get("policyDocument") for p in policies if _names_group(p, group)]
        for message in data_protection.log_masking(group.name, documents + account_wide):
            report_violation(message, group.urn)

    each(_of_type(args, LOG_GROUP), check)


def _names_group(policy: Any, group: Any) -> bool:
    deps = (getattr(policy, "property_dependencies", None) or {}).get("logGroupName")
    if deps:
        return any(d.urn == group.urn for d in deps)
    return policy.props.get("logGroupName") == group.props.get("name")


@DATA_PROTECTION.stack_policy(
    name="alarm-topic-has-subscriber",
    description="An SNS topic the stack's alarms notify has a subscription",
    level=ADVISORY,
    severity=Severity.MEDIUM,
    framework=EVENTFORK,
    tags=["cloudwatch", "sns", "observability"],
    remediation="Subscribe an on-call endpoint (email, https, or a paging queue/function) to the alarm topic.",
    url="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html",
)
def _alarm_subscriber(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    alarms = _of_type(args, "aws:cloudwatch/metricAlarm:MetricAlarm")
    subscriptions = _of_type(args, SUBSCRIPTION)

    def check(topic: Any) -> None:
        if any(targets(s, topic, "topic") for s in subscriptions):
            return
        notified = [a.name for a in alarms if _notifies(a, topic)]
        for message in data_protection.alarm_subscriber(topic.name, notified):
            report_violation(message, topic.urn)

    each(_of_type(args, TOPIC), check)


def _notifies(alarm: Any, topic: Any) -> bool:
    """The alarm's ``alarmActions`` name the topic: through its property dependencies, else by ARN."""
    deps = (getattr(alarm, "property_dependencies", None) or {}).get("alarmActions")
    if deps:
        return any(d.urn == topic.urn for d in deps)
    actions = alarm.props.get("alarmActions") or []
    return bool(actions) and topic.props.get("arn") in list(actions)


DATA_PROTECTION_POLICIES = DATA_PROTECTION.policies
