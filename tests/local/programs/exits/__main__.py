"""Exits before declaring anything."""

import sys

import pulumi_aws as aws

aws.sqs.Queue("q")
sys.exit(0)
