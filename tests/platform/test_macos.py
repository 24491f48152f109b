"""macOS keychain adapter, against a recording runner that replays security(1)'s recorded outputs.

security(1) cannot run here. Every answer below is a recorded output from
../shared/os-tool-outputs.md with its source beside it, or is marked SYNTHETIC with the reason.
A fake keychain keeps state from the files the adapter passes, and behaves as Apple's source
says: add-trusted-cert stores the certificate before its dialog (trusted_cert_add.c).
"""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest
from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import Cancelled, InputError, OperationFailed
from clustertrust.core.install import plan as plans
from clustertrust.core.install.ledger import Ledger
from clustertrust.core.model import Scope
from clustertrust.platform import macos, mactrust
from clustertrust.platform.outcomes import DIALOG_TIMEOUT, NotAnswered
from clustertrust.platform.runner import CommandError, CommandTimedOut
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from support.recording import RecordingRunner

SECURITY = "/usr/bin/security"
SYSTEM = "/Library/Keychains/System.keychain"
HOST = "abc.mesdb.eventstore.cloud"
PBES2 = bytes.fromhex("2a864886f70d01050d")  # the OID OpenSSL 3 uses (AES); macOS rejects it
TRIPLE_DES = bytes.fromhex("2a864886f70d010c0103")  # pbeWithSHAAnd3-KeyTripleDES-CBC

# alt-tab-macos#3170: OpenSSL 3's AES PKCS#12 on macOS <= 15.
MAC_FAILED = (
    "security: SecKeychainItemImport: MAC verification failed during PKCS12 import "
    "(wrong password?)\n"
)
# Apple's source (the -60006 message), not a captured run.
CANCELLED = "SecTrustSettingsSetTrustSettings: The authorization was canceled by the user.\n"
# PeculiarVentures/fortify#475 (-60007): no GUI session.
NO_INTERACTION = (
    "SecTrustSettingsSetTrustSettings: The authorization was denied since no user interaction "
    "was possible.\n"
)
# vagrant-box-osx#49 (errSecInteractionNotAllowed, -25308).
IMPORT_NO_INTERACTION = "security: SecKeychainItemImport: User interaction is not allowed.\n"
# actions/runner-images#4734.
INTERNAL = "SecTrustSettingsSetTrustSettings: errSecInternalComponent\n"
# actions/runner-images#4734 (macOS 11) and #12116 (macOS 14.7): remove-trusted-cert, no setting.
NO_TRUST_SETTINGS = (
    "SecTrustSettingsRemoveTrustSettings: No Trust Settings were found.\n",
    "SecTrustSettingsRemoveTrustSettings: The specified item could not be found in the keychain.\n",
)
# SYNTHETIC: what trust-settings-export prints for a domain without settings was not recorded;
# the message is runner-images#4734's errSecNoTrustSettings text. Only its exit code is used.
EXPORT_NONE = "SecTrustSettingsCreateExternalRepresentation: No Trust Settings were found.\n"
# SYNTHETIC: `security error N` answers in the format of display_error_code.c
# (`Error: 0x%08X %d %s`, exit 1) with the messages recorded above for those statuses.
ENGLISH = {
    -60006: "The authorization was canceled by the user.",
    -60007: "The authorization was denied since no user interaction was possible.",
    -25308: "User interaction is not allowed.",
}
# SYNTHETIC, made up to show the decision follows the numbers in any language: no French
# security(1) output was recorded.
FRENCH = {-60006: "L’autorisation a été annulée par l’utilisateur."}


def not_found(sha1: str) -> tuple[int, str, str]:
    """delete-certificate / delete-identity for a missing item: exit 1 (keychain_delete.c)."""
    return 1, "", f'Unable to delete certificate matching "{sha1}"\n'


class FakeKeychains:
    def __init__(self, runner: RecordingRunner) -> None:
        self.items: dict[str, dict[str, x509.Certificate]] = {}  # keychain -> sha256 -> cert
        self.trust: dict[str, dict[str, list[dict[str, object]]]] = {"user": {}, "admin": {}}
        self.refusal: tuple[int, str, str] | None = None  # what the trust dialog ends in
        self.messages = ENGLISH
        for verb, effect in (
            ("import", self.import_p12),
            ("add-trusted-cert", self.add_trusted),
            ("find-certificate", self.find),
            ("trust-settings-export", self.export),
            ("remove-trusted-cert", self.untrust),
            ("delete-certificate", self.delete),
            ("delete-identity", self.delete),
            ("error", self.error),
        ):
            runner.on(verb, effect=effect)

    def add(self, keychain: str, cert: x509.Certificate) -> None:
        self.items.setdefault(keychain, {})[certinfo.sha256(cert)] = cert

    def import_p12(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        data = Path(argv[2]).read_bytes()
        if PBES2 in data or TRIPLE_DES not in data:
            return 1, "", MAC_FAILED
        password = argv[argv.index("-P") + 1].encode()
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
        assert key is not None and cert is not None and not extra
        self.add(argv[argv.index("-k") + 1], cert)
        return 0, "1 identity imported.\n", ""

    def add_trusted(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        cert = x509.load_pem_x509_certificate(Path(argv[-1]).read_bytes())
        self.add(argv[argv.index("-k") + 1], cert)  # stored before the dialog
        if self.refusal is not None:
            return self.refusal
        # SYNTHETIC constraint, after SecTrustSettings.h and mkcert's plist; whether trustRoot
        # writes kSecTrustSettingsResult was not recorded, so it is left out (absent = root).
        constraint: dict[str, object] = {
            "kSecTrustSettingsPolicy": mactrust.SSL_POLICY_OID,
            "kSecTrustSettingsPolicyName": "sslServer",
        }
        if "-s" in argv:
            constraint["kSecTrustSettingsPolicyString"] = argv[argv.index("-s") + 1]
        domain = "admin" if "-d" in argv else "user"
        self.trust[domain][certinfo.sha1(cert).upper()] = [constraint]
        return 0, "", ""

    def find(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        found = self.items.get(argv[-1], {}).values()  # -a with no match: exit 0, nothing
        if "-p" in argv:
            return 0, "".join(certinfo.to_pem(c).decode() for c in found), ""
        # keychain_find.c: per match `SHA-256 hash:` then `SHA-1 hash:` (attribute lines left out)
        lines = [
            f"SHA-256 hash: {certinfo.sha256(c).upper()}\nSHA-1 hash: {certinfo.sha1(c).upper()}\n"
            for c in found
        ]
        return 0, "".join(lines), ""

    def export(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        settings = self.trust["admin" if "-d" in argv else "user"]
        if not settings:
            return 1, "", EXPORT_NONE
        trust_list = {sha1: {"trustSettings": s} for sha1, s in settings.items()}
        document = {"trustList": trust_list, "trustVersion": 1}
        Path(argv[-1]).write_bytes(plistlib.dumps(document))
        return 0, "", ""

    def untrust(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        cert = x509.load_pem_x509_certificate(Path(argv[-1]).read_bytes())
        domain = self.trust["admin" if "-d" in argv else "user"]
        if domain.pop(certinfo.sha1(cert).upper(), None) is None:
            return 1, "", NO_TRUST_SETTINGS[0]
        return 0, "", ""

    def delete(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        sha1 = argv[argv.index("-Z") + 1]
        keychain = self.items.get(argv[-1], {})
        for sha256, cert in list(keychain.items()):
            if certinfo.sha1(cert).upper() == sha1:
                del keychain[sha256]
                if "-t" in argv:
                    self.trust["user"].pop(sha1, None)
                return 0, "", ""
        return not_found(sha1)

    def error(self, argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        codes = [int(a) for a in argv[2:]]
        lines = [
            f"Error: 0x{c & 0xFFFFFFFF:08X} {c} {self.messages[c]}"
            for c in codes
            if c in self.messages
        ]
        return 1, "\n".join(lines) + "\n", ""


@pytest.fixture
def runner() -> RecordingRunner:
    return RecordingRunner()


@pytest.fixture
def fake(runner: RecordingRunner) -> FakeKeychains:
    return FakeKeychains(runner)


@pytest.fixture
def login(isolated_dirs: Path) -> str:
    return str(isolated_dirs / "Library/Keychains/login.keychain-db")


def keychain(runner: RecordingRunner, host: str = "", root: bool = False) -> macos.MacKeychainStore:
    apps = {"/Applications/Safari.app", "/Applications/Google Chrome.app"}
    return macos.MacKeychainStore(runner, host, lambda: root, apps.__contains__)


def verbs(runner: RecordingRunner) -> list[str]:
    return [c.argv[1] for c in runner.calls]


def test_user_scope_command_lines(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, login: str
) -> None:
    identity, ca = keychain(runner).plan_install(bundle, Scope.USER)
    browsers = "-T /Applications/Safari.app -T /Applications/Google Chrome.app"
    assert identity.commands == (
        f"{SECURITY} import bundle.p12 -k {login} -f pkcs12 -P *** {browsers}",
    )
    assert identity.note == macos.KEY_PROMPT  # shown on the plan and the Done page
    assert ca.commands == (f"{SECURITY} add-trusted-cert -r trustRoot -p ssl -k {login} ca.crt",)
    assert ca.needs_authorization
    identity.run()
    ca.run()
    imported = runner.calls[0]
    password = imported.argv[imported.argv.index("-P") + 1]
    assert password.isalnum() and password not in " ".join(imported.shown)
    assert imported.argv[-4:] == (
        "-T",
        "/Applications/Safari.app",
        "-T",
        "/Applications/Google Chrome.app",
    )
    assert certinfo.sha1(bundle.ca).upper() in fake.trust["user"]  # type: ignore[arg-type]


def test_the_p12_is_re_encoded_with_legacy_algorithms(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle
) -> None:
    assert bundle.p12 is not None and PBES2 in bundle.p12.data  # what Kurrent ships
    identity, _ = keychain(runner).plan_install(bundle, Scope.USER)
    identity.run()  # the fake refuses AES exactly like security(1) does
    assert len(fake.items) == 1


def test_install_status_and_remove(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.json")
    store = keychain(runner)
    plans.apply_plan(plans.plan_install(bundle, Scope.USER, [store], ledger), ledger)
    assert [i.present for i in plans.status(ledger, [store])] == [True, True]
    runner.calls.clear()
    plans.apply_plan(plans.plan_uninstall(ledger.records(), [store]), ledger)
    changes = [c.argv[1:-1] for c in runner.calls if c.argv[1].startswith("delete-")]
    assert changes == [
        ("delete-identity", "-Z", certinfo.sha1(bundle.client_cert).upper()),  # type: ignore[arg-type]
        ("delete-certificate", "-t", "-Z", certinfo.sha1(bundle.ca).upper()),  # type: ignore[arg-type]
    ]
    assert "remove-trusted-cert" not in verbs(runner) and "verify-cert" not in verbs(runner)
    assert not fake.trust["user"] and not any(fake.items.values()) and ledger.records() == []


def test_removal_after_the_trust_went_or_twice_is_done(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.json")
    store = keychain(runner)
    plans.apply_plan(plans.plan_install(bundle, Scope.USER, [store], ledger), ledger)
    records = ledger.records()
    fake.trust["user"].clear()  # macOS or the user cleared the trust setting meanwhile
    plans.apply_plan(plans.plan_uninstall(records, [store]), ledger)
    assert not any(fake.items.values()) and ledger.records() == []
    runner.calls.clear()
    again = Ledger(tmp_path / "again.json")
    plans.apply_plan(plans.plan_uninstall(records, [store]), again)  # "Unable to delete …": done
    assert verbs(runner).count("delete-certificate") == 1  # the delete still ran


def test_only_host_trust_is_seen_by_the_check(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle
) -> None:
    _, ca = keychain(runner, HOST).plan_install(bundle, Scope.USER)
    assert f"-p ssl -s {HOST} -k" in ca.commands[0] and f"for {HOST} only" in ca.summary
    ca.run()
    assert keychain(runner, HOST).is_installed(ca.record)  # so a re-run does not prompt again
    assert not keychain(runner).is_installed(ca.record)  # trusted for that host only
    assert "verify-cert" not in verbs(runner)


def test_a_present_but_untrusted_ca_is_not_installed(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle
) -> None:
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    ca.run()
    fake.trust["user"][certinfo.sha1(bundle.ca).upper()] = [  # type: ignore[arg-type]
        {"kSecTrustSettingsResult": mactrust.DENY}  # "Never Trust" in Keychain Access
    ]
    assert not keychain(runner).is_installed(ca.record)


def test_a_cancelled_dialog_is_exit_3_and_leaves_nothing(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, tmp_path: Path
) -> None:
    fake.refusal = (1, "", CANCELLED)
    ledger = Ledger(tmp_path / "ledger.json")
    plan = plans.plan_install(bundle, Scope.USER, [keychain(runner)], ledger)
    with pytest.raises(Cancelled) as raised:
        plans.apply_plan(plan, ledger)
    assert raised.value.exit_code == 3
    assert not any(fake.items.values()) and ledger.records() == []  # the CA copy came back out
    assert (
        SECURITY,
        "error",
        "-60006",
        "-128",
        "-60005",
        "-25293",
        "-60007",
        "-25308",
    ) in runner.argvs()


def test_a_cancel_in_another_language_is_still_a_cancel(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle
) -> None:
    fake.messages = FRENCH
    fake.refusal = (1, "", f"SecTrustSettingsSetTrustSettings: {FRENCH[-60006]}\n")
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    with pytest.raises(Cancelled):
        ca.run()
    assert not any(fake.items.values())


def test_no_gui_session_is_its_own_outcome_and_leaves_nothing(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, tmp_path: Path
) -> None:
    fake.refusal = (1, "", NO_INTERACTION)
    ledger = Ledger(tmp_path / "ledger.json")
    plan = plans.plan_install(bundle, Scope.USER, [keychain(runner)], ledger)
    with pytest.raises(OperationFailed) as raised:
        plans.apply_plan(plan, ledger)
    assert not isinstance(raised.value, Cancelled)
    assert "no user interaction is possible" in raised.value.message
    assert "desktop session" in raised.value.fix
    assert not any(fake.items.values()) and ledger.records() == []


def test_an_import_without_a_gui_session_says_so(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle
) -> None:
    runner.on("import", returncode=1, stderr=IMPORT_NO_INTERACTION)
    identity, _ = keychain(runner).plan_install(bundle, Scope.USER)
    with pytest.raises(OperationFailed) as raised:
        identity.run()
    assert "no user interaction is possible" in raised.value.message


def test_any_other_trust_failure_is_an_error_and_leaves_nothing(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle
) -> None:
    fake.refusal = (1, "", INTERNAL)
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    with pytest.raises(CommandError) as raised:
        ca.run()
    assert "errSecInternalComponent" in raised.value.output
    assert not any(fake.items.values())


def test_an_unanswered_dialog_ends_after_the_long_wait_and_leaves_nothing(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle
) -> None:
    def hangs(argv: tuple[str, ...], _: bytes | None) -> None:
        fake.add(
            argv[argv.index("-k") + 1], x509.load_pem_x509_certificate(Path(argv[-1]).read_bytes())
        )
        raise CommandTimedOut(argv, None, "", "timed out")

    runner.on("add-trusted-cert", effect=hangs)
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    with pytest.raises(OperationFailed) as raised:
        ca.run()
    assert "was not answered" in raised.value.message
    assert [c.timeout for c in runner.calls if "add-trusted-cert" in c.argv] == [DIALOG_TIMEOUT]
    assert not any(fake.items.values())


def test_a_copy_that_was_there_before_stays(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, login: str
) -> None:
    assert bundle.ca is not None
    fake.add(login, bundle.ca)  # the user's own untrusted copy from earlier
    fake.refusal = (1, "", CANCELLED)
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    with pytest.raises(Cancelled):
        ca.run()
    assert certinfo.sha256(bundle.ca) in fake.items[login]


def test_system_scope_without_root_is_refused_before_anything_runs(
    runner: RecordingRunner, bundle: Bundle
) -> None:
    with pytest.raises(InputError) as raised:
        keychain(runner).plan_install(bundle, Scope.SYSTEM)
    assert "sudo clustertrust install --scope system" in raised.value.fix
    assert runner.calls == []


def test_system_scope_as_root_uses_admin_trust_and_the_system_keychain(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, tmp_path: Path
) -> None:
    store = keychain(runner, root=True)
    identity, ca = store.plan_install(bundle, Scope.SYSTEM)
    assert ca.commands == (
        f"{SECURITY} add-trusted-cert -d -r trustRoot -p ssl -k {SYSTEM} ca.crt",
    )
    assert identity.record.location == SYSTEM and "-T" not in identity.commands[0]
    assert ca.undo_commands[0] == f"{SECURITY} remove-trusted-cert -d ca.crt"
    ledger = Ledger(tmp_path / "ledger.json")
    plans.apply_plan(plans.plan_install(bundle, Scope.SYSTEM, [store], ledger), ledger)
    assert certinfo.sha1(bundle.ca).upper() in fake.trust["admin"]  # type: ignore[arg-type]
    assert store.is_installed(ca.record)
    records = ledger.records()
    plans.apply_plan(plans.plan_uninstall(records, [store]), ledger)
    assert not fake.trust["admin"] and not any(fake.items.values())
    runner.calls.clear()
    plans.apply_plan(plans.plan_uninstall(records, [store]), Ledger(tmp_path / "again.json"))
    assert "remove-trusted-cert" not in verbs(runner)  # the plist says there is none
    assert verbs(runner).count("delete-certificate") == 1


@pytest.mark.parametrize("message", NO_TRUST_SETTINGS)
def test_no_trust_settings_found_does_not_stop_the_delete(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, message: str
) -> None:
    store = keychain(runner, root=True)
    _, ca = store.plan_install(bundle, Scope.SYSTEM)
    ca.run()

    def already_gone(argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        fake.trust["admin"].clear()  # gone between our look and the removal
        return 1, "", message

    runner.on("remove-trusted-cert", effect=already_gone)
    store.plan_remove(ca.record)[0].run()
    assert not any(fake.items.values())


def test_no_trust_settings_export_means_not_trusted(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle, login: str
) -> None:
    assert bundle.ca is not None
    fake.add(login, bundle.ca)
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    assert not keychain(runner).is_installed(ca.record)


def test_an_unanswered_dialog_during_removal_is_said_so(
    runner: RecordingRunner, fake: FakeKeychains, bundle: Bundle
) -> None:
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    ca.run()

    def hangs(argv: tuple[str, ...], _: bytes | None) -> None:
        raise CommandTimedOut(argv, None, "", "timed out")

    runner.on("delete-certificate", effect=hangs)
    with pytest.raises(NotAnswered):
        keychain(runner).plan_remove(ca.record)[0].run()
