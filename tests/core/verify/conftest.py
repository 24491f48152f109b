"""Fixtures the verify tests share."""

import pytest
from clustertrust.core.bundle.reader import Bundle
from support import pki
from support.tls_peers import bundle_of


@pytest.fixture(scope="module")
def bundle(kurrent: pki.KurrentBundle) -> Bundle:
    """The Kurrent bundle, read once per module from its files."""
    return bundle_of(kurrent.files(), "certificate_bundle.tar.gz")
