"""Fixtures the core tests share: the local imitation of Kurrent Cloud."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import pki
from support.cloud_server import CloudServer, one_project, run_cloud_server


@pytest.fixture(scope="module")
def cloud_imitation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CloudServer]:
    yield from run_cloud_server(tmp_path_factory.mktemp("cloud"))


@pytest.fixture
def cloud_server(cloud_imitation: CloudServer, kurrent: pki.KurrentBundle) -> CloudServer:
    """The imitation serving the tests' project (support.cloud_server.one_project), from scratch."""
    one_project(cloud_imitation.state, kurrent.files())
    return cloud_imitation
