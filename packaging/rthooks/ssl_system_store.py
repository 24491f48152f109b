"""PyInstaller runtime hook: let the bundled OpenSSL find this machine's CA bundle.

The app carries the build machine's OpenSSL, which looks for CAs where that machine keeps them
(Debian: /usr/lib/ssl; python.org and GitHub macOS builds: inside their Python.framework). On
Fedora, Arch, openSUSE or any Mac those paths do not exist, so a plain
`ssl.create_default_context()` (bundle downloads, the Kurrent Cloud API) would trust nothing.
Point OpenSSL at the system bundle instead, unless the user chose one with SSL_CERT_FILE or
SSL_CERT_DIR. Windows is left alone: Python reads its certificate store directly.
"""

import os
import re
import ssl

# The order truststore uses (after certifi-system-store by Christian Heimes).
_SYSTEM_CA_BUNDLES = (
    "/etc/ssl/cert.pem",  # Alpine, Arch, Fedora 34-43, RHEL 9-10, macOS, BSD
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  # Fedora 44+, RHEL 11+
    "/etc/pki/tls/cert.pem",  # older Fedora, RHEL, CentOS
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu
    "/etc/ssl/ca-bundle.pem",  # openSUSE, SLES
)


_HASHED_NAME = re.compile(r"^[0-9a-fA-F]{8}\.[0-9]$")  # what c_rehash names certificates


def _has_hashed_certs(folder):
    return os.path.isdir(folder) and any(_HASHED_NAME.match(name) for name in os.listdir(folder))


def _use_system_ca_bundle():
    if os.name == "nt" or "SSL_CERT_FILE" in os.environ or "SSL_CERT_DIR" in os.environ:
        return
    defaults = ssl.get_default_verify_paths()
    if defaults.cafile or (defaults.capath and _has_hashed_certs(defaults.capath)):
        return
    for bundle in _SYSTEM_CA_BUNDLES:
        if os.path.isfile(bundle):
            os.environ["SSL_CERT_FILE"] = bundle
            return


_use_system_ca_bundle()
