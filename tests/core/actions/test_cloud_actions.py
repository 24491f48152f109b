"""actions.cloud, what the wizard's Kurrent Cloud dialog and `clustertrust cloud` both call, against
the local HTTPS imitation of Kurrent Cloud (support/cloud_server.py) and the in-memory keyring."""

from __future__ import annotations

from pathlib import Path

import pytest
from clustertrust.core.actions import cloud
from clustertrust.core.cloud.kurrent import TOKEN_NAME, save_settings
from clustertrust.core.errors import InputError
from support.cloud_server import (
    CLIENT_ID,
    CLUSTER,
    ORG,
    PROJECT,
    REFRESH,
    UI,
    CloudServer,
    MemoryKeyring,
)


@pytest.fixture
def kurrent_cloud(cloud_server: CloudServer) -> CloudServer:
    save_settings(cloud.CloudSettings(cloud_server.url, cloud_server.url, CLIENT_ID))  # no project
    return cloud_server


def test_listing_with_a_typed_token_keeps_it_and_the_project_once_it_worked(
    kurrent_cloud: CloudServer, memory_keyring: MemoryKeyring
) -> None:
    where = cloud.Where(ORG, PROJECT)
    listing = cloud.list_clusters(where, REFRESH, remember=True, context=kurrent_cloud.context)
    assert [c.id for c in listing.clusters] == [CLUSTER, "other"]
    assert (listing.organization, listing.project) == (ORG, PROJECT)
    assert memory_keyring.entries == {("clustertrust", TOKEN_NAME): REFRESH}
    saved = cloud.load_settings()
    assert (saved.organization, saved.project) == (ORG, PROJECT)
    again = cloud.list_clusters(cloud.Where(), context=kurrent_cloud.context)  # the saved ones
    assert [c.id for c in again.clusters] == [CLUSTER, "other"]


def test_a_token_not_asked_to_be_remembered_is_not(
    kurrent_cloud: CloudServer, memory_keyring: MemoryKeyring
) -> None:
    cloud.list_clusters(cloud.Where(ORG, PROJECT), REFRESH, context=kurrent_cloud.context)
    assert memory_keyring.entries == {}


def test_an_unknown_project_is_said_before_anything_is_asked(kurrent_cloud: CloudServer) -> None:
    with pytest.raises(InputError, match="organization and project are not known"):
        cloud.list_clusters(cloud.Where(ORG), REFRESH, context=kurrent_cloud.context)
    assert kurrent_cloud.state.requests == []
    assert cloud.load_settings().organization == ""  # nothing kept


def test_fetching_opens_the_bundle_and_offers_the_clusters_address(
    kurrent_cloud: CloudServer, tmp_path: Path
) -> None:
    cloud.log_in(cloud.Where(ORG, PROJECT), REFRESH, context=kurrent_cloud.context)
    fetched = cloud.fetch_bundle(cloud.Where(), CLUSTER, context=kurrent_cloud.context)
    assert fetched.info.id == CLUSTER and fetched.info.address == UI
    opened = fetched.opened
    assert opened.offered_url == UI and opened.bundle.has_key
    assert opened.summaries[0][0] == "Certificate authority — will be trusted"
    assert cloud.archive_bytes(opened.source)  # what `cloud fetch -o` saves


def test_logging_out_forgets_the_token_once(
    kurrent_cloud: CloudServer, memory_keyring: MemoryKeyring
) -> None:
    cloud.log_in(cloud.Where(ORG, PROJECT), REFRESH, context=kurrent_cloud.context)
    assert cloud.log_out() is True
    assert memory_keyring.entries == {}
    assert cloud.log_out() is False
