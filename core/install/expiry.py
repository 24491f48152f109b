"""Expiry warnings for installed items: from 14 days before notAfter, and once expired.

Kurrent Cloud certificates live about 90 days and the vendor rotates them, so the fix is always
the same: install the renewed bundle (which replaces the old items, see core.renewal).
"""

from __future__ import annotations

from collections.abc import Iterable

from clustertrust.core.bundle.checks import EXPIRY_WARNING_DAYS
from clustertrust.core.i18n import tr, tr_n, translatable
from clustertrust.core.install.plan import ItemStatus
from clustertrust.core.remedy import Action, Remedy

RENEW_FIX = translatable(
    "Download the renewed bundle (for Kurrent Cloud: from the console) and renew with it; the "
    "cluster is checked with it first, and the old items go once the new ones are in."
)
RENEW = Remedy(Action.RENEW, ("BUNDLE",))


def needs_warning(days_left: int) -> bool:
    return days_left <= EXPIRY_WARNING_DAYS


def days_left(days: int) -> str:
    """How long a certificate has left, as both front ends and the diagnostics say it."""
    if days < 0:
        return tr("expired")
    return tr_n("{days} day left", "{days} days left", days).format(days=days)


def expiry_notice(subject: str, not_after: str, days_left: int) -> str | None:
    """One sentence for people, or None when there is no need to worry yet."""
    date = not_after[:10]
    if days_left < 0:
        return tr("{subject} expired on {date}.").format(subject=subject, date=date)
    if needs_warning(days_left):
        soon = tr_n(
            "{subject} expires on {date}, in {days} day.",
            "{subject} expires on {date}, in {days} days.",
            days_left,
        )
        return soon.format(subject=subject, date=date, days=days_left)
    return None


def expiry_warnings(items: Iterable[ItemStatus]) -> list[str]:
    """One notice per certificate (an item installed in several stores is named once)."""
    seen: set[str] = set()
    notices = []
    for item in sorted(items, key=lambda i: i.days_left):
        record = item.record
        notice = expiry_notice(record.subject, record.not_after, item.days_left)
        if notice and record.sha256 not in seen:
            seen.add(record.sha256)
            notices.append(notice)
    return notices
