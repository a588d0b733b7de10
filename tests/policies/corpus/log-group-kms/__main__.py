"""Corpus case: a log group without a customer-managed key"""

import pulumi_aws as aws

aws.cloudwatch.LogGroup("bad", name="/app/orders", retention_in_days=30)
