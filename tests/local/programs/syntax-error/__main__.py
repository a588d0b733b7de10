"""Does not compile."""

import pulumi_aws as aws

aws.sqs.Queue("q"
