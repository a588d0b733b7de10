"""Raises while declaring."""

import pulumi_aws as aws

aws.sqs.Queue("q")
raise ValueError("no such environment: staging")
