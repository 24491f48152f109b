"""Pure-Python core of ClusterTrust, one subpackage per stage of the data flow: source, bundle,
install (plan, ledger, renewal), verify, report, clients, cloud; the domain model in `model`."""

from __future__ import annotations


def __getattr__(name: str) -> str:
    """`__version__` on first use: importlib.metadata costs a third of a command's start-up."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib import metadata

    try:
        return metadata.version("clustertrust")
    except metadata.PackageNotFoundError:  # running from a checkout without an install
        return "0.0.0+checkout"
