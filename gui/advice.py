"""How the windows say a fix: the action's own button, never a terminal command
(core/remedy.py; the command line says the command)."""

from __future__ import annotations

from typing import Any

from clustertrust.core.actions import Action, Remedy
from clustertrust.core.i18n import tr, translatable

BUTTONS = {
    Action.INSTALL: translatable(
        "Open the bundle in the ClusterTrust wizard and install it (on the Review page you "
        "choose the stores); only what is missing is added."
    ),
    Action.REPAIR: translatable(
        "Press Repair on the cluster's card in the clusters window (Clusters on this computer…)."
    ),
    Action.RENEW: translatable(
        "Press Renew… on the cluster's card in the clusters window and choose the renewed bundle."
    ),
    Action.UNINSTALL: translatable("Press Remove… on the cluster's card in the clusters window."),
    Action.REPORT: translatable("Press Save support report… and send the file to your helpdesk."),
    Action.STATUS: translatable(
        "The clusters window (Clusters on this computer…) lists what is installed."
    ),
    Action.INSPECT: translatable(
        "The wizard's Review page lists what the bundle holds and what is wrong with it."
    ),
    Action.VERIFY: translatable("The wizard verifies with the bundle it opened (its Verify page)."),
    Action.CLOUD_LOGIN: translatable(
        "Sign in in the Kurrent Cloud dialog (From Kurrent Cloud…): organization, project and "
        "refresh token."
    ),
    Action.CLOUD_CLUSTERS: translatable("The Kurrent Cloud dialog lists the project's clusters."),
}
# An uninstall of named items: the older certificates a renewal left behind (verify's note). The
# card's Remove… would take the current certificates too when they share the card (same CA).
OLDER = translatable("Press Remove older certificates… on the cluster's card.")
OLDER_ELSEWHERE = translatable(
    "Open the clusters window (Clusters on this computer…) and press Remove older certificates… "
    "on the cluster's card."
)


def verdict_kind(report: Any) -> str:
    """ok: works for everything set up, nothing to do; warning: it works, yet something can
    be done (a profile Repair would cover, older certificates to remove); error: it does not
    work."""
    if not report.ok:
        return "error"
    verdict = report.verdict
    return "warning" if verdict.remedies or verdict.note_remedies else "ok"


def verdict_fix(verdict: Any, in_clusters_window: bool = False) -> str:
    """What a verification's verdict asks of a person, then its note, each with the windows'
    own button for what it points to (the wizard's Verify page, the clusters window)."""
    fix = window_fix(verdict.fix, verdict.remedies, in_clusters_window)
    note = window_fix(verdict.note, verdict.note_remedies, in_clusters_window)
    return " ".join(part for part in (fix, note) if part)


def window_fix(
    words: str, remedies: tuple[Remedy, ...] = (), in_clusters_window: bool = False
) -> str:
    """The words, then where in the windows to do it (`in_clusters_window`: said there)."""
    said = dict.fromkeys(_button(r, in_clusters_window) for r in remedies)
    return " ".join(part for part in (words, *said) if part)


def _button(remedy: Remedy, in_clusters_window: bool) -> str:
    if removes_named_items(remedy):
        return tr(OLDER if in_clusters_window else OLDER_ELSEWHERE)
    return tr(BUTTONS[remedy.action])


def removes_named_items(remedy: Remedy) -> bool:
    """An uninstall of the items these fingerprints name (not --all): on the command line
    `clustertrust uninstall SHA…`; in the windows the card's Remove older certificates…"""
    return (
        remedy.action is Action.UNINSTALL
        and bool(remedy.arguments)
        and ("--all" not in remedy.arguments)
    )
