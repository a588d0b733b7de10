"""Run eventfork without a cloud: capture the plan, check policies, simulate scenarios."""
