"""Windows certutil adapter, tested by exact command lines against a recording runner.

certutil cannot run here. The answers below are what certutil prints according to its
documentation (learn.microsoft.com, "certutil"): `-addstore` / `-importPFX` / `-delstore` /
`-verifystore` success lines, ERROR_CANCELLED when the user answers No to the root-store
warning, CRYPT_E_NOT_FOUND for a thumbprint that is not in the store, and E_ACCESSDENIED for
LocalMachine without elevation. A fake store keeps state by reading the files certutil is given.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.errors import Cancelled, OperationFailed
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.platform.windows import WindowsStore
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from support import pki
from support.recording import RecordingRunner

CERTUTIL = r"C:\Windows\System32\certutil.exe"
NAMES = {"Root": 'Root "Trusted Root Certification Authorities"', "My": 'My "Personal"'}
CANCELLED = (
    'Root "Trusted Root Certification Authorities"\r\n'
    "CertUtil: -addstore command FAILED: 0x800704c7 (WIN32: 1223 ERROR_CANCELLED)\r\n"
    "CertUtil: The operation was canceled by the user.\r\n"
)
DENIED = (
    "CertUtil: -addstore command FAILED: 0x80070005 (WIN32: 5 ERROR_ACCESS_DENIED)\r\n"
    "CertUtil: Access is denied.\r\n"
)


class FakeWindows:
    """Certificate stores as sets of SHA-1 thumbprints, per (user|machine, store)."""

    def __init__(self, runner: RecordingRunner) -> None:
        self.stores: dict[tuple[str, str], dict[str, x509.Certificate]] = {}
        runner.on("-addstore", effect=self.addstore)
        runner.on("-importPFX", effect=self.import_pfx)
        runner.on("-verifystore", effect=self.verifystore)
        runner.on("-delstore", effect=self.delstore)

    def _store(self, argv: tuple[str, ...], name: str) -> dict[str, x509.Certificate]:
        return self.stores.setdefault(("user" if "-user" in argv else "machine", name), {})

    def addstore(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        cert = x509.load_pem_x509_certificate(Path(argv[-1]).read_bytes())
        self._store(argv, argv[-2])[certinfo.sha1(cert)] = cert
        name = certinfo.common_name(cert.subject)
        return (
            0,
            (
                f'{NAMES["Root"]}\r\nSignature matches Public Key\r\nCertificate "{name}" '
                "added to store.\r\nCertUtil: -addstore command completed successfully.\r\n"
            ),
            "",
        )

    def import_pfx(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        password = argv[argv.index("-p") + 1].encode()
        data = Path(argv[argv.index("-importPFX") + 2]).read_bytes()
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
        assert key is not None and cert is not None and not extra
        self._store(argv, "My")[certinfo.sha1(cert)] = cert
        name = certinfo.common_name(cert.subject)
        return (
            0,
            (
                f'Certificate "{name}" added to store.\r\n\r\n'
                "CertUtil: -importPFX command completed successfully.\r\n"
            ),
            "",
        )

    def verifystore(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        store, thumbprint = argv[-2], argv[-1]
        cert = self._store(argv, store).get(thumbprint)
        if cert is None:
            return (
                -2146885628,
                (
                    f"{NAMES[store]}\r\nCertUtil: -verifystore command FAILED: "
                    "0x80092004 (-2146885628 CRYPT_E_NOT_FOUND)\r\n"
                    "CertUtil: Cannot find object or property.\r\n"
                ),
                "",
            )
        spaced = " ".join(thumbprint[i : i + 2] for i in range(0, 40, 2))  # as older Windows
        return (
            0,
            (
                f"{NAMES[store]}\r\n================ Certificate 0 ================\r\n"
                f"Serial Number: {cert.serial_number:x}\r\n"
                f"Subject: CN={certinfo.common_name(cert.subject)}\r\n"
                f"Cert Hash(sha1): {spaced}\r\n"
                "CertUtil: -verifystore command completed successfully.\r\n"
            ),
            "",
        )

    def delstore(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        store = argv[-2]
        self._store(argv, store).pop(argv[-1])
        return (
            0,
            (
                f"{NAMES[store]}\r\nDeleting Certificate 0\r\n"
                "CertUtil: -delstore command completed successfully.\r\n"
            ),
            "",
        )


@pytest.fixture
def bundle(tmp_path: Path, kurrent: pki.KurrentBundle) -> Bundle:
    tgz = tmp_path / "certificate_bundle.tar.gz"
    tgz.write_bytes(pki.tar_bytes(kurrent.files()))
    return read_bundle(load_source(str(tgz)))


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()


@pytest.fixture
def fake(runner: RecordingRunner) -> FakeWindows:
    return FakeWindows(runner)


def store(runner: RecordingRunner) -> WindowsStore:
    return WindowsStore(runner, Path(CERTUTIL))


def test_user_scope_command_lines(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    ca, identity = store(runner).plan_install(bundle, Scope.USER)
    assert ca.commands == (f"{CERTUTIL} -user -addstore Root ca.crt",)
    assert identity.commands == (f"{CERTUTIL} -user -p *** -importPFX My bundle.p12 NoRoot",)
    assert ca.needs_authorization and not identity.needs_authorization
    ca.run()
    identity.run()
    add, pfx = runner.calls
    assert add.argv[:4] == (CERTUTIL, "-user", "-addstore", "Root")
    assert add.argv[4].endswith("ca.crt") and not Path(add.argv[4]).exists()  # temp file gone
    password = pfx.argv[3]
    assert pfx.argv[:3] == (CERTUTIL, "-user", "-p") and pfx.argv[4:6] == ("-importPFX", "My")
    assert pfx.argv[7] == "NoRoot" and len(password) >= 24 and password != "kurrent"
    assert password not in " ".join(pfx.shown) and "***" in pfx.shown
    sha1 = certinfo.sha1(bundle.client_cert)  # type: ignore[arg-type]
    assert set(fake.stores[("user", "My")]) == {sha1}


def test_install_check_and_remove_by_thumbprint(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.json")
    windows = store(runner)
    plans.apply_plan(plans.plan_install(bundle, Scope.USER, [windows], ledger), ledger)
    assert [i.present for i in plans.status(ledger, [windows])] == [True, True]
    assert {r.location for r in ledger.records()} == {"CurrentUser\\Root", "CurrentUser\\My"}
    runner.calls.clear()
    plans.apply_plan(plans.plan_uninstall(ledger.records(), [windows]), ledger)
    deletes = [c.argv for c in runner.calls if "-delstore" in c.argv]
    assert deletes == [
        (CERTUTIL, "-user", "-delstore", "Root", certinfo.sha1(bundle.ca)),  # type: ignore[arg-type]
        (CERTUTIL, "-user", "-delstore", "My", certinfo.sha1(bundle.client_cert)),  # type: ignore[arg-type]
    ]
    assert all(len(d[-1]) == 40 for d in deletes)  # by SHA-1 thumbprint, never by serial
    assert ledger.records() == [] and not any(fake.stores.values())


def test_answering_no_to_the_root_warning_is_exit_3(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle, tmp_path: Path
) -> None:
    runner.on("-addstore", returncode=-2147023673, stdout=CANCELLED)
    ledger = Ledger(tmp_path / "ledger.json")
    plan = plans.plan_install(bundle, Scope.USER, [store(runner)], ledger)
    with pytest.raises(Cancelled) as raised:
        plans.apply_plan(plan, ledger)
    assert raised.value.exit_code == 3 and "choose Yes" in raised.value.fix
    assert ledger.records() == [] and not any(fake.stores.values())


def test_a_failed_identity_import_takes_the_ca_back_out(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle, tmp_path: Path
) -> None:
    runner.on(
        "-importPFX",
        returncode=-2147024809,
        stdout="CertUtil: -importPFX command FAILED: 0x80070057 (WIN32: 87 "
        "ERROR_INVALID_PARAMETER)\r\nCertUtil: The parameter is incorrect.\r\n",
    )
    ledger = Ledger(tmp_path / "ledger.json")
    with pytest.raises(OperationFailed) as raised:
        plans.apply_plan(plans.plan_install(bundle, Scope.USER, [store(runner)], ledger), ledger)
    assert "ERROR_INVALID_PARAMETER" in raised.value.message
    assert not any(fake.stores.values()) and ledger.records() == []
    assert any("-delstore" in c.argv for c in runner.calls)


def test_system_scope_uses_local_machine_and_explains_access_denied(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    ca, identity = store(runner).plan_install(bundle, Scope.SYSTEM)
    assert ca.commands == (f"{CERTUTIL} -addstore Root ca.crt",)
    assert identity.commands == (f"{CERTUTIL} -p *** -importPFX My bundle.p12 NoRoot",)
    assert ca.record.location == "LocalMachine\\Root" and identity.needs_authorization
    runner.on("-addstore", returncode=-2147024891, stdout=DENIED)
    with pytest.raises(OperationFailed) as raised:
        ca.run()
    assert "administrator" in raised.value.fix and "--scope user" in raised.value.fix


def test_not_found_means_not_installed(
    runner: RecordingRunner, fake: FakeWindows, bundle: Bundle
) -> None:
    ca, _ = store(runner).plan_install(bundle, Scope.USER)
    assert not store(runner).is_installed(ca.record)
    ca.undo()  # removing what is not there runs no -delstore
    assert not any("-delstore" in c.argv for c in runner.calls)
