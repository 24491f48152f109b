"""Tokens in the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service), never
in files. Only stored when the user asks; tests install an in-memory keyring backend."""

from __future__ import annotations

import keyring
import keyring.errors
from clustertrust.core.errors import OperationFailed
from clustertrust.core.i18n import tr, translatable
from clustertrust.core.logs import register_secret

SERVICE = "clustertrust"
_NO_KEYRING_FIX = translatable(
    "Unlock or start your desktop's keyring (GNOME Keyring, KWallet, macOS Keychain, Windows "
    "Credential Manager) and try again. ClusterTrust never keeps tokens in plain files."
)


def save_secret(name: str, value: str) -> None:
    register_secret(value)
    try:
        keyring.set_password(SERVICE, name, value)
    except keyring.errors.KeyringError as exc:
        raise OperationFailed(
            tr("The token could not be saved in the keyring: {error}.").format(error=exc),
            tr(_NO_KEYRING_FIX),
        ) from exc


def load_secret(name: str) -> str | None:
    try:
        value = keyring.get_password(SERVICE, name)
    except keyring.errors.KeyringError as exc:
        raise OperationFailed(
            tr("The keyring could not be read: {error}.").format(error=exc), tr(_NO_KEYRING_FIX)
        ) from exc
    if value:
        register_secret(value)
    return value


def delete_secret(name: str) -> bool:
    """Forget the secret; False when there was none."""
    try:
        keyring.delete_password(SERVICE, name)
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as exc:
        raise OperationFailed(
            tr("The keyring could not be changed: {error}.").format(error=exc),
            tr(_NO_KEYRING_FIX),
        ) from exc
    return True
