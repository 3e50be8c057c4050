"""Printing a staff badge to a file (PDF by default, in the data folder's ``badges``)."""

from __future__ import annotations

from pathlib import Path

from app.config import data_dir
from app.domain.roles import badge_code, role_label
from app.i18n import _
from app.printing.badge import badge_face, write_badge
from app.printing.coupon import CouponPrintFailed
from app.services.context import Context
from app.services.staff.accounts import find_staff


def print_badge(ctx: Context, name_or_badge: str, out: str | Path | None = None) -> Path:
    """Write the badge of an account; returns the file written."""
    staff = find_staff(ctx, name_or_badge)
    code = badge_code(staff.number)
    target = Path(out) if out else data_dir() / "badges" / f"badge-{code}.pdf"
    if out is None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CouponPrintFailed(
                _("Cannot write {path}: {reason}").format(path=target.parent, reason=exc.strerror)
            ) from None
    shop = str(ctx.settings()["shop.name"])
    return write_badge(badge_face(shop, staff.name, role_label(staff.role), code), target)
