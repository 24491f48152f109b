"""Property: whatever bytes arrive, the reader returns a Bundle or raises its own BundleError,
and whatever Bundle it returns can be checked, summarised and its key written."""

from __future__ import annotations

import functools

import trustme
from clustertrust.core.bundle import keys
from clustertrust.core.bundle.checks import check_bundle
from clustertrust.core.bundle.identity_p12 import identity_p12
from clustertrust.core.bundle.reader import Bundle, read_bundle
from clustertrust.core.bundle.summary import bundle_json, bundle_text
from clustertrust.core.errors import BundleError
from clustertrust.core.source.load import SourceData
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import crafted, pki

# Fields cryptography parses with its own exception types when they are odd: versions, and the
# algorithm OIDs (rsaEncryption, sha256WithRSA, ecPublicKey…) whose last byte the "oid" mutation
# turns into algorithms it has never heard of.
_OID_PREFIXES = (bytes.fromhex("06092a864886f70d01"), bytes.fromhex("06072a8648ce3d"))
_VERSION = bytes.fromhex("a0030201")
_LABELS = ("CERTIFICATE", "TRUSTED CERTIFICATE", "PKCS7", "PRIVATE KEY")


@functools.cache
def seeds() -> tuple[bytes, ...]:
    kurrent = pki.kurrent_bundle("fuzz", "p256")
    files = kurrent.files()
    ca, client = kurrent.ca, kurrent.client
    trusty = trustme.CA()
    server, person = trusty.issue_cert("localhost"), trusty.issue_cert("client@example.org")
    return (
        pki.tar_bytes(files),
        pki.tar_bytes(files, compression=""),
        pki.zip_bytes(files, folder="sub/"),
        files["bundle.p12"],
        files["ca.crt"] + files["tls.crt"] + files["tls.key"],
        ca.cert_der,
        client.cert_der,
        client.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        pkcs7.serialize_certificates([ca.cert, client.cert], serialization.Encoding.DER),
        pkcs7.serialize_certificates([ca.cert], serialization.Encoding.PEM),
        crafted.as_pem(ca.cert_der + bytes.fromhex("300c300a06082b06010505070301"), _LABELS[1]),
        trusty.cert_pem.bytes()
        + server.private_key_and_cert_chain_pem.bytes()
        + person.private_key_and_cert_chain_pem.bytes(),
        *(crafted.certificate(kind) for kind in crafted.KINDS),
    )


def _at_marker(data: bytearray, markers: tuple[bytes, ...], pick: int) -> list[int]:
    spots = [i for m in markers for i in range(len(data)) if data.startswith(m, i)]
    return [spots[pick % len(spots)] + len(m) for m in markers[:1]] if spots else []


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(["flip", "truncate", "insert", "delete", "splice", "oid", "version"])
        )
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind in ("oid", "version"):
            markers = _OID_PREFIXES if kind == "oid" else (_VERSION,)
            for spot in _at_marker(data, markers, at):
                if spot < len(data):
                    data[spot] = draw(st.integers(0, 127))
        else:
            other = draw(st.sampled_from(seeds()))
            data[at:] = other[draw(st.integers(0, len(other) - 1)) :]
    label = draw(st.sampled_from((None, *_LABELS)))
    return crafted.as_pem(bytes(data), label) if label else bytes(data)


def used_as_the_cli_does(bundle: Bundle) -> None:
    findings = check_bundle(bundle)
    bundle_json(bundle, findings)
    bundle_text(bundle, findings)
    pkcs8 = bundle.client_key_pkcs8()
    if pkcs8 is not None:
        keys.encrypted_pem(pkcs8, b"password")
    if pkcs8 is not None and bundle.client_cert is not None:
        identity_p12(pkcs8, bundle.client_cert, "fuzz", "password")


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(), password=st.one_of(st.none(), st.text(max_size=8)))
def test_mutated_input_gives_bundle_or_bundle_error(data: bytes, password: str | None) -> None:
    try:
        result = read_bundle(SourceData("fuzz", (("input", data),)), password=password)
    except BundleError as error:
        assert error.message and error.fix
    else:
        assert isinstance(result, Bundle)
        used_as_the_cli_does(result)
