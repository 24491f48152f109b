"""Pure-Python core of ClusterTrust: sources, bundle, checks, plan, ledger, verify, report."""

from importlib import metadata

try:
    __version__ = metadata.version("clustertrust")
except metadata.PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0+checkout"
