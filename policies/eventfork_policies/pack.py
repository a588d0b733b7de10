"""The pack's policies in pack order: the groups of each concern, joined (each policy is declared in its group)."""

from __future__ import annotations

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from eventfork_policies.card import CARD
from eventfork_policies.coverage import COVERAGE_POLICIES
from eventfork_policies.data_protection import DATA_PROTECTION_POLICIES
from eventfork_policies.operations import OPERATIONS

PACK_NAME = "eventfork-guardrails"
POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    *CARD.policies,
    *OPERATIONS.policies,
    *COVERAGE_POLICIES,
    *DATA_PROTECTION_POLICIES,
]
CARD_POLICIES = CARD.names()
