"""``python -m eventfork ops``: what an operator runs against a deployed stack (its buffer DLQ, redrive).

It reads the stack's outputs (``pulumi stack output --json``) and calls AWS with the caller's own
credentials through boto3; nothing here imports Pulumi. See docs/operations.md.
"""
