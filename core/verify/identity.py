"""TLS client contexts for verification: the trust anchors of each mode plus the client identity."""

from __future__ import annotations

import secrets
import ssl

from clustertrust.core import certinfo, fileio, paths
from clustertrust.core.bundle import keys
from clustertrust.core.bundle.reader import Bundle
from clustertrust.core.errors import InputError
from clustertrust.core.i18n import tr
from clustertrust.core.remedy import Action, Remedy
from clustertrust.core.source.https import system_context
from clustertrust.core.verify.result import TrustMode


def client_context(bundle: Bundle, trust: TrustMode) -> ssl.SSLContext:
    """A fresh context per call, so no session or trust setting leaks from one mode to the next."""
    context = _bundle_trust(bundle) if trust is TrustMode.BUNDLE else system_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if presents_client_cert(bundle):
        load_client_identity(context, bundle)
    return context


def presents_client_cert(bundle: Bundle) -> bool:
    return bundle.client_cert is not None and bundle.private_key is not None


def _bundle_trust(bundle: Bundle) -> ssl.SSLContext:
    if not bundle.ca_certs:
        raise InputError(
            tr("The bundle from {origin} holds no CA certificate to trust.").format(
                origin=bundle.origin
            ),
            tr("Use --trust system, or choose the bundle that includes the cluster's ca.crt."),
        )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # A bundle whose CA is the issuing intermediate is trusted as browsers trust one, and as
    # OpenSSL's -partial_chain does: the chain may end at any certificate the bundle holds.
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    pem = b"".join(certinfo.to_pem(cert) for cert in bundle.ca_certs)
    context.load_verify_locations(cadata=pem.decode("ascii"))
    return context


def load_client_identity(context: ssl.SSLContext, bundle: Bundle) -> None:
    """ssl only loads keys from files: the key goes to a 0600 file, encrypted, deleted at once."""
    assert bundle.client_cert is not None and bundle.private_key is not None
    password = secrets.token_urlsafe(24)
    with fileio.private_folder(paths.runtime_dir()) as folder:
        cert_path = fileio.create_private(folder / "client.crt", _chain_pem(bundle))
        key_path = fileio.create_private(
            folder / "client.key", _encrypted_key_pem(bundle, password)
        )
        try:
            context.load_cert_chain(str(cert_path), str(key_path), password=password)
        except ssl.SSLError as exc:
            message = tr(
                "The client certificate and key in {origin} cannot be used for TLS ({why})."
            )
            raise InputError(
                message.format(origin=bundle.origin, why=exc.reason or exc),
                tr(
                    "Check the bundle; download it again if the key does not match the certificate."
                ),
                (Remedy(Action.INSPECT, (bundle.origin,)),),
            ) from exc


def _chain_pem(bundle: Bundle) -> bytes:
    assert bundle.client_cert is not None
    return b"".join(certinfo.to_pem(c) for c in (bundle.client_cert, *bundle.client_chain))


def _encrypted_key_pem(bundle: Bundle, password: str) -> bytes:
    pkcs8 = bundle.client_key_pkcs8()  # the bundle's own key bytes: RSA-PSS stays RSA-PSS
    assert pkcs8 is not None
    return keys.encrypted_pem(pkcs8, password.encode())
