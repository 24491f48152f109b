"""Renewal with real stores (anchors folder, a real NSS database, identity files), a real ledger
and a real nginx cluster UI: install the new bundle, verify it, remove the old one; every
failure before the removal leaves the old items as they were."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from clustertrust.cli.main import main
from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.errors import Cancelled, InputError, OperationFailed
from clustertrust.core.install import renewal
from clustertrust.core.install.identity import identity_paths
from clustertrust.core.model import Availability, Kind, Record, Scope, Step, record_for
from clustertrust.core.source.load import load_source
from clustertrust.core.verify.run import TrustMode, verify_url
from clustertrust.platform.detect import Setup
from support import lifecycle_support as life
from support import pki


@pytest.fixture(scope="module")
def old() -> pki.KurrentBundle:
    return pki.kurrent_bundle("c1renew", "p256")


@pytest.fixture(scope="module")
def new() -> pki.KurrentBundle:
    """The vendor's rotation: new keys and certificates, the same CA name."""
    return pki.kurrent_bundle("c1renew", "p256")


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, new: pki.KurrentBundle
) -> Iterator[life.Cluster]:
    running = life.start_cluster(tmp_path_factory.mktemp("cluster"), new.ca)
    yield running
    running.server.stop()


def as_bundle(kb: pki.KurrentBundle, folder: Path) -> Bundle:
    return read_bundle(load_source(str(pki.write_files(folder, kb.files()))))


def old_installed_new_ready(tmp_path: Path, old: pki.KurrentBundle, new: pki.KurrentBundle) -> Path:
    """The old bundle installed into the identity files by the CLI; the renewed one's folder."""
    old_dir = pki.write_files(tmp_path / "old", old.files())
    assert main(["install", str(old_dir), "--stores", "files", "--yes"]) == 0
    return pki.write_files(tmp_path / "new", new.files())


def checker(url: str, bundle: Bundle) -> Callable[[], renewal.Verification]:
    def check() -> renewal.Verification:
        result = verify_url(url, bundle, modes=(TrustMode.BUNDLE,)).result(TrustMode.BUNDLE)
        assert result is not None
        return result

    return check


def present(setup: Setup, kb: pki.KurrentBundle) -> dict[str, bool]:
    """For each store: is every certificate of `kb` recorded in the ledger and really there?"""
    shas = {certinfo.sha256(kb.ca.cert), certinfo.sha256(kb.client.cert)}
    by_name = {s.name: s for s in setup.stores}
    found: dict[str, bool] = {}
    for record in setup.ledger.records():
        if record.sha256 in shas:
            ok = by_name[record.store].is_installed(record)
            found[record.store] = found.get(record.store, True) and ok
    return found


ALL_THERE = {"linux-anchors": True, "nss": True, "identity-files": True}


@pytest.fixture
def installed_old(tmp_path: Path, old: pki.KurrentBundle) -> Setup:
    setup = life.sandbox(tmp_path / "stores", life.SecretsSpy())
    life.install(as_bundle(old, tmp_path / "old"), setup)
    assert present(setup, old) == ALL_THERE
    return setup


def test_renewal_installs_verifies_then_removes_the_old_items(
    installed_old: Setup,
    tmp_path: Path,
    old: pki.KurrentBundle,
    new: pki.KurrentBundle,
    cluster: life.Cluster,
) -> None:
    setup = installed_old
    bundle = as_bundle(new, tmp_path / "new")
    plan = renewal.plan_renewal(
        bundle, Scope.USER, setup.stores, setup.ledger, verify_url=cluster.url
    )
    assert {r.sha256 for r in plan.replaced} == {
        certinfo.sha256(old.ca.cert),
        certinfo.sha256(old.client.cert),
    }
    assert "2 old certificate(s)" in plan.text() and cluster.url in plan.text()
    seen: list[tuple[int, str, str]] = []
    renewal.apply_renewal(
        plan,
        setup.ledger,
        setup.stores,
        checker(cluster.url, bundle),
        lambda i, s, st: seen.append((i, s.action, st)),
    )
    assert present(setup, new) == ALL_THERE
    assert present(setup, old) == {}
    # the old items are really gone from the stores, not only from the ledger
    by_name = {s.name: s for s in setup.stores}
    assert not any(by_name[r.store].is_installed(r) for r in plan.replaced)
    # the installs came first, the removals after, numbered on
    actions = [a for _, a, st in seen if st == "done"]
    assert actions == ["install"] * len(plan.install.steps) + ["remove"] * len(plan.remove.steps)
    assert [i for i, _, st in seen if st == "done"] == list(range(len(actions)))
    identity = identity_paths(setup.ledger)
    assert identity is not None and identity.sha256 == certinfo.sha256(new.client.cert)


def test_a_failed_verification_undoes_the_new_items_and_keeps_the_old(
    installed_old: Setup, tmp_path: Path, old: pki.KurrentBundle, cluster: life.Cluster
) -> None:
    # GIVEN a bundle from a newer CA rotation than the one the server has moved to
    ca = pki.make_ca("c1renew-ca", "p256", not_before=pki.NOW)
    stale = pki.KurrentBundle(ca, pki.make_leaf(ca, "c1renew-kurrentdb-client", "p256"))
    bundle = as_bundle(stale, tmp_path / "stale")
    setup = installed_old
    plan = renewal.plan_renewal(
        bundle, Scope.USER, setup.stores, setup.ledger, verify_url=cluster.url
    )
    with pytest.raises(OperationFailed) as caught:
        renewal.apply_renewal(plan, setup.ledger, setup.stores, checker(cluster.url, bundle))
    assert caught.value.exit_code == 1
    # THEN nothing was changed, and the message says why: the server has not moved to this CA
    assert "does not accept the new bundle" in caught.value.message
    assert "Nothing was changed" in caught.value.message
    assert "has not moved to the new CA yet" in caught.value.message
    assert present(setup, stale) == {}
    assert present(setup, old) == ALL_THERE


class BrokenStore:
    """A store whose step fails, after the real stores have done theirs."""

    name = "broken"
    title = "A store that fails"

    def detect(self) -> Availability:
        return Availability(True)

    def plan_install(self, bundle: Bundle, scope: Scope) -> list[Step]:
        assert bundle.ca is not None
        record = record_for(bundle.ca, Kind.CA, self.name, "nowhere", "x", scope)
        return [Step("install", record, "Break", (), (), run=self._fail)]

    def _fail(self) -> None:
        raise OSError("disk full")

    def is_installed(self, record: Record) -> bool:
        return False

    def plan_remove(self, record: Record) -> list[Step]:
        return []


def test_a_failed_install_step_leaves_the_old_items_alone(
    installed_old: Setup, tmp_path: Path, old: pki.KurrentBundle, new: pki.KurrentBundle
) -> None:
    setup = installed_old
    stores = [*setup.stores, BrokenStore()]
    plan = renewal.plan_renewal(as_bundle(new, tmp_path / "new"), Scope.USER, stores, setup.ledger)
    with pytest.raises(OperationFailed, match="disk full"):
        renewal.apply_renewal(plan, setup.ledger, stores)
    assert present(setup, new) == {}
    assert present(setup, old) == ALL_THERE


def test_cancelling_before_the_removal_undoes_the_new_items(
    installed_old: Setup, tmp_path: Path, old: pki.KurrentBundle, new: pki.KurrentBundle
) -> None:
    setup = installed_old
    plan = renewal.plan_renewal(
        as_bundle(new, tmp_path / "new"), Scope.USER, setup.stores, setup.ledger
    )
    answers = iter([False] * len(plan.install.steps) + [True])
    with pytest.raises(Cancelled) as caught:
        renewal.apply_renewal(plan, setup.ledger, setup.stores, cancelled=lambda: next(answers))
    assert caught.value.exit_code == 3
    assert present(setup, new) == {} and present(setup, old) == ALL_THERE


def test_other_clusters_are_not_touched_and_unrelated_bundles_are_refused(
    installed_old: Setup, tmp_path: Path, old: pki.KurrentBundle, new: pki.KurrentBundle
) -> None:
    setup = installed_old
    other = pki.kurrent_bundle("zz9other", "p256")
    life.install(as_bundle(other, tmp_path / "other"), setup)
    plan = renewal.plan_renewal(
        as_bundle(new, tmp_path / "new"), Scope.USER, setup.stores, setup.ledger
    )
    assert {r.subject for r in plan.replaced} == {"c1renew-ca", "c1renew-kurrentdb-client"}
    unrelated = as_bundle(pki.kurrent_bundle("aa1fresh", "p256"), tmp_path / "fresh")
    with pytest.raises(InputError, match="Nothing installed belongs") as caught:
        renewal.plan_renewal(unrelated, Scope.USER, setup.stores, setup.ledger)
    assert caught.value.exit_code == 2


def test_the_user_can_say_it_is_the_same_cluster_by_fingerprint(
    installed_old: Setup, tmp_path: Path, old: pki.KurrentBundle
) -> None:
    setup = installed_old
    renamed = as_bundle(pki.kurrent_bundle("c1renamed", "p256"), tmp_path / "renamed")
    ca_sha = certinfo.sha256(old.ca.cert)
    plan = renewal.plan_renewal(
        renamed,
        Scope.USER,
        setup.stores,
        setup.ledger,
        replaces=[ca_sha[:12].upper(), certinfo.sha256(old.client.cert)[:12]],
    )
    assert {r.sha256 for r in plan.replaced} == {ca_sha, certinfo.sha256(old.client.cert)}
    renewal.apply_renewal(plan, setup.ledger, setup.stores)
    assert present(setup, old) == {}
    with pytest.raises(InputError, match="fingerprint deadbeef"):
        renewal.plan_renewal(renamed, Scope.USER, setup.stores, setup.ledger, replaces=["deadbeef"])


def test_cli_renew_with_identity_files(
    tmp_path: Path,
    old: pki.KurrentBundle,
    new: pki.KurrentBundle,
    cluster: life.Cluster,
    capsys: pytest.CaptureFixture[str],
) -> None:
    new_dir = old_installed_new_ready(tmp_path, old, new)
    assert main(["renew", str(new_dir), "--stores", "files", "--dry-run"]) == 0
    assert "Then remove the old items" in capsys.readouterr().out
    identity = identity_paths()
    assert identity is not None and identity.sha256 == certinfo.sha256(old.client.cert)
    argv = ["renew", str(new_dir), "--stores", "files", "--verify", cluster.url, "--yes", "--json"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["applied"] is True
    identity = identity_paths()
    assert identity is not None and identity.sha256 == certinfo.sha256(new.client.cert)
    assert not (tmp_path / "old-identity").exists()
    assert main(["renew", str(new_dir), "--stores", "files", "--yes"]) == 2  # nothing old left


def test_install_hands_a_renewal_the_stores_it_chose(
    tmp_path: Path,
    old: pki.KurrentBundle,
    new: pki.KurrentBundle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GIVEN an installed cluster; WHEN `install` gets its renewed bundle with --only-host;
    THEN the renewal plan runs on the very stores install chose (one store choice, host kept)."""
    from clustertrust.platform import detect

    chosen: list[tuple[object, str]] = []  # (stores asked for, trust host)
    real = detect.current_setup

    def recording(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        chosen.append((args[1] if len(args) > 1 else None, str(kwargs.get("trust_host", ""))))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    new_dir = old_installed_new_ready(tmp_path, old, new)
    monkeypatch.setattr(detect, "current_setup", recording)
    argv = ["install", str(new_dir), "--stores", "files", "--only-host", "h.example", "--dry-run"]
    assert main(argv) == 0
    assert "A renewal:" in capsys.readouterr().out
    assert [host for stores, host in chosen if stores == ["files"]] == ["h.example"]


def test_cli_renew_keeps_the_scope_the_cluster_is_installed_in(
    tmp_path: Path,
    old: pki.KurrentBundle,
    new: pki.KurrentBundle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN a cluster whose items are system-wide; WHEN `renew` runs without --scope; THEN it
    plans in system scope, as the clusters window's Renew does (it used to fall back to user)."""
    from clustertrust.core.install.ledger import Ledger
    from clustertrust.platform import detect

    scopes: list[object] = []
    real = detect.current_setup

    def recording(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if args[1] == ["files"]:  # the stores the renewal installs into (not the removal's)
            scopes.append(args[0])
        return real(Scope.USER, *args[1:], **kwargs)  # type: ignore[arg-type]

    new_dir = old_installed_new_ready(tmp_path, old, new)
    path = Ledger().path
    document = json.loads(path.read_text())
    for record in document["records"]:
        record["scope"] = Scope.SYSTEM.value  # as `install --scope system` records them
    path.write_text(json.dumps(document))
    monkeypatch.setattr(detect, "current_setup", recording)
    assert main(["renew", str(new_dir), "--stores", "files", "--dry-run"]) == 0
    assert main(["renew", str(new_dir), "--stores", "files", "--scope", "user", "--dry-run"]) == 0
    assert scopes == [Scope.SYSTEM, Scope.USER]
    assert renewal.scope_of(Ledger().records()) is Scope.SYSTEM


def test_cli_install_and_renew_check_at_the_remembered_address(
    tmp_path: Path,
    old: pki.KurrentBundle,
    new: pki.KurrentBundle,
    cluster: life.Cluster,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GIVEN an installed cluster whose UI address is remembered; WHEN `renew` (or `install`)
    gets its renewed bundle without --verify; THEN the plan checks at that address before the
    old items go, as the wizard's renewal does (the command line used to skip the check)."""
    from clustertrust.core.install import addresses
    from clustertrust.core.install.ledger import Ledger

    new_dir = old_installed_new_ready(tmp_path, old, new)
    remembered = addresses.remember_bundle_ui_url(
        Ledger(), as_bundle(old, tmp_path / "o"), cluster.url
    )
    capsys.readouterr()
    for command in ("renew", "install"):
        assert main([command, str(new_dir), "--stores", "files", "--dry-run", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["verify_url"] == remembered
    assert main(["renew", str(new_dir), "--stores", "files", "--yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["applied"] is True
    identity = identity_paths()
    assert identity is not None and identity.sha256 == certinfo.sha256(new.client.cert)
