"""Helpers shared by the tests: PKI, servers, runners, namespaces."""
