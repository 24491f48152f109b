"""Where a bundle's bytes come from: a local file, a local folder, or an HTTPS URL.

Nothing is written to disk while reading.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from clustertrust.core.errors import SourceError
from clustertrust.core.i18n import tr

if TYPE_CHECKING:  # https (ssl, http.client, truststore) and cancelling only for a URL
    import ssl

    from clustertrust.core.cancel import CancelToken
    from clustertrust.core.source.https import Progress, Timeouts

MAX_SOURCE_BYTES = 16 << 20
MAX_FOLDER_FILES = 64


class SourceData(NamedTuple):
    """Raw bytes of one or more files, and a description of where they came from."""

    origin: str
    files: tuple[tuple[str, bytes], ...]


def load_source(
    spec: str,
    *,
    progress: Progress | None = None,
    context: ssl.SSLContext | None = None,
    timeouts: Timeouts | None = None,
    cancel: CancelToken | None = None,
) -> SourceData:
    """Read `spec`: an https:// URL, a file or a folder."""
    if "://" in spec:
        from clustertrust.core.source.https import split_https_url

        split_https_url(spec)  # refuses credentials before the address is used anywhere
        return load_url(spec, progress=progress, context=context, timeouts=timeouts, cancel=cancel)
    path = Path(spec).expanduser()
    if path.is_dir():
        return load_folder(path)
    return load_file(path)


def load_file(path: Path) -> SourceData:
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(
                tr("{path} is {size} MiB; a certificate bundle is a few KiB.").format(
                    path=path, size=size >> 20
                ),
                tr("Check that you picked the cluster's certificate bundle."),
            )
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SourceError(
            tr("{path} does not exist.").format(path=path), tr("Check the path and try again.")
        ) from exc
    except IsADirectoryError as exc:  # pragma: no cover - is_dir() routes folders elsewhere
        raise SourceError(
            tr("{path} is a folder.").format(path=path), tr("Choose the bundle file.")
        ) from exc
    except PermissionError as exc:
        raise SourceError(
            tr("{path} cannot be read: permission denied.").format(path=path),
            tr("Copy the file somewhere you can read, or fix its permissions."),
        ) from exc
    except OSError as exc:
        raise SourceError(
            tr("{path} cannot be read: {reason}.").format(path=path, reason=exc.strerror),
            tr("Check the path."),
        ) from exc
    return SourceData(str(path), ((path.name, data),))


def load_folder(folder: Path) -> SourceData:
    files: list[tuple[str, bytes]] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(root, name)
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            if len(files) >= MAX_FOLDER_FILES:
                raise SourceError(
                    tr("{folder} holds more than {count} files.").format(
                        folder=folder, count=MAX_FOLDER_FILES
                    ),
                    tr("Choose the folder that holds just the certificate bundle."),
                )
            files.append((path.relative_to(folder).as_posix(), load_file(path).files[0][1]))
    if not files:
        raise SourceError(
            tr("{folder} holds no files.").format(folder=folder),
            tr("Choose the folder with the bundle's files."),
        )
    return SourceData(str(folder), tuple(files))


def load_url(
    url: str,
    *,
    progress: Progress | None = None,
    context: ssl.SSLContext | None = None,
    timeouts: Timeouts | None = None,
    cancel: CancelToken | None = None,
) -> SourceData:
    from clustertrust.core.source.https import DEFAULT_TIMEOUTS, https_get, shown_url

    response = https_get(
        url,
        context=context,
        timeouts=timeouts or DEFAULT_TIMEOUTS,
        max_bytes=MAX_SOURCE_BYTES,
        progress=progress,
        cancel=cancel,
    )
    if response.status != 200:
        raise SourceError(
            tr("The server answered {status} for {url}.").format(
                status=response.status, url=shown_url(url)
            ),
            _http_fix(response.status),
        )
    name = Path(urllib.parse.urlsplit(response.url).path).name or "download"
    return SourceData(shown_url(url), ((name, response.body),))  # no signed link's token


def _http_fix(status: int) -> str:
    if status in (401, 403):
        return tr(
            "The link needs a login or has expired: download the bundle again from the console."
        )
    if status == 404:
        return tr("The address is wrong or the bundle was removed: copy the link again.")
    return tr("Try again later, or download the bundle in a browser and choose the file.")
