"""Builders the public components compose (roles, functions, buckets, keys, schema hosting): not components.

A part never imports a public component module (``tests/local/test_layout.py``).
"""
