"""eventfork's public ComponentResources, one module per component; the builders they share are in ``parts/``."""
