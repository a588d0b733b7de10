"""What AWS (or the provider) accepts for each kind of name the program declares, with the source.

One ``NameRule`` per kind of name: length, pattern and reserved beginnings, each citing the botocore
service model (``service-2.json`` of the operation that creates the resource), AWS's naming page, or
the Terraform AWS provider the pulumi-aws 7 bridge runs. ``naming`` derives the program's names and
checks each against its rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOTOCORE = "botocore {}/service-2.json, {}"
# The provider appends a 26-character unique suffix to a bucket_prefix (terraform-plugin-sdk
# helper/id UniqueIDSuffixLength), and Pulumi "-" plus 7 characters to an auto-named resource.
BUCKET_SUFFIX_SAMPLE = "0" * 26
AUTONAME_SUFFIX_SAMPLE = "-0000000"


@dataclass(frozen=True)
class NameRule:
    """What AWS accepts for one kind of name: length, pattern and reserved beginnings."""

    kind: str
    min_length: int
    max_length: int
    pattern: str
    source: str
    reserved_prefixes: tuple[str, ...] = ()
    completed_by: str = ""  # what the provider appends before AWS sees the name

    def violation(self, name: str) -> str | None:
        """Why AWS (or the provider) would refuse ``name``, or None."""
        if not self.min_length <= len(name) <= self.max_length:
            return f"{len(name)} characters"
        if not re.fullmatch(self.pattern, name + self.completed_by):
            return f"not matching {self.pattern}"
        for reserved in self.reserved_prefixes:
            if name.startswith(reserved):
                return f"starting with the reserved {reserved}"
        return None

    def describe(self) -> str:
        reserved = f", not starting with {', '.join(self.reserved_prefixes)}" if self.reserved_prefixes else ""
        return f"{self.kind} of {self.min_length} to {self.max_length} characters matching {self.pattern}{reserved}"


SQS_QUEUE = NameRule(
    "an SQS queue name",
    1,
    80,
    r"[A-Za-z0-9_-]+(\.fifo)?",
    BOTOCORE.format("sqs/2012-11-05", "CreateQueue QueueName (a FIFO queue's name ends in .fifo)"),
)
SNS_TOPIC = NameRule(
    "an SNS topic name",
    1,
    256,
    r"[A-Za-z0-9_-]+(\.fifo)?",
    BOTOCORE.format("sns/2010-03-31", "CreateTopic Name (a FIFO topic's name ends in .fifo)"),
)
LAMBDA_FUNCTION = NameRule(
    "a Lambda function name",
    1,
    64,
    r"[a-zA-Z0-9_-]+",
    BOTOCORE.format("lambda/2015-03-31", "CreateFunction FunctionName (a name alone: at most 64 characters)"),
)
KMS_ALIAS = NameRule(
    "a KMS alias name",
    7,
    256,
    r"alias/[a-zA-Z0-9/_-]+",
    BOTOCORE.format("kms/2014-11-01", "CreateAlias AliasName"),
    reserved_prefixes=("alias/aws/",),
)
S3_BUCKET_PREFIX = NameRule(
    "an S3 bucket_prefix",
    1,
    37,  # 63 - 26: terraform-provider-aws internal/service/s3/bucket.go, bucket_prefix
    r"(?!.*\.\.)[a-z0-9][a-z0-9.-]*[a-z0-9]",  # of the whole bucket name
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html and the Terraform AWS "
    "provider's bucket_prefix (at most 63 - 26 characters)",
    reserved_prefixes=("xn--", "sthree-", "amzn-s3-demo-"),
    completed_by=BUCKET_SUFFIX_SAMPLE,
)
OPENSEARCH_DOMAIN = NameRule(
    "an OpenSearch domain name",
    3,
    28,
    r"[a-z][a-z0-9\-]+",
    BOTOCORE.format("opensearch/2021-01-01", "CreateDomain DomainName"),
)
FIREHOSE_STREAM = NameRule(
    "a Firehose stream name",
    1,
    64,
    r"[a-zA-Z0-9_.-]+",
    BOTOCORE.format("firehose/2015-08-04", "CreateDeliveryStream DeliveryStreamName"),
)
LOG_GROUP = NameRule(
    "a CloudWatch log group name",
    1,
    512,
    r"[\.\-_/#A-Za-z0-9]+",
    BOTOCORE.format("logs/2014-03-28", "CreateLogGroup logGroupName"),
)
LOG_STREAM = NameRule(
    "a CloudWatch log stream name",
    1,
    512,
    r"[^:*]*",
    BOTOCORE.format("logs/2014-03-28", "CreateLogStream logStreamName"),
)
DASHBOARD = NameRule(
    "a CloudWatch dashboard name",
    1,
    255,
    r"[A-Za-z0-9_-]+",
    BOTOCORE.format("cloudwatch/2010-08-01", "PutDashboard DashboardName"),
)
ALARM = NameRule(
    "a CloudWatch alarm name",
    1,
    255,
    r"[^\x00-\x1f\x7f]+",
    BOTOCORE.format("cloudwatch/2010-08-01", "PutMetricAlarm AlarmName (no ASCII control characters)"),
)
DYNAMODB_TABLE = NameRule(
    "a DynamoDB table name",
    3,
    255,
    r"[a-zA-Z0-9_.-]+",
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html",
)
# Auto-named by Pulumi from fixed logical names (checked by the tests, never derived from config):
# the logical name, "-" and 7 random characters must fit the limit.
IAM_ROLE = NameRule(
    "an auto-named IAM role's logical name",
    1,
    64 - len(AUTONAME_SUFFIX_SAMPLE),
    r"[\w+=,.@-]+",
    BOTOCORE.format("iam/2010-05-08", "CreateRole RoleName"),
    completed_by=AUTONAME_SUFFIX_SAMPLE,
)
IAM_POLICY = NameRule(
    "an auto-named IAM policy's logical name",
    1,
    128 - len(AUTONAME_SUFFIX_SAMPLE),
    r"[\w+=,.@-]+",
    BOTOCORE.format("iam/2010-05-08", "CreatePolicy and PutRolePolicy PolicyName"),
    completed_by=AUTONAME_SUFFIX_SAMPLE,
)
AUTONAMED: dict[str, NameRule] = {
    "aws:iam/role:Role": IAM_ROLE,
    "aws:iam/rolePolicy:RolePolicy": IAM_POLICY,
    "aws:iam/policy:Policy": IAM_POLICY,
}
