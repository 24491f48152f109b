"""Kurrent Cloud, once for the wizard's "From Kurrent Cloud" dialog and `clustertrust cloud`:
sign in (a typed token is checked before the keyring keeps it), list a project's clusters,
fetch and open a cluster's bundle, sign out.

One rule for both front ends: the organization and project (and API addresses) given override
the saved ones, a missing one is a clear InputError, and what a sign-in used is saved once the
sign-in worked (core.cloud.kurrent.sign_in)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass

from clustertrust.core.actions.opening import Opened, open_bundle
from clustertrust.core.cancel import CancelToken
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
from clustertrust.core.source.load import SourceData


@dataclass(frozen=True)
class Where:
    """A project of an organization, and where its API is (None: the saved or default one)."""

    organization: str | None = None
    project: str | None = None
    api_url: str | None = None
    identity_url: str | None = None

    def settings(self) -> CloudSettings:
        return load_settings().updated(
            organization=self.organization,
            project=self.project,
            api_url=self.api_url,
            identity_url=self.identity_url,
        )


@dataclass(frozen=True)
class Listing:
    """A signed-in session and the clusters of its project, to pick one from."""

    client: KurrentCloud
    organization: str
    project: str
    clusters: list[ClusterInfo]


@dataclass(frozen=True)
class Fetched:
    info: ClusterInfo
    opened: Opened  # its offered_url is the cluster's UI address (None known: "")


def log_in(
    where: Where, token: str, remember: bool = True, context: ssl.SSLContext | None = None
) -> CloudSettings:
    """Check a typed refresh token by exchanging it, then keep it in the keyring (`remember`)
    and the settings; returns the settings kept."""
    settings = where.settings()
    sign_in(settings, token, remember=remember, context=context)
    return settings


def list_clusters(
    where: Where,
    token: str = "",
    remember: bool = False,
    context: ssl.SSLContext | None = None,
) -> Listing:
    """Sign in (the typed token, else the keyring's) and list the project's clusters."""
    client, organization, project = _signed_in(where, token, remember, context)
    return Listing(client, organization, project, client.list_clusters(organization, project))


def _signed_in(
    where: Where, token: str = "", remember: bool = False, context: ssl.SSLContext | None = None
) -> tuple[KurrentCloud, str, str]:
    """Signed in to the project `where` names (a missing id is an InputError before any
    request), with the organization and project used."""
    settings = where.settings()
    organization, project = require_ids(settings, where.organization, where.project)
    return sign_in(settings, token, remember=remember, context=context), organization, project


def download(
    listing: Listing,
    cluster: str,
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
) -> SourceData:
    """The bundle of a cluster of the listed project, with the listing's signed-in session;
    open it with core.actions.opening.open_bundle(source=...)."""
    project = listing.organization, listing.project
    return listing.client.certificate(*project, cluster, progress, cancel)


def fetch_bundle(
    where: Where,
    cluster: str,
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
    context: ssl.SSLContext | None = None,
) -> Fetched:
    """With the keyring's token: the cluster's details, and its bundle downloaded and opened
    (core.actions.opening's password rule)."""
    client, organization, project = _signed_in(where, context=context)
    info = client.cluster(organization, project, cluster)
    source = client.certificate(organization, project, cluster, progress, cancel)
    opened = open_bundle(source.origin, source=source)
    opened.offered_url = info.address or ""
    return Fetched(info, opened)


def log_out() -> bool:
    """Forget the stored refresh token; False when none was stored."""
    from clustertrust.core import secrets

    return secrets.delete_secret(TOKEN_NAME)


__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_IDENTITY_URL",
    "CloudSettings",
    "ClusterInfo",
    "Fetched",
    "KurrentCloud",
    "Listing",
    "Where",
    "archive_bytes",
    "download",
    "fetch_bundle",
    "list_clusters",
    "load_settings",
    "log_in",
    "log_out",
]
