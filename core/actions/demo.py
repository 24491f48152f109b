"""The built-in demo cluster the wizard runs against (`clustertrust demo`)."""

from __future__ import annotations

from clustertrust.core.demo import DemoCluster, start_demo

__all__ = ["DemoCluster", "start_demo"]
