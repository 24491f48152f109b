"""Proof of the mutual-TLS connection: `run.verify_url` connects for real in each trust mode and
names the outcome; the other modules diagnose, combine and remember what it saw."""
