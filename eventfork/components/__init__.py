"""eventfork's ComponentResources, one module per concept, and the small builders they share."""
