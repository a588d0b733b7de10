"""eventfork's CrossGuard rules: small pure functions grouped by concern, adapted to pulumi-policy."""
