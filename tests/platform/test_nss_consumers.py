"""What verification asks of the NSS databases, with the real vfychain and certutil: does this
database trust the chain a server sent, which certificates have their key; and never-started
Firefox profiles get their database created the way Firefox creates it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from clustertrust.core.model import Scope
from clustertrust.platform import nss
from clustertrust.platform.runner import SubprocessRunner
from support import browsers, pki
from support.tls_peers import bundle_of

pytestmark = pytest.mark.skipif(not shutil.which("vfychain"), reason="needs libnss3-tools")


@pytest.fixture(scope="module")
def chain() -> dict[str, pki.Issued]:
    root = pki.make_ca("d4f2example-ca", "p256")
    intermediate = pki.make_intermediate(root, "d4f2example-intermediate", "p256")
    leaf = pki.make_leaf(intermediate, "ui", "p256", client=False, server_names=["127.0.0.1"])
    old = pki.NOW - dt.timedelta(days=60)
    expired = pki.make_leaf(root, "ui", "p256", client=False, not_before=old, days=30)
    return {"root": root, "intermediate": intermediate, "leaf": leaf, "expired": expired}


def store_with(folder: Path, root: pki.Issued | None, trust: str = "C,,") -> nss.NssStore:
    browsers.new_db(folder)
    store = nss.NssStore(SubprocessRunner(), [nss.Database(folder)])
    if root is not None:
        argv = (str(store.certutil), "-A", "-d", f"sql:{folder}", "-n", "root", "-t", trust, "-a")
        SubprocessRunner().run(argv, input=root.cert_pem)
    return store


def sent(*issued: pki.Issued) -> list[bytes]:
    return [i.cert_der for i in issued]


def test_a_database_trusting_the_root_accepts_the_chain_the_server_sent(
    tmp_path: Path, chain: dict[str, pki.Issued]
) -> None:
    store = store_with(tmp_path / "db", chain["root"])
    full = store.check_chain(str(tmp_path / "db"), sent(chain["leaf"], chain["intermediate"]))
    leaf_only = store.check_chain(str(tmp_path / "db"), sent(chain["leaf"]))
    assert (full.trusted, full.ran) == (True, True)
    assert (leaf_only.trusted, leaf_only.error) == (False, -8179)  # SEC_ERROR_UNKNOWN_ISSUER


@pytest.mark.parametrize(
    ("root", "trust", "leaf", "error"),
    [
        (False, "C,,", "leaf", -8179),  # the CA is not there: SEC_ERROR_UNKNOWN_ISSUER
        (True, ",,", "leaf", -8172),  # there, trust taken away: SEC_ERROR_UNTRUSTED_ISSUER
        (True, "C,,", "expired", -8181),  # SEC_ERROR_EXPIRED_CERTIFICATE
    ],
)
def test_each_refusal_carries_the_nss_error_code(
    tmp_path: Path, chain: dict[str, pki.Issued], root: bool, trust: str, leaf: str, error: int
) -> None:
    store = store_with(tmp_path / "db", chain["root"] if root else None, trust)
    check = store.check_chain(str(tmp_path / "db"), sent(chain[leaf], chain["intermediate"]))
    assert (check.trusted, check.ran, check.error) == (False, True, error)


def test_without_vfychain_or_a_database_the_check_says_it_could_not_run(
    tmp_path: Path, chain: dict[str, pki.Issued]
) -> None:
    store = store_with(tmp_path / "db", chain["root"])
    store.vfychain = None
    missing = store.check_chain(str(tmp_path / "db"), sent(chain["leaf"]))
    assert (missing.ran, "libnss3-tools" in missing.why) == (False, True)
    nothing = nss.check_chain(SubprocessRunner(), Path("/usr/bin/vfychain"), tmp_path, [b"x"])
    assert nothing.ran is False


def test_keys_by_certificate_tells_an_identity_from_a_ca(
    tmp_path: Path, kurrent: pki.KurrentBundle
) -> None:
    folder = browsers.new_db(tmp_path / "db")
    store = nss.NssStore(SubprocessRunner(), [nss.Database(folder)])
    for step in store.plan_install(bundle_of(kurrent.files()), Scope.USER):
        step.run()
    held = store.keys_by_certificate(str(folder))
    assert held == {pki_sha(kurrent.ca): False, pki_sha(kurrent.client): True}
    assert store.keys_by_certificate(str(tmp_path / "nowhere")) == {}


def pki_sha(issued: pki.Issued) -> str:
    from clustertrust.core import certinfo

    return certinfo.sha256(issued.cert)


def test_a_never_started_profile_gets_its_database_then_the_items(
    isolated_dirs: Path, kurrent: pki.KurrentBundle
) -> None:
    folders = browsers.firefox(isolated_dirs, {"fresh": False})
    store = nss.NssStore(SubprocessRunner())
    [database] = store.databases
    assert (database.name, database.exists) == ("Firefox (profile fresh)", False)
    steps = store.plan_install(bundle_of(kurrent.files()), Scope.USER)
    assert "never started" in steps[0].summary
    assert steps[0].commands[0].endswith(f"-N -d sql:{folders['fresh']} --empty-password")
    assert not any(store.is_installed(step.record) for step in steps)
    for step in steps:
        step.run()
    assert all(store.is_installed(step.record) for step in steps)
    assert store.browser_databases() == [str(folders["fresh"])]
    assert (folders["fresh"] / "key4.db").is_file()


def test_browser_names_are_what_a_person_recognises(isolated_dirs: Path) -> None:
    browsers.chromium(isolated_dirs)
    browsers.chromium(isolated_dirs, "xdg")
    browsers.firefox(isolated_dirs, {"default-release": True})
    names = [db.name for db in nss.NssStore(SubprocessRunner()).databases]
    assert names == [
        "Chromium",
        "Chromium (~/.local/share/pki/nssdb)",
        "Firefox (profile default-release)",
    ]
