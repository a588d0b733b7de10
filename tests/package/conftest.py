"""The provider's schema, read once for the package tests."""

from tests.package.test_component_provider import schema

__all__ = ["schema"]
