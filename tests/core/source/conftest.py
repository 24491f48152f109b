"""Fixtures the download tests share."""

import pytest
from support.https_server import ServerPki, make_server_pki


@pytest.fixture(scope="module")
def server_pki(tmp_path_factory: pytest.TempPathFactory) -> ServerPki:
    """A CA and a 127.0.0.1 server certificate for the module's HTTPS test servers."""
    return make_server_pki(tmp_path_factory.mktemp("srv"))
