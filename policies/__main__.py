"""Entry point of the CrossGuard pack: only assembles it (the rules live in eventfork_policies/)."""

from pulumi_policy import EnforcementLevel, PolicyPack

from eventfork_policies.pack import PACK_NAME, POLICIES

PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)
