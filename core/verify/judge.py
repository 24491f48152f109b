"""Judge each consumer against what the real connections showed: does it trust the chain the
server really sent, and does it hold the client identity. An uncovered consumer that does not
work is "not set up", in neutral words, with what would set it up; never a failure."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from clustertrust.core import certinfo
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.i18n import tr
from clustertrust.core.model import Kind, Record, presence
from clustertrust.core.verify.advice import REPORT, not_set_up, put_back
from clustertrust.core.verify.certs import chain_incomplete
from clustertrust.core.verify.consumers import ChainCheck, Inventory
from clustertrust.core.verify.result import Consumer, ConsumerKind, Diagnosis, VerifyResult
from clustertrust.core.verify.result import VerifyOutcome as Outcome
from clustertrust.core.verify.situation import is_self_signed, parse_chain

# The same for every consumer: the network, the server's name and dates, the client cert.
SHARED = frozenset(
    set(Outcome) - {Outcome.OK, Outcome.SERVER_UNTRUSTED, Outcome.SERVER_CHAIN_INCOMPLETE}
)
NSS_UNKNOWN_ISSUER = -8179  # SEC_ERROR_UNKNOWN_ISSUER (NSS secerr.h)


@dataclass(frozen=True)
class Proof:
    """What the real connections showed, the same for every consumer judged against it."""

    where: str  # host:port
    base: VerifyResult  # the connection with the bundle's own CA (else with the system store)
    answer: VerifyResult | None  # a connection that went all the way: TLS, client cert, HTTP
    system: VerifyResult | None  # the connection trusting this computer's store
    files: VerifyResult | None  # the connection with the identity files, as clients make it
    bundle: Bundle
    source: str  # what `clustertrust install` would be given to put things back
    covered_kinds: frozenset[ConsumerKind] = frozenset()  # the kinds the install set up

    @property
    def wants_identity(self) -> bool:
        return self.bundle.client_cert is not None and self.bundle.private_key is not None

    @property
    def shared_failure(self) -> Diagnosis | None:
        return self.base.diagnosis if self.base.outcome in SHARED else None


def judge(consumer: Consumer, proof: Proof, inventory: Inventory) -> Diagnosis:
    if (shared := proof.shared_failure) is not None:
        return shared if consumer.covered else not_set_up(consumer, proof)
    if consumer.kind is ConsumerKind.BROWSER:
        return _browser(consumer, proof, inventory)
    if consumer.kind is ConsumerKind.SYSTEM:
        return _system(consumer, proof, inventory)
    return _files(consumer, proof, inventory)


def _works(proof: Proof, message: str) -> Diagnosis:
    if proof.answer is None:  # it trusts the server, yet no connection went all the way
        return proof.base.diagnosis
    return Diagnosis(Outcome.OK, message, "", proof.answer.diagnosis.note)


# browsers


def _browser(consumer: Consumer, proof: Proof, inventory: Inventory) -> Diagnosis:
    assert inventory.browsers is not None
    check = inventory.browsers.check_chain(consumer.location, proof.base.chain_der)
    held = inventory.browsers.keys_by_certificate(consumer.location) if check.ran else {}
    identity = _identity_held(held, proof)
    if check.trusted and identity:
        return _works(proof, _trusts_and_holds(consumer, proof))
    if not consumer.covered:
        return not_set_up(consumer, proof)
    if not check.ran:
        return Diagnosis(
            Outcome.SERVER_UNTRUSTED,
            tr("{name} could not be checked: {why}.").format(name=consumer.name, why=check.why),
            tr(
                "Install the NSS tools (libnss3-tools on Debian/Ubuntu, nss-tools on Fedora), "
                "then verify again."
            ),
        )
    if not check.trusted:
        return _browser_untrusted(consumer, proof, check, held)
    return _identity_missing(consumer, proof)


def _identity_held(held: dict[str, bool], proof: Proof) -> bool:
    client = proof.bundle.client_cert
    if not proof.wants_identity or client is None:
        return True
    return held.get(certinfo.sha256(client), False)


def _trusts_and_holds(consumer: Consumer, proof: Proof) -> str:
    client = proof.bundle.client_cert
    if not proof.wants_identity or client is None:
        return _trusts(consumer)
    message = tr(
        "{name} trusts the server's certificate chain and holds your client certificate {client}."
    )
    return message.format(name=consumer.name, client=certinfo.common_name(client.subject))


def _trusts(consumer: Consumer) -> str:
    return tr("{name} trusts the server's certificate chain.").format(name=consumer.name)


def _browser_untrusted(
    consumer: Consumer, proof: Proof, check: ChainCheck, held: dict[str, bool]
) -> Diagnosis:
    cas = proof.bundle.ca_certs
    chain = parse_chain(list(proof.base.chain_der))
    ca_name = certinfo.common_name(cas[0].subject) if cas else tr("the cluster's CA")
    if not any(certinfo.sha256(ca) in held for ca in cas):
        message = tr(
            "{name} no longer holds the cluster's CA {ca}, which ClusterTrust added to it (it "
            "was removed since), so it refuses the cluster UI."
        )
        return put_back(Outcome.SERVER_UNTRUSTED, message.format(name=consumer.name, ca=ca_name))
    if not proof.base.ok:  # the bundle's own CA refuses the server too: not this database
        return proof.base.diagnosis
    if check.error == NSS_UNKNOWN_ISSUER and chain and not is_self_signed(chain[-1]):
        # it holds the CA, yet cannot find the issuer of what the server sent: an intermediate
        # the server left out (the bundle's copy of it is not in browsers)
        return chain_incomplete(chain, proof.where, cas[0])
    return _nss_refused(consumer, proof, check)


def _nss_refused(consumer: Consumer, proof: Proof, check: ChainCheck) -> Diagnosis:
    """The CA is there, so `install` would find nothing missing: give its trust back."""
    ours = next((r for r in consumer.records if r.kind == Kind.CA.value), None)
    nick = shlex.quote(ours.name) if ours else "NICKNAME"
    message = tr(
        "{name} holds the cluster's CA but does not accept the server's certificate chain (NSS "
        "error {error}): the CA's trust for web sites may have been taken away in the "
        "browser's certificate settings."
    )
    fix = tr(
        "In the browser's certificate settings (Authorities), edit the cluster's CA and trust "
        "it to identify websites, or with the browser closed run: {command}"
    )
    command = f"certutil -M -d {shlex.quote('sql:' + consumer.location)} -n {nick} -t C,,"
    return Diagnosis(
        Outcome.SERVER_UNTRUSTED,
        message.format(name=consumer.name, error=check.error),
        fix.format(command=command),
    )


def _identity_missing(consumer: Consumer, proof: Proof) -> Diagnosis:
    client = proof.bundle.client_cert
    name = certinfo.common_name(client.subject) if client else tr("(none)")
    message = tr(
        "{name} trusts the server but no longer holds your client certificate {client} with its "
        "key, so the cluster will refuse it."
    )
    return put_back(Outcome.CLIENT_CERT_REQUIRED, message.format(name=consumer.name, client=name))


# the system store


def _system(consumer: Consumer, proof: Proof, inventory: Inventory) -> Diagnosis:
    result = proof.system
    missing = _missing(consumer, inventory)
    if result is not None and result.ok and not missing:
        return _works(proof, _trusts(consumer))
    if not consumer.covered:
        return not_set_up(consumer, proof)
    if missing:
        return _gone_from_system(missing[0])
    if result is None:
        return proof.base.diagnosis
    if result.outcome is Outcome.SERVER_UNTRUSTED:
        message = tr("The {store} holds the cluster's CA, yet does not accept the server: {why}")
        return Diagnosis(
            result.outcome,
            message.format(store=tr("system trust store"), why=result.message),
            tr("Save a support report and send it to your helpdesk."),
            remedies=(REPORT,),
        )
    return result.diagnosis


def _gone_from_system(missing: Record) -> Diagnosis:
    if missing.kind == Kind.IDENTITY.value:
        outcome = Outcome.CLIENT_CERT_REQUIRED
        message = tr(
            "The client certificate {subject} that ClusterTrust put into the {store} is no longer "
            "there (removed since), so programs that use it refuse the cluster UI."
        )
    else:
        outcome = Outcome.SERVER_UNTRUSTED
        message = tr(
            "The CA {subject} that ClusterTrust put into the {store} is no longer there (removed "
            "since), so programs that use it refuse the cluster UI."
        )
    store = tr("system trust store")  # the consumer's name inside a sentence
    return put_back(outcome, message.format(subject=missing.subject, store=store))


def _missing(consumer: Consumer, inventory: Inventory) -> list[Record]:
    store = inventory.system
    if store is None or not consumer.covered:
        return []
    # a store that cannot be asked right now is judged by its connection alone
    return [r for r in consumer.records if presence(store, r) is False]


# command-line clients


def _files(consumer: Consumer, proof: Proof, inventory: Inventory) -> Diagnosis:
    if not consumer.covered:
        return not_set_up(consumer, proof)
    store = inventory.files
    # only an older identity of the cluster there, or this one gone or changed
    if not consumer.records or any(presence(store, r) is False for r in consumer.records):
        message = tr(
            "The identity files for command-line clients in {folder} are missing or were "
            "changed since ClusterTrust wrote them."
        )
        return put_back(Outcome.CLIENT_CERT_REQUIRED, message.format(folder=consumer.location))
    result = proof.files or proof.base
    if result.ok:
        works = tr("{name} connect with the identity files in {folder}.")
        return _works(proof, works.format(name=consumer.name, folder=consumer.location))
    return result.diagnosis
