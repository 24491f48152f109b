"""macOS keychain adapter, against a fake security(1) modelled on Apple's source.

security(1) cannot run here. support/fake_security.py parses each verb's arguments with the
getopt string of its C source and changes state and exits as that source does (keychain_delete.c,
trusted_cert_add.c, keychain_import.c, keychain_find.c); the words it prints are the recorded
outputs below, each with its source (../shared/os-tool-outputs.md), or marked SYNTHETIC with the
reason. Tests judge what the adapter did to that state, not the strings it built.
"""

from __future__ import annotations

from dataclasses import replace
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
from support import fake_security
from support.fake_security import FakeSecurity
from support.recording import RecordingRunner

SECURITY = "/usr/bin/security"
SYSTEM = "/Library/Keychains/System.keychain"
HOST = "abc.mesdb.eventstore.cloud"
BROWSERS = ("/Applications/Safari.app", "/Applications/Google Chrome.app")

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
# The messages security(1) prints for these statuses, as `security error N` would list them.
ENGLISH = {
    -60006: "The authorization was canceled by the user.",  # Apple's source
    -60007: "The authorization was denied since no user interaction was possible.",  # fortify#475
    -25308: "User interaction is not allowed.",  # vagrant-box-osx#49
    -25263: "No Trust Settings were found.",  # actions/runner-images#4734 (macOS 11)
    # actions/runner-images#12116 (macOS 14.7)
    -25300: "The specified item could not be found in the keychain.",
    -25264: "MAC verification failed during PKCS12 import (wrong password?)",  # alt-tab-macos#3170
    # SYNTHETIC: errSecAuthFailed's text from the comment in SecBase.h; no run was recorded.
    -25293: "The user name or passphrase you entered is not correct.",
}
# SYNTHETIC, made up to show the decision follows the numbers in any language: no French
# security(1) output was recorded.
FRENCH = {-60006: "L’autorisation a été annulée par l’utilisateur."}


@pytest.fixture
def fake(runner: RecordingRunner) -> FakeSecurity:
    return FakeSecurity(runner, dict(ENGLISH))


@pytest.fixture
def login(isolated_dirs: Path) -> str:
    return str(isolated_dirs / "Library/Keychains/login.keychain-db")


def keychain(runner: RecordingRunner, host: str = "", root: bool = False) -> macos.MacKeychainStore:
    return macos.MacKeychainStore(runner, host, lambda: root, set(BROWSERS).__contains__)


def verbs(runner: RecordingRunner) -> list[str]:
    return [c.argv[1] for c in runner.calls]


def test_user_scope_imports_a_non_extractable_key_and_trusts_for_the_user(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, login: str
) -> None:
    assert bundle.ca is not None and bundle.client_cert is not None
    identity, ca = keychain(runner).plan_install(bundle, Scope.USER)
    assert identity.note == macos.KEY_PROMPT  # shown on the plan and the Done page
    assert ca.needs_authorization
    identity.run()
    ca.run()
    item = fake.items[login][certinfo.sha256(bundle.client_cert)]
    assert item.has_key and not item.extractable  # -x, as keychain_import.c reads it
    assert fake.trusted("user", bundle.ca) and fake.trust["admin"] is None
    imported = next(c for c in runner.calls if c.argv[1] == "import")
    password = imported.argv[imported.argv.index("-P") + 1]
    assert password.isalnum() and password not in " ".join(imported.shown)
    assert [imported.argv[i + 1] for i, a in enumerate(imported.argv) if a == "-T"] == list(
        BROWSERS
    )


def test_the_p12_is_re_encoded_with_legacy_algorithms(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle
) -> None:
    assert bundle.p12 is not None and fake_security.PBES2 in bundle.p12.data  # Kurrent's
    identity, _ = keychain(runner).plan_install(bundle, Scope.USER)
    identity.run()  # the fake refuses AES as security(1) did in alt-tab-macos#3170
    assert len(fake.certificates()) == 1


@pytest.mark.parametrize("macos_15", [False, True])
def test_a_p12_macos_does_not_accept_is_an_error_not_a_refusal(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, macos_15: bool
) -> None:
    """-25264 up to macOS 14, -25293 (errSecAuthFailed) from macOS 15: a wrong passphrase."""
    fake.macos_15 = macos_15
    runner.on("import", "-P", effect=lambda argv, _: fake.do_import({"-P": ["wrong"]}, [argv[2]]))
    identity, _ = keychain(runner).plan_install(bundle, Scope.USER)
    with pytest.raises(OperationFailed) as raised:
        identity.run()
    assert not isinstance(raised.value, Cancelled) and raised.value.exit_code == 1
    assert f"OSStatus {-25293 if macos_15 else -25264}" in raised.value.message
    assert fake.certificates() == []


def test_install_status_and_remove(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.json")
    store = keychain(runner)
    plans.apply_plan(plans.plan_install(bundle, Scope.USER, [store], ledger), ledger)
    assert [i.present for i in plans.status(ledger, [store])] == [True, True]
    plans.apply_plan(plans.plan_uninstall(ledger.records(), [store]), ledger)
    assert not fake.trust["user"] and fake.certificates() == [] and ledger.records() == []
    assert "verify-cert" not in verbs(runner)


def test_removal_when_the_user_domain_has_no_trust_settings_at_all(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, tmp_path: Path
) -> None:
    """Keychain Access "Use System Defaults" on the only user trust setting: `delete-certificate
    -t` would end in errSecNoTrustSettings (exit 81) and keep the certificate (issue 23)."""
    ledger = Ledger(tmp_path / "ledger.json")
    store = keychain(runner)
    plans.apply_plan(plans.plan_install(bundle, Scope.USER, [store], ledger), ledger)
    records = ledger.records()
    fake.trust["user"] = None
    plans.apply_plan(plans.plan_uninstall(records, [store]), ledger)
    assert fake.certificates() == [] and ledger.records() == []
    runner.calls.clear()
    again = Ledger(tmp_path / "again.json")
    plans.apply_plan(plans.plan_uninstall(records, [store]), again)  # "Unable to delete …": done
    assert verbs(runner).count("delete-certificate") == 1  # the delete still ran


def test_the_fake_keeps_the_certificate_for_delete_t_without_trust_settings(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, login: str
) -> None:
    """What the fix avoids, as keychain_delete.c does it: -25263 & 0xFF is 81."""
    assert bundle.ca is not None
    fake.add(login, bundle.ca)
    sha1 = certinfo.sha1(bundle.ca).upper()
    result = runner.run((SECURITY, "delete-certificate", "-t", "-Z", sha1, login), check=False)
    assert result.returncode == 81 and fake.certificates() == [bundle.ca]
    assert "(user): No Trust Settings were found." in result.stderr


def test_an_exit_0_with_the_item_still_there_is_a_failure(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle
) -> None:
    """SYNTHETIC: a delete that failed with a status whose low byte is 0 (e.g. -67840) exits 0;
    no such run was recorded, the exit status rule is security.c's."""
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    ca.run()
    runner.on("delete-certificate", returncode=-67840 & 0xFF)
    with pytest.raises(OperationFailed) as raised:
        keychain(runner).plan_remove(ca.record)[0].run()
    assert "exited 0" in raised.value.message and fake.certificates() == [bundle.ca]


def test_only_host_trust_is_seen_by_the_check(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle
) -> None:
    _, ca = keychain(runner, HOST).plan_install(bundle, Scope.USER)
    assert f"-p ssl -s {HOST} -k" in ca.commands[0] and f"for {HOST} only" in ca.summary
    ca.run()
    assert ca.record.trust_host == HOST  # the ledger keeps it: status and repair follow it
    assert keychain(runner, HOST).is_installed(ca.record)  # so a re-run does not prompt again
    assert keychain(runner).is_installed(ca.record)  # whichever store checks the record
    assert not keychain(runner).is_installed(replace(ca.record, trust_host=""))  # that host only
    assert "verify-cert" not in verbs(runner)


def test_a_present_but_untrusted_ca_is_not_installed(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle
) -> None:
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    ca.run()
    fake.trust["user"] = {  # "Never Trust" in Keychain Access
        certinfo.sha1(bundle.ca).upper(): [{"kSecTrustSettingsResult": mactrust.DENY}]  # type: ignore[arg-type]
    }
    assert not keychain(runner).is_installed(ca.record)


def test_a_cancelled_dialog_is_exit_3_and_leaves_nothing(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, tmp_path: Path
) -> None:
    fake.refusal = (1, "", CANCELLED)
    ledger = Ledger(tmp_path / "ledger.json")
    plan = plans.plan_install(bundle, Scope.USER, [keychain(runner)], ledger)
    with pytest.raises(Cancelled) as raised:
        plans.apply_plan(plan, ledger)
    assert raised.value.exit_code == 3
    assert fake.certificates() == [] and ledger.records() == []  # the CA copy came back out
    assert "error" in verbs(runner)  # the cancel was recognised by its number


def test_a_cancel_in_another_language_is_still_a_cancel(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle
) -> None:
    fake.messages = FRENCH
    fake.refusal = (1, "", f"SecTrustSettingsSetTrustSettings: {FRENCH[-60006]}\n")
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    with pytest.raises(Cancelled):
        ca.run()
    assert fake.certificates() == []


def test_no_gui_session_is_its_own_outcome_and_leaves_nothing(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, tmp_path: Path
) -> None:
    fake.refusal = (1, "", NO_INTERACTION)
    ledger = Ledger(tmp_path / "ledger.json")
    plan = plans.plan_install(bundle, Scope.USER, [keychain(runner)], ledger)
    with pytest.raises(OperationFailed) as raised:
        plans.apply_plan(plan, ledger)
    assert not isinstance(raised.value, Cancelled)
    assert "no user interaction is possible" in raised.value.message
    assert "desktop session" in raised.value.fix
    assert fake.certificates() == [] and ledger.records() == []


def test_an_import_without_a_gui_session_says_so(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle
) -> None:
    runner.on("import", returncode=1, stderr=IMPORT_NO_INTERACTION)  # wins over the fake
    identity, _ = keychain(runner).plan_install(bundle, Scope.USER)
    with pytest.raises(OperationFailed) as raised:
        identity.run()
    assert "no user interaction is possible" in raised.value.message


def test_any_other_trust_failure_is_an_error_and_leaves_nothing(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle
) -> None:
    fake.refusal = (1, "", INTERNAL)
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    with pytest.raises(CommandError) as raised:
        ca.run()
    assert "errSecInternalComponent" in raised.value.output
    assert fake.certificates() == []


def test_an_unanswered_dialog_ends_after_the_long_wait_and_leaves_nothing(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle
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
    assert fake.certificates() == []


def test_a_copy_that_was_there_before_stays(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, login: str
) -> None:
    assert bundle.ca is not None
    fake.add(login, bundle.ca)  # the user's own untrusted copy from earlier
    fake.refusal = (1, "", CANCELLED)
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    with pytest.raises(Cancelled):
        ca.run()
    assert fake.certificates() == [bundle.ca]


def test_system_scope_without_root_is_refused_before_anything_runs(
    runner: RecordingRunner, bundle: Bundle
) -> None:
    with pytest.raises(InputError) as raised:
        keychain(runner).plan_install(bundle, Scope.SYSTEM)
    assert "sudo clustertrust install --scope system" in raised.value.fix
    assert runner.calls == []


def test_system_scope_as_root_uses_admin_trust_and_the_system_keychain(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, tmp_path: Path
) -> None:
    fake.root = True
    store = keychain(runner, root=True)
    identity, ca = store.plan_install(bundle, Scope.SYSTEM)
    assert identity.record.location == SYSTEM and ca.record.location == SYSTEM
    ledger = Ledger(tmp_path / "ledger.json")
    plans.apply_plan(plans.plan_install(bundle, Scope.SYSTEM, [store], ledger), ledger)
    assert fake.trusted("admin", bundle.ca) and fake.trust["user"] is None  # type: ignore[arg-type]
    assert "-T" not in next(c.argv for c in runner.calls if c.argv[1] == "import")
    assert store.is_installed(ca.record)
    records = ledger.records()
    plans.apply_plan(plans.plan_uninstall(records, [store]), ledger)
    assert not fake.trust["admin"] and fake.certificates() == []
    runner.calls.clear()
    plans.apply_plan(plans.plan_uninstall(records, [store]), Ledger(tmp_path / "again.json"))
    assert "remove-trusted-cert" not in verbs(runner)  # the plist says there is none
    assert verbs(runner).count("delete-certificate") == 1


@pytest.mark.parametrize("message", (ENGLISH[-25263], ENGLISH[-25300]))
def test_no_trust_settings_found_does_not_stop_the_delete(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, message: str
) -> None:
    store = keychain(runner, root=True)
    _, ca = store.plan_install(bundle, Scope.SYSTEM)
    ca.run()

    def already_gone(argv: tuple[str, ...], _: bytes | None) -> tuple[int, str, str]:
        fake.trust["admin"] = {} if message == ENGLISH[-25300] else None  # gone meanwhile
        return 1, "", f"SecTrustSettingsRemoveTrustSettings: {message}\n"

    runner.on("remove-trusted-cert", effect=already_gone)
    store.plan_remove(ca.record)[0].run()
    assert fake.certificates() == []


def test_no_trust_settings_export_means_not_trusted(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle, login: str
) -> None:
    assert bundle.ca is not None
    fake.add(login, bundle.ca)
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    assert not keychain(runner).is_installed(ca.record)


def test_an_unanswered_dialog_during_removal_is_said_so(
    runner: RecordingRunner, fake: FakeSecurity, bundle: Bundle
) -> None:
    _, ca = keychain(runner).plan_install(bundle, Scope.USER)
    ca.run()

    def hangs(argv: tuple[str, ...], _: bytes | None) -> None:
        raise CommandTimedOut(argv, None, "", "timed out")

    runner.on("delete-certificate", effect=hangs)
    with pytest.raises(NotAnswered):
        keychain(runner).plan_remove(ca.record)[0].run()
