"""A fake /usr/bin/security, modelled on Apple's source rather than on what our adapter expects.

Every verb parses its arguments with the getopt string its C source declares and exits 2 on a
usage error, as security(1) does; what it changes and what it exits with follow that source
(apple-oss-distributions/Security, SecurityTool/macOS, Security-61901 unless noted):

- keychain_delete.c: delete-certificate / delete-identity find the item (none: exit 1 and
  `Unable to delete certificate matching "<hash>"`); with -t they first remove the user trust
  setting, and as root the admin one, ignoring only errSecItemNotFound, so errSecNoTrustSettings
  (a domain with no trust settings at all) skips the delete; the exit status is the OSStatus,
  which the shell sees as status & 0xFF (security.c returns it from main).
- trusted_cert_add.c: add-trusted-cert stores the certificate before its dialog;
  remove-trusted-cert prints `SecTrustSettingsRemoveTrustSettings: <message>` and exits 1.
  SecTrustSettings.cpp/TrustSettings.cpp: a domain without a settings file answers
  errSecNoTrustSettings (-25263), one without the certificate errSecItemNotFound (-25300).
- keychain_import.c: `-x` leaves CSSM_KEYATTR_EXTRACTABLE off the key's attributes, which reach
  the PKCS#12 import up to Security-61123 (macOS 14); `macos_15` models Security-61439, whose
  PKCS#12 path (SecPKCS12Import) gets no key attributes, and answers a wrong passphrase with
  errSecAuthFailed instead of errSecPkcs12VerifyFailure.
- keychain_find.c: `find-certificate -a -Z` prints `SHA-256 hash:` then `SHA-1 hash:` per match;
  `-a` with no match exits 0 and prints nothing.
- display_error_code.c: `security error N…` prints `Error: 0x%08X %d %s` per code and exits 1.

The messages are the recorded ones of ../shared/os-tool-outputs.md where one was recorded (their
sources are cited in tests/platform/test_macos.py); the others are marked SYNTHETIC there.
"""

from __future__ import annotations

import getopt
import plistlib
from dataclasses import dataclass
from pathlib import Path

from clustertrust.core import certinfo
from clustertrust.platform import mactrust
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from support.recording import Answer, RecordingRunner

ERR_NO_TRUST_SETTINGS = -25263  # errSecNoTrustSettings
ERR_ITEM_NOT_FOUND = -25300  # errSecItemNotFound
ERR_AUTH_FAILED = -25293  # errSecAuthFailed
ERR_PKCS12_VERIFY = -25264  # errSecPkcs12VerifyFailure
OPTIONS = {
    "import": "k:t:f:P:wxa:hAT:",  # keychain_import.c (after the input file)
    "add-trusted-cert": "dr:a:p:s:e:u:k:i:o:h",  # trusted_cert_add.c
    "remove-trusted-cert": "dh",
    "find-certificate": "hac:e:mpZ",  # keychain_find.c
    "delete-certificate": "hc:Z:t",  # keychain_delete.c
    "delete-identity": "hc:Z:t",
    "trust-settings-export": "dsh",  # trust_settings_impexp.c
}
PBES2 = bytes.fromhex("2a864886f70d01050d")  # the OID OpenSSL 3 uses (AES); macOS rejects it
TRIPLE_DES = bytes.fromhex("2a864886f70d010c0103")  # pbeWithSHAAnd3-KeyTripleDES-CBC


@dataclass
class Item:
    cert: x509.Certificate
    has_key: bool = False
    extractable: bool = True


class FakeSecurity:
    """Keychains, trust-settings domains (None: no settings file) and the messages it prints."""

    def __init__(self, runner: RecordingRunner, messages: dict[int, str]) -> None:
        self.items: dict[str, dict[str, Item]] = {}  # keychain -> sha256 -> item
        self.trust: dict[str, dict[str, list[dict[str, object]]] | None] = {
            "user": None,
            "admin": None,
        }
        self.messages = messages
        self.root = False  # geteuid() == 0, for delete -t
        self.macos_15 = False
        self.refusal: Answer | None = None  # what add-trusted-cert's dialog ends in
        for verb in OPTIONS:
            runner.on(verb, effect=self._parsed)
        runner.on("error", effect=self.error)

    def add(self, keychain: str, cert: x509.Certificate, has_key: bool = False) -> None:
        self.items.setdefault(keychain, {})[certinfo.sha256(cert)] = Item(cert, has_key)

    def certificates(self) -> list[x509.Certificate]:
        return [item.cert for keychain in self.items.values() for item in keychain.values()]

    def trusted(self, domain: str, cert: x509.Certificate) -> bool:
        return certinfo.sha1(cert).upper() in (self.trust[domain] or {})

    def _parsed(self, argv: tuple[str, ...], _: bytes | None) -> Answer:
        verb, rest = argv[1], list(argv[2:])
        first = [rest.pop(0)] if verb == "import" and rest else []
        try:
            pairs, operands = getopt.getopt(rest, OPTIONS[verb])
        except getopt.GetoptError as error:
            return 2, "", f"security: {error}\n"  # SHOW_USAGE_MESSAGE
        options: dict[str, list[str]] = {}
        for name, value in pairs:
            options.setdefault(name, []).append(value)
        return getattr(self, "do_" + verb.replace("-", "_"))(options, first + operands)

    def _message(self, status: int) -> str:
        return self.messages.get(status, f"OSStatus {status}")

    def do_import(self, options: dict[str, list[str]], operands: list[str]) -> Answer:
        data = Path(operands[0]).read_bytes()
        password = options.get("-P", [""])[0].encode()
        try:
            key, cert, _ = pkcs12.load_key_and_certificates(data, password)
        except ValueError:
            key = cert = None
        if PBES2 in data or TRIPLE_DES not in data or cert is None:
            status = ERR_AUTH_FAILED if self.macos_15 else ERR_PKCS12_VERIFY
            return 1, "", f"security: SecKeychainItemImport: {self._message(status)}\n"
        keychain = options["-k"][0]
        self.add(keychain, cert, has_key=key is not None)
        extractable = self.macos_15 or "-x" not in options
        self.items[keychain][certinfo.sha256(cert)].extractable = extractable
        return 0, "1 identity imported.\n", ""

    def do_add_trusted_cert(self, options: dict[str, list[str]], operands: list[str]) -> Answer:
        cert = x509.load_pem_x509_certificate(Path(operands[0]).read_bytes())
        self.add(options["-k"][0], cert)  # stored before the dialog
        if self.refusal is not None:
            return self.refusal
        # SYNTHETIC constraint, after SecTrustSettings.h and mkcert's plist; whether trustRoot
        # writes kSecTrustSettingsResult was not recorded, so it is left out (absent = root).
        constraint: dict[str, object] = {
            "kSecTrustSettingsPolicy": mactrust.SSL_POLICY_OID,
            "kSecTrustSettingsPolicyName": "sslServer",
        }
        if "-s" in options:
            constraint["kSecTrustSettingsPolicyString"] = options["-s"][0]
        domain = "admin" if "-d" in options else "user"
        settings = self.trust[domain] or {}
        settings[certinfo.sha1(cert).upper()] = [constraint]
        self.trust[domain] = settings
        return 0, "", ""

    def do_find_certificate(self, options: dict[str, list[str]], operands: list[str]) -> Answer:
        found = [item.cert for item in self.items.get(operands[-1], {}).values()]
        if "-p" in options:
            return 0, "".join(certinfo.to_pem(c).decode() for c in found), ""
        lines = [  # the attribute lines each match also prints are left out
            f"SHA-256 hash: {certinfo.sha256(c).upper()}\nSHA-1 hash: {certinfo.sha1(c).upper()}\n"
            for c in found
        ]
        return 0, "".join(lines), ""

    def do_trust_settings_export(
        self, options: dict[str, list[str]], operands: list[str]
    ) -> Answer:
        settings = self.trust["admin" if "-d" in options else "user"]
        if settings is None:
            message = self._message(ERR_NO_TRUST_SETTINGS)
            return 1, "", f"SecTrustSettingsCreateExternalRepresentation: {message}\n"
        trust_list = {sha1: {"trustSettings": s} for sha1, s in settings.items()}
        document = {"trustList": trust_list, "trustVersion": 1}
        Path(operands[0]).write_bytes(plistlib.dumps(document))
        return 0, "", ""

    def _remove_trust(self, domain: str, sha1: str) -> int:
        """SecTrustSettingsRemoveTrustSettings: the OSStatus it returns."""
        settings = self.trust[domain]
        if settings is None:
            return ERR_NO_TRUST_SETTINGS
        return 0 if settings.pop(sha1, None) is not None else ERR_ITEM_NOT_FOUND

    def do_remove_trusted_cert(self, options: dict[str, list[str]], operands: list[str]) -> Answer:
        cert = x509.load_pem_x509_certificate(Path(operands[0]).read_bytes())
        domain = "admin" if "-d" in options else "user"
        status = self._remove_trust(domain, certinfo.sha1(cert).upper())
        if status:
            return 1, "", f"SecTrustSettingsRemoveTrustSettings: {self._message(status)}\n"
        return 0, "", ""

    def do_delete_certificate(self, options: dict[str, list[str]], operands: list[str]) -> Answer:
        sha1 = options["-Z"][0]
        keychain = self.items.get(operands[-1], {})
        found = [s for s, item in keychain.items() if certinfo.sha1(item.cert).upper() == sha1]
        if not found:
            return 1, "", f'Unable to delete certificate matching "{sha1}"'
        status, printed = 0, ""
        domains = ("user", "admin") if self.root else ("user",)
        for domain in domains if "-t" in options else ():
            removed = self._remove_trust(domain, sha1)
            if removed and removed != ERR_ITEM_NOT_FOUND:  # "not an error" only for that one
                status = removed
                printed += (
                    f"security: SecTrustSettingsRemoveTrustSettings ({domain}): "
                    f"{self._message(removed)}\n"
                )
        if not status:
            del keychain[found[0]]
        return status & 0xFF, "", printed

    do_delete_identity = do_delete_certificate

    def error(self, argv: tuple[str, ...], _: bytes | None) -> Answer:
        codes = [int(a) for a in argv[2:]]
        lines = [
            f"Error: 0x{c & 0xFFFFFFFF:08X} {c} {self.messages[c]}"
            for c in codes
            if c in self.messages
        ]
        return 1, "\n".join(lines) + "\n", ""
