"""How a member reads on the screens: one-line summaries, names and the salutation choices.

Shared by the counter's dialogs and the member desk, so a screen never imports another screen
for them.
"""

from __future__ import annotations

from app.domain.profile import salutation_label
from app.i18n import _, format_points, ngettext
from app.services.member_history import MemberProfile
from app.services.views import MemberView
from app.tui.widgets.member_panel import member_display_name


def member_line(member: MemberView) -> str:
    """Who a dialog is about: salutation, name, card and balance on one line."""
    return ngettext(
        "{name} · card {card} · {points} point",
        "{name} · card {card} · {points} points",
        member.points,
    ).format(
        name=member_display_name(member),
        card=member.card,
        points=format_points(member.points),
    )


def profile_name(profile: MemberProfile) -> str:
    """Salutation and name, or a placeholder for an erased member."""
    parts = (salutation_label(profile.salutation), profile.first_name, profile.last_name)
    return " ".join(p for p in parts if p) or _("(erased member {id})").format(id=profile.member_id)


def salutation_choices() -> list[tuple[str, str]]:
    """The salutation field's choices: none, then each salutation in the current language."""
    return [(_("(none)"), "")] + [(salutation_label(c), c) for c in ("ms", "mr", "mx")]


def reason_label(reason: str) -> str:
    """A ledger row's stored reason as the owner reads it: codes (``base``, ``coupon CODE``,
    ``referred CARD``, the expiry rule) in words; a reason typed by a person as it is."""
    codes = {
        "base": _("base points"),
        "birthday": _("birthday gift"),
        "signup": _("sign-up bonus"),
        "profile": _("profile bonus"),
        "referral": _("referral bonus"),
        "earned": _("points older than the expiry period"),
        "inactive": _("no visit within the expiry period"),
        "import": _("imported sale"),
    }
    if reason in codes:
        return codes[reason]
    head, _space, rest = reason.partition(" ")
    if rest and head == "coupon":
        return _("coupon {code}").format(code=rest)
    if rest and head == "referred" and rest.isdigit():
        return _("referred {card}").format(card=rest)
    return reason
