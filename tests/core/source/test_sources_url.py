"""Downloading a bundle over HTTPS from a real local server: progress, caps, timeouts, errors."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from clustertrust.core.bundle.reader import read_bundle
from clustertrust.core.cancel import CancelToken
from clustertrust.core.errors import Cancelled, SourceError
from clustertrust.core.source.https import Timeouts, https_get
from clustertrust.core.source.load import MAX_SOURCE_BYTES, load_source
from support import pki
from support.https_server import Route, ServerPki, serve_https


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


def test_download_with_progress(server_pki: ServerPki, kurrent: pki.KurrentBundle) -> None:
    body = pki.tar_bytes(kurrent.files())
    progress: list[tuple[int, int | None]] = []
    with serve_https(server_pki, {"/b/certificate_bundle.tar.gz": Route(body=body)}) as (url, _):
        source = load_source(
            f"{url}/b/certificate_bundle.tar.gz",
            progress=lambda done, total: progress.append((done, total)),
            context=server_pki.client_context(),
        )
    assert source.files == (("certificate_bundle.tar.gz", body),)
    assert progress[-1] == (len(body), len(body))
    assert read_bundle(source).client_cert is not None


def test_redirect_is_followed(server_pki: ServerPki) -> None:
    routes = {"/old": Route(302, headers={"Location": "/new.pem"}), "/new.pem": Route(body=b"pem")}
    with serve_https(server_pki, routes) as (url, seen):
        source = load_source(f"{url}/old", context=server_pki.client_context())
    assert source.files[0] == ("new.pem", b"pem") and [s["path"] for s in seen] == [
        "/old",
        "/new.pem",
    ]


@pytest.mark.parametrize(
    ("status", "phrase"), [(404, "copy the link again"), (401, "login"), (500, "Try again later")]
)
def test_http_errors(server_pki: ServerPki, status: int, phrase: str) -> None:
    with serve_https(server_pki, {"/x": Route(status, b"nope")}) as (url, _):
        with pytest.raises(SourceError, match=str(status)) as error:
            load_source(f"{url}/x", context=server_pki.client_context())
    assert phrase in error.value.fix


def test_untrusted_server_is_refused(server_pki: ServerPki) -> None:
    with serve_https(server_pki, {"/x": Route(body=b"x")}) as (url, _):
        with pytest.raises(SourceError, match="not trusted"):
            load_source(f"{url}/x")  # default context: the test CA is not trusted


def test_size_cap_declared_and_streamed(server_pki: ServerPki) -> None:
    big = b"\0" * (MAX_SOURCE_BYTES + 1)
    routes = {"/declared": Route(body=big), "/streamed": Route(body=big, declare_length=False)}
    with serve_https(server_pki, routes) as (url, _):
        for path in routes:
            with pytest.raises(SourceError, match="larger than 16 MiB"):
                load_source(url + path, context=server_pki.client_context())


def test_read_timeout(server_pki: ServerPki) -> None:
    with serve_https(server_pki, {"/slow": Route(body=b"x", delay=2.0)}) as (url, _):
        with pytest.raises(SourceError, match="did not answer in time"):
            https_get(
                f"{url}/slow",
                context=server_pki.client_context(),
                timeouts=Timeouts(connect=2, read=0.3),
            )


def test_cancel_stops_a_stalled_download_at_once(server_pki: ServerPki) -> None:
    token = CancelToken("download")
    threading.Timer(0.3, token.cancel).start()
    with serve_https(server_pki, {"/x": Route(body=b"x", delay=5.0)}) as (url, _):
        started = time.monotonic()
        with pytest.raises(Cancelled, match="download was cancelled"):
            https_get(f"{url}/x", context=server_pki.client_context(), cancel=token)
    assert time.monotonic() - started < 3  # not the 30 s read timeout, nor the 5 s stall


def test_connection_refused_is_clear(server_pki: ServerPki) -> None:
    from support import servers

    port = servers.free_port()
    with pytest.raises(SourceError, match="Could not download"):
        load_source(f"https://127.0.0.1:{port}/b.tgz", context=server_pki.client_context())


def test_proxy_environment_is_honoured(
    server_pki: ServerPki, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from support import connect_proxy

    with serve_https(server_pki, {"/b.pem": Route(body=b"pem")}) as (url, _), \
            connect_proxy.run() as proxy:  # fmt: skip
        monkeypatch.setenv("https_proxy", proxy.url)
        monkeypatch.setenv("no_proxy", "")
        source = load_source(f"{url}/b.pem", context=server_pki.client_context())
    assert source.files[0][1] == b"pem"
    assert proxy.tunnels == [url.removeprefix("https://")]
