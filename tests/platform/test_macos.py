"""macOS keychain adapter, tested by exact command lines against a recording runner.

security(1) cannot run here. The answers are what it prints according to its manual page and
Apple's documentation: `1 identity imported.`, `find-certificate -Z` printing `SHA-256 hash:` and
`SHA-1 hash:` lines, `verify-cert` ending in `certificate verification successful.`,
errSecItemNotFound (exit 44) for a missing item, "MAC verification failed during PKCS12 import"
for a PKCS#12 it cannot read (OpenSSL 3's AES), and "The authorization was canceled by the
user." when the password dialog is dismissed. A fake keychain keeps state from the files given.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.errors import Cancelled
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.core.source.load import load_source
from clustertrust.platform import macos
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from support import pki
from support.recording import RecordingRunner

SECURITY = "/usr/bin/security"
PBES2 = bytes.fromhex("2a864886f70d01050d")  # the OID OpenSSL 3 uses (AES); macOS rejects it
TRIPLE_DES = bytes.fromhex("2a864886f70d010c0103")  # pbeWithSHAAnd3-KeyTripleDES-CBC
NOT_FOUND = (
    44,
    "",
    "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.\n",
)
CANCELLED = (
    1,
    "",
    "SecTrustSettingsSetTrustSettings: The authorization was canceled by the user.\n",
)


class FakeKeychains:
    def __init__(self, runner: RecordingRunner) -> None:
        self.items: dict[str, dict[str, x509.Certificate]] = {}  # keychain -> sha1 -> cert
        self.trusted: set[str] = set()
        for verb, effect in (
            ("import", self.import_p12),
            ("add-trusted-cert", self.trust),
            ("find-certificate", self.find),
            ("verify-cert", self.verify),
            ("remove-trusted-cert", self.untrust),
            ("delete-certificate", self.delete),
            ("delete-identity", self.delete),
        ):
            runner.on(verb, effect=effect)

    def import_p12(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        data = Path(argv[2]).read_bytes()
        if PBES2 in data or TRIPLE_DES not in data:
            return (
                1,
                "",
                (
                    "security: SecKeychainItemImport: MAC verification failed during "
                    "PKCS12 import (wrong password?)\n"
                ),
            )
        key, cert, extra = pkcs12.load_key_and_certificates(data, argv[-1].encode())
        assert key is not None and cert is not None and not extra
        self.items.setdefault(argv[argv.index("-k") + 1], {})[certinfo.sha1(cert)] = cert
        return 0, "1 identity imported.\n", ""

    def trust(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        cert = x509.load_pem_x509_certificate(Path(argv[-1]).read_bytes())
        self.items.setdefault(argv[argv.index("-k") + 1], {})[certinfo.sha1(cert)] = cert
        self.trusted.add(certinfo.sha1(cert))
        return 0, "", ""

    def find(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        name, keychain = argv[argv.index("-c") + 1], argv[-1]
        found = [
            c
            for c in self.items.get(keychain, {}).values()
            if name in certinfo.common_name(c.subject)
        ]
        if not found:
            return NOT_FOUND
        if "-p" in argv:
            return 0, "".join(certinfo.to_pem(c).decode() for c in found), ""
        return (
            0,
            "".join(
                f"SHA-256 hash: {certinfo.sha256(c).upper()}\n"
                f"SHA-1 hash: {certinfo.sha1(c).upper()}\n"
                f'keychain: "{keychain}"\nversion: 512\nclass: 0x80001000\nattributes:\n'
                f'    "alis"<blob>="{certinfo.common_name(c.subject)}"\n'
                for c in found
            ),
            "",
        )

    def verify(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        cert = x509.load_pem_x509_certificate(Path(argv[argv.index("-c") + 1]).read_bytes())
        if certinfo.sha1(cert) in self.trusted:
            return 0, "...certificate verification successful.\n", ""
        return 1, "", "Cert Verify Result: CSSMERR_TP_NOT_TRUSTED\n"

    def untrust(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        cert = x509.load_pem_x509_certificate(Path(argv[-1]).read_bytes())
        self.trusted.discard(certinfo.sha1(cert))
        return 0, "", ""

    def delete(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        sha1 = argv[argv.index("-Z") + 1].lower()
        if self.items.get(argv[-1], {}).pop(sha1, None) is None:
            return NOT_FOUND
        return 0, "", ""


@pytest.fixture
def bundle(tmp_path: Path, kurrent: pki.KurrentBundle) -> Bundle:
    tgz = tmp_path / "certificate_bundle.tar.gz"
    tgz.write_bytes(pki.tar_bytes(kurrent.files()))  # bundle.p12 inside is AES (OpenSSL 3 style)
    return read_bundle(load_source(str(tgz)))


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()


@pytest.fixture
def fake(runner: RecordingRunner) -> FakeKeychains:
    return FakeKeychains(runner)


def test_user_scope_command_lines(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, isolated_dirs: Path
) -> None:
    login = str(isolated_dirs / "Library/Keychains/login.keychain-db")
    identity, ca = macos.MacKeychainStore(runner).plan_install(bundle, Scope.USER)
    assert identity.commands == (f"{SECURITY} import bundle.p12 -k {login} -f pkcs12 -P ***",)
    assert ca.commands == (f"{SECURITY} add-trusted-cert -r trustRoot -p ssl -k {login} ca.crt",)
    assert ca.needs_authorization
    identity.run()
    ca.run()
    imported, trusted = runner.calls
    password = imported.argv[-1]
    assert imported.argv[:2] == (SECURITY, "import") and imported.argv[3:8] == (
        "-k",
        login,
        "-f",
        "pkcs12",
        "-P",
    )
    assert password not in " ".join(imported.shown) and password != "kurrent"
    assert trusted.argv[:-1] == (
        SECURITY,
        "add-trusted-cert",
        "-r",
        "trustRoot",
        "-p",
        "ssl",
        "-k",
        login,
    )
    assert certinfo.sha1(bundle.ca) in fake.trusted  # type: ignore[arg-type]


def test_the_p12_is_re_encoded_with_legacy_algorithms(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle
) -> None:
    assert bundle.p12 is not None and PBES2 in bundle.p12.data  # what Kurrent ships
    identity, _ = macos.MacKeychainStore(runner).plan_install(bundle, Scope.USER)
    identity.run()  # the fake refuses AES exactly like security(1) does
    assert len(fake.items) == 1


def test_trust_can_be_restricted_to_the_cluster_host(
    runner: RecordingRunner, bundle: Bundle
) -> None:
    _, ca = macos.MacKeychainStore(runner, trust_host="abc.mesdb.eventstore.cloud").plan_install(
        bundle, Scope.USER
    )
    assert "-p ssl -s abc.mesdb.eventstore.cloud -k" in ca.commands[0]


def test_install_status_and_remove(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.json")
    keychain = macos.MacKeychainStore(runner)
    plans.apply_plan(plans.plan_install(bundle, Scope.USER, [keychain], ledger), ledger)
    assert [i.present for i in plans.status(ledger, [keychain])] == [True, True]
    runner.calls.clear()
    plans.apply_plan(plans.plan_uninstall(ledger.records(), [keychain]), ledger)
    changes = [
        c.argv[1:3]
        for c in runner.calls
        if c.argv[1] in ("delete-identity", "remove-trusted-cert", "delete-certificate")
    ]
    sha1 = certinfo.sha1(bundle.client_cert).upper()  # type: ignore[arg-type]
    assert changes[0] == ("delete-identity", "-Z") and sha1 in runner.calls[1].argv
    assert [c[0] for c in changes[1:]] == ["remove-trusted-cert", "delete-certificate"]
    assert not fake.trusted and not any(fake.items.values()) and ledger.records() == []


def test_a_present_but_untrusted_ca_is_not_installed(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle
) -> None:
    _, ca = macos.MacKeychainStore(runner).plan_install(bundle, Scope.USER)
    ca.run()
    fake.trusted.clear()  # e.g. someone set it to "Never Trust" in Keychain Access
    assert not macos.MacKeychainStore(runner).is_installed(ca.record)


def test_a_dismissed_password_dialog_is_exit_3_and_rolls_back(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, tmp_path: Path
) -> None:
    runner.on("add-trusted-cert", returncode=CANCELLED[0], stderr=CANCELLED[2])
    ledger = Ledger(tmp_path / "ledger.json")
    plan = plans.plan_install(bundle, Scope.USER, [macos.MacKeychainStore(runner)], ledger)
    with pytest.raises(Cancelled) as raised:
        plans.apply_plan(plan, ledger)
    assert raised.value.exit_code == 3
    assert not any(fake.items.values()) and ledger.records() == []  # the identity came back out


def test_system_scope_uses_admin_trust_and_the_system_keychain(
    runner: RecordingRunner, bundle: Bundle
) -> None:
    identity, ca = macos.MacKeychainStore(runner).plan_install(bundle, Scope.SYSTEM)
    assert ca.commands == (
        f"{SECURITY} add-trusted-cert -d -r trustRoot -p ssl -k "
        "/Library/Keychains/System.keychain ca.crt",
    )
    assert identity.record.location == "/Library/Keychains/System.keychain"
    assert "remove-trusted-cert -d" in ca.undo_commands[0]
