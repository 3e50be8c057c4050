"""How a member reads on the screens: one-line summaries, names and the salutation choices.

Shared by the counter's dialogs and the member desk, so a screen never imports another screen
for them.
"""

from __future__ import annotations

from app.domain.profile import salutation_label
from app.i18n import _, format_points
from app.services.member_history import MemberProfile
from app.services.views import MemberView
from app.tui.widgets.member_panel import member_display_name


def member_line(member: MemberView) -> str:
    """Who a dialog is about: salutation, name, card and balance on one line."""
    return _("{name} · card {card} · {points} points").format(
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
