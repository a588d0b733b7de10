"""Corpus case: a log group that does not mask card numbers"""

import json

import pulumi_aws as aws

key = aws.kms.Key("key", enable_key_rotation=True)
group = aws.cloudwatch.LogGroup("bad", name="/app/orders", retention_in_days=30, kms_key_id=key.arn)
aws.cloudwatch.LogDataProtectionPolicy(
    "audit-only",
    log_group_name=group.name,
    policy_document=json.dumps(
        {
            "Name": "audit-emails",
            "Version": "2021-06-01",
            "Statement": [
                {
                    "Sid": "audit",
                    "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],
                    "Operation": {"Audit": {"FindingsDestination": {}}},
                },
                {
                    "Sid": "mask",
                    "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],
                    "Operation": {"Deidentify": {"MaskConfig": {}}},
                },
            ],
        }
    ),
)
