"""Proof of the mutual-TLS connection: `run.verify_url` connects for real in each trust mode and
names the outcome; with an Inventory (consumers.py: the browsers' databases, the OS store, the
identity files, found by platform/) it judges each consumer and the verdict covers what the install
set up (cluster.py, judge.py, advice.py). The other modules diagnose, combine and remember."""
