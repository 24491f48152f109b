"""What several store mechanisms share: the step that removes a certificate, the client identity
as a PKCS#12 every OS tool reads, and private temporary files for handing key material to a
tool."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from clustertrust.core import fileio, paths
from clustertrust.core.i18n import tr
from clustertrust.core.model import Record, Step
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

if TYPE_CHECKING:
    from clustertrust.core.bundle import Bundle


def removal(
    record: Record,
    commands: tuple[str, ...],
    run: Callable[[], None],
    needs_authorization: bool = False,
    note: str = "",
) -> list[Step]:
    """The one step that takes `record`'s certificate out of its store."""
    summary = tr("Remove {subject} from {location}").format(
        subject=repr(record.subject), location=record.location
    )
    return [
        Step(
            action="remove",
            record=record,
            summary=summary,
            commands=commands,
            undo_commands=(),
            needs_authorization=needs_authorization,
            note=note,
            run=run,
        )
    ]


def legacy_p12(bundle: Bundle, friendly_name: str, password: str) -> bytes:
    """The client identity as PKCS#12 with 3DES and a SHA-1 MAC, which every OS tool reads.

    macOS `security import` rejects OpenSSL 3's AES PKCS#12 ("MAC verification failed"), and
    Windows before 10 1709 cannot read it either; the CA is left out on purpose (it is trusted
    by its own step, and an untrusted copy would only add clutter).
    """
    if bundle.client_cert is None or bundle.private_key is None:
        raise ValueError("the bundle has no client identity")
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode(),
        bundle.private_key,
        bundle.client_cert,
        None,
        encryption,
    )


@contextlib.contextmanager
def private_files(contents: dict[str, bytes]) -> Iterator[Path]:
    """A 0700 folder in the user's runtime folder holding the given files, each 0600 from
    creation; removed on every exit path (SIGTERM unwinds too: see cli.main), and by the next
    run's start when this process was killed outright."""
    with fileio.private_folder(paths.runtime_dir()) as folder:
        for name, data in contents.items():
            fileio.create_private(folder / name, data)
        yield folder
