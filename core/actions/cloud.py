"""Kurrent Cloud: sign in (the token in the OS keyring), list the clusters, fetch a bundle."""

from __future__ import annotations

from clustertrust.core.cloud.kurrent import (
    DEFAULT_API_URL,
    DEFAULT_IDENTITY_URL,
    TOKEN_NAME,
    CloudSettings,
    ClusterInfo,
    KurrentCloud,
    archive_bytes,
    load_settings,
    require_ids,
    sign_in,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_IDENTITY_URL",
    "TOKEN_NAME",
    "CloudSettings",
    "ClusterInfo",
    "KurrentCloud",
    "archive_bytes",
    "load_settings",
    "require_ids",
    "sign_in",
]
