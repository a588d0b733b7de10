"""The account and region every offline run pretends to be in (no AWS call ever leaves the machine)."""

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
