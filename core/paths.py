"""Where ClusterTrust keeps its own files (platformdirs): state, config, data, logs."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "clustertrust"


def state_dir() -> Path:
    """The ledger and the last verification result live here."""
    return Path(platformdirs.user_state_dir(APP, appauthor=False))


def config_dir() -> Path:
    """Settings such as the last cluster used; never passwords or tokens."""
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    """Files the user asked us to keep (client key 0600, CA copies for client configuration)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP, appauthor=False))
