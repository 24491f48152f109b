"""Recognise certificates, keys and PKCS#12 files by their content (PEM, DER or PFX)."""

from __future__ import annotations

import contextlib
import posixpath
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import NamedTuple

from clustertrust.core.bundle import ec_repair, keys
from clustertrust.core.bundle.bounded import check_kdf_cost, check_sealed_kdf_cost, pem_blocks
from clustertrust.core.bundle.documents import parts as parts_of_document
from clustertrust.core.bundle.keys import KeyMaterial
from clustertrust.core.errors import BundleError, PasswordNeeded
from clustertrust.core.i18n import tr, translatable
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

KURRENT_P12_PASSWORD = "kurrent"

_CERT_LABELS = {b"CERTIFICATE", b"X509 CERTIFICATE"}
_KEY_LABELS = {b"PRIVATE KEY", b"RSA PRIVATE KEY", b"EC PRIVATE KEY", b"ENCRYPTED PRIVATE KEY"}
_TRUSTED_LABEL = b"TRUSTED CERTIFICATE"  # OpenSSL's cert + trust settings (X509_AUX)
_PKCS7_LABEL = b"PKCS7"
_PKCS7_DATA_OID = bytes.fromhex("06092a864886f70d010701")
_PKCS7_SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")
# What cryptography raises for well-formed input it has no support for (MD2, GOST, x400 names).
_NOT_SUPPORTED = (UnsupportedAlgorithm, x509.UnsupportedGeneralNameType)


class UnsupportedContent(BundleError):
    """Intact certificates or keys with an algorithm or feature ClusterTrust cannot read."""


class JavaKeystore(UnsupportedContent):
    """A JKS or JCEKS keystore: keytool converts it to the PKCS#12 that is read."""


# The magic numbers of Java's own keystore formats (sun.security.provider.JavaKeyStore and
# com.sun.crypto.provider.JceKeyStore); keytool writes PKCS#12 by default since Java 9.
_JAVA_KEYSTORES = {b"\xfe\xed\xfe\xed": "JKS", b"\xce\xce\xce\xce": "JCEKS"}


class P12Content(NamedTuple):
    name: str
    data: bytes
    password: str
    cert: x509.Certificate | None
    key: PrivateKeyTypes | None
    extra: tuple[x509.Certificate, ...]

    def __repr__(self) -> str:  # never the password or the key
        return f"P12Content(name={self.name!r})"


class Pieces:
    """What was found in the files, before deciding which certificate plays which part."""

    def __init__(self) -> None:
        self.certs: list[x509.Certificate] = []
        self.keys: list[KeyMaterial] = []
        self.p12s: list[P12Content] = []
        # Key blocks that could not be read; they matter only if the client identity needs a key.
        self.unreadable_keys: list[BundleError] = []
        # PKCS#12 files no password given opens, and Java keystores: they matter only if no
        # readable identity is here.
        self.unopened: list[BundleError] = []
        self.used: list[str] = []
        self.ignored: list[str] = []


def read_member(
    path: str, data: bytes, password: str | None, found: Pieces, *, documents: bool = True
) -> None:
    """Add what `data` holds to `found`; a file holding nothing we know is noted as ignored.
    A JSON or YAML document is read for the certificates and keys its strings hold."""
    before = _count(found)
    with warnings.catch_warnings():
        # cryptography warns about fields it will refuse one day; reading must stay quiet.
        warnings.simplefilter("ignore")
        if data[:4] in _JAVA_KEYSTORES:
            found.unopened.append(_java_keystore(path, _JAVA_KEYSTORES[data[:4]]))
        elif b"-----BEGIN " in data:
            _read_pem(path, data, password, found)
        elif data[:1] == b"\x30":
            _read_der(path, data, password, found)
    if _count(found) == before and documents:
        document_parts = parts_of_document(path, data)
        for part, blob in document_parts:
            read_member(part, blob, password, found, documents=False)
        if document_parts:
            return
    (found.used if _count(found) != before else found.ignored).append(path)


def _read_pem(path: str, data: bytes, password: str | None, found: Pieces) -> None:
    for label, block in pem_blocks(path, data):
        _read_pem_block(path, label, block, password, found)


def _count(found: Pieces) -> tuple[int, ...]:
    lists = (found.certs, found.keys, found.p12s, found.unreadable_keys, found.unopened)
    return tuple(len(items) for items in lists)


def _read_pem_block(
    path: str, label: bytes, block: bytes, password: str | None, found: Pieces
) -> None:
    block = block.replace(b"\r\n", b"\n")
    if label in _CERT_LABELS:
        found.certs.append(_certificate(path, lambda: x509.load_pem_x509_certificate(block)))
    elif label == _TRUSTED_LABEL:
        found.certs.append(_certificate(path, lambda: _trusted_certificate(block)))
    elif label == _PKCS7_LABEL:
        found.certs += _pkcs7(path, lambda: _pkcs7_loader().load_pem_pkcs7_certificates(block))
    elif label in _KEY_LABELS:
        _add_key(path, block, password, found)


def _read_der(path: str, data: bytes, password: str | None, found: Pieces) -> None:
    cert = _der_certificate(path, data)
    if cert is not None:
        found.certs.append(_checked(path, cert))
    elif _PKCS7_SIGNED_DATA_OID in data[:24]:
        found.certs += _pkcs7(path, lambda: _pkcs7_loader().load_der_pkcs7_certificates(data))
    elif _looks_like_pfx(data):
        try:
            found.p12s.append(_p12(path, data, password))
        except PasswordNeeded as locked:
            found.unopened.append(locked)
    else:
        with contextlib.suppress(ValueError, TypeError, UnsupportedAlgorithm):
            key = serialization.load_der_private_key(data, None)
            found.keys.append(keys.material(key, data, path))
            return
        repaired = _ec_repaired(path, data, None)
        if repaired is not None:
            found.keys.append(repaired)


def _p12(path: str, data: bytes, password: str | None) -> P12Content:
    """_open_p12 with its certificates checked like any other, and no foreign exception."""
    try:
        content = _open_p12(path, data, password)
    except BundleError:
        raise
    except Exception as exc:  # e.g. a PBE algorithm this OpenSSL build lacks
        raise _refused(path, translatable("a PKCS#12 file"), exc) from exc
    for cert in (content.cert, *content.extra):
        if cert is not None:
            _checked(path, cert)
    return content


def _der_certificate(path: str, data: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(data)
    except ValueError:  # not a certificate: maybe PKCS#7, PKCS#12 or a key
        return None
    except Exception as exc:  # a certificate that cryptography refuses (seen: InvalidVersion)
        raise _refused(path, translatable("a certificate"), exc) from exc


def _certificate(path: str, load: Callable[[], x509.Certificate]) -> x509.Certificate:
    try:
        cert = load()
    except Exception as exc:  # not only ValueError: InvalidVersion, UnsupportedAlgorithm…
        raise _refused(path, translatable("a certificate"), exc) from exc
    return _checked(path, cert)


def _trusted_certificate(block: bytes) -> x509.Certificate:
    """The certificate at the start of a TRUSTED CERTIFICATE block; its trust settings are
    dropped, as the user decides trust here."""
    der = keys.pem_body(block)
    if der is None:
        raise ValueError("not base64")
    return x509.load_der_x509_certificate(der[: keys.element_end(der)])


def _pkcs7_loader() -> ModuleType:
    from cryptography.hazmat.primitives.serialization import pkcs7  # rare: load when seen

    return pkcs7


def _pkcs7(path: str, load: Callable[[], list[x509.Certificate]]) -> list[x509.Certificate]:
    try:
        certs = load()
    except Exception as exc:
        raise _refused(path, translatable("a PKCS#7 certificate bundle"), exc) from exc
    return [_checked(path, cert) for cert in certs]


def _checked(path: str, cert: x509.Certificate) -> x509.Certificate:
    """Touch every field we use: cryptography parses some of them only when first read."""
    try:
        cert.public_key()
        _ = (cert.subject, cert.issuer, cert.extensions, cert.signature_hash_algorithm)
        _ = (cert.not_valid_before_utc, cert.not_valid_after_utc)
    except Exception as exc:  # malformed fields raise assorted types (seen: KeyError)
        raise _refused(path, translatable("a certificate"), exc) from exc
    return cert


def _add_key(path: str, block: bytes, password: str | None, found: Pieces) -> None:
    try:
        found.keys.append(_load_key(path, block, password))
    except BundleError as problem:
        found.unreadable_keys.append(problem)


def confirm_rsa_keys(found: Pieces) -> None:
    """Validate each RSA key read from PEM once: a PKCS#12 holding the very same key validated it
    when it was opened; any other is checked now, and an inconsistent one is left unreadable."""
    validated = [
        p.key.private_numbers() for p in found.p12s if isinstance(p.key, rsa.RSAPrivateKey)
    ]
    kept = []
    for material in found.keys:
        key = material.key
        if isinstance(key, rsa.RSAPrivateKey) and key.private_numbers() not in validated:
            try:
                key.private_numbers().private_key()  # validates
            except ValueError:
                found.unreadable_keys.append(
                    _unreadable(material.source, translatable("a private key"))
                )
                continue
        kept.append(material)
    found.keys[:] = kept


def _looks_like_pfx(data: bytes) -> bool:
    # PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (pkcs7-data), ... }
    return data[:1] == b"\x30" and b"\x02\x01\x03" in data[:8] and _PKCS7_DATA_OID in data[:40]


def _load_key(path: str, block: bytes, password: str | None) -> KeyMaterial:
    encrypted = b"ENCRYPTED" in block
    if encrypted:
        check_kdf_cost(path, keys.pem_body(block) or b"")
    if encrypted and not password:
        raise PasswordNeeded(
            tr("The private key in {path} is encrypted with a password.").format(path=path),
            tr("Run again with --password-stdin, or on a terminal to be asked for it."),
        )
    try:
        # RSA is validated once, in confirm_rsa_keys: usually the p12 already holds the same key
        key = serialization.load_pem_private_key(
            block,
            password.encode() if encrypted and password else None,
            unsafe_skip_rsa_key_validation=True,
        )
    except (ValueError, TypeError) as exc:
        repaired = _ec_repaired(path, keys.pem_body(block), password if encrypted else None)
        if repaired is not None:
            return repaired
        if encrypted:
            raise PasswordNeeded(
                tr("The password given does not open the encrypted private key in {path}.").format(
                    path=path
                ),
                tr("Check the key's password and run again (--password-stdin, or on a terminal)."),
            ) from exc
        raise _unreadable(path, translatable("a private key")) from exc
    except Exception as exc:  # unsupported algorithm and the like
        raise _refused(path, translatable("a private key"), exc) from exc
    return keys.material(key, keys.pem_body(block), path)


def _ec_repaired(path: str, body: bytes | None, password: str | None) -> KeyMaterial | None:
    """A GnuTLS EC key whose scalar has a leading zero, decrypted first when a password is
    given; None when it is no such key (or the password is wrong)."""
    plain = ec_repair.decrypt_pbes2(body, password.encode()) if body and password else body
    fixed = ec_repair.canonical(plain) if plain else None
    if fixed is None:
        return None
    with contextlib.suppress(ValueError, TypeError, UnsupportedAlgorithm):
        return keys.material(serialization.load_der_private_key(fixed, None), fixed, path)
    return None


def _p12_passwords(given: str | None) -> list[str]:
    candidates = [KURRENT_P12_PASSWORD, given or "", ""]
    return list(dict.fromkeys(candidates))


def _open_p12(path: str, data: bytes, password: str | None) -> P12Content:
    check_kdf_cost(path, data)  # before any of the candidate passwords derives a key
    for candidate in _p12_passwords(password):
        check_sealed_kdf_cost(path, data, candidate)  # a key bag inside encrypted contents
        try:
            loaded = pkcs12.load_pkcs12(data, candidate.encode() if candidate else None)
        except (ValueError, TypeError):
            continue
        return P12Content(
            name=path,
            data=data,
            password=candidate,
            cert=loaded.cert.certificate if loaded.cert else None,
            key=loaded.key,
            extra=tuple(c.certificate for c in loaded.additional_certs),
        )
    if password:
        problem = tr("Neither the Kurrent default password nor the password given opens {path}.")
    else:
        problem = tr("{path} is protected by a password other than the Kurrent default.")
    raise PasswordNeeded(
        problem.format(path=path),
        tr("Run again with --password-stdin, or on a terminal to be asked for it."),
    )


def _java_keystore(path: str, kind: str) -> JavaKeystore:
    import shlex  # only for this rare refusal

    name = posixpath.basename(path)
    command = shlex.join(["keytool", "-importkeystore", "-srckeystore", name,
                          "-destkeystore", f"{name}.p12", "-deststoretype", "pkcs12"])  # fmt: skip
    return JavaKeystore(
        tr("{path} is a Java keystore ({kind}), which ClusterTrust cannot read.").format(
            path=path, kind=kind
        ),
        tr("Convert it to PKCS#12 with the JDK's keytool, then choose {file}: {command}").format(
            file=f"{name}.p12", command=command
        ),
    )


def _refused(path: str, what: str, exc: Exception) -> BundleError:
    """Tell "cannot read this algorithm" apart from "damaged"."""
    if not isinstance(exc, _NOT_SUPPORTED):
        return _unreadable(path, what)
    detail = "".join(c if c.isprintable() else "?" for c in str(exc))[:120]
    return UnsupportedContent(
        tr(
            "{path} holds {what} that uses an algorithm or feature ClusterTrust cannot read "
            "({detail}); the file itself looks intact."
        ).format(path=path, what=tr(what), detail=detail),
        tr(
            "Ask the cluster's administrator for certificates with RSA, ECDSA or Ed25519 keys and "
            "SHA-2 signatures."
        ),
    )


def _unreadable(path: str, what: str) -> BundleError:
    return BundleError(
        tr("{path} looks like {what} but cannot be read: it is damaged or truncated.").format(
            path=path, what=tr(what)
        ),
        tr("Download the bundle again, or ask the cluster's administrator for a new one."),
    )
