"""Who works at this till (issue 13): a shop of one, or a signed-in person with a role.

The app owns one :class:`TillSession`. Until the first staff account exists the till is a shop of
one: everything is allowed and nobody signs in. Once staff exist, the person signed in is
``ctx.staff``; an action beyond their role needs a manager's or owner's badge and PIN
(``screens/gate.py``), which gives a copy of the context with ``ctx.approver`` set for that one
action. The checks here are the permission table's (``app.domain.roles``), pure and quick: the
key bar and the help ask them on every redraw.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from app.domain.cards import looks_like_card
from app.domain.roles import Action, StaffView, allows, role_label
from app.i18n import _
from app.services.context import Context

LOCK_MARK = "🔒"
"""What the key bar and the help put before what the role cannot do without a PIN."""

DEFAULT_LOCK_MINUTES = 5
"""``staff.lock_minutes`` when the setting is not there."""


def staff_label(staff: StaffView) -> str:
    """``Carla (cashier)``: who is signed in, as the header shows it."""
    return _("{name} ({role})").format(name=staff.name, role=role_label(staff.role))


def shop_of_one_text() -> str:
    """The counter's line while no staff account exists."""
    return _("Anyone at this till can change everything · add staff: loyalty staff add")


def is_member_card(text: str) -> bool:
    """Whether a scan at the sign-in is a member's card (digits), not a badge or a name."""
    return looks_like_card(text, "")


def not_staff_text(text: str) -> str:
    """What is said of a scan or name that is nobody on the staff."""
    if is_member_card(text):
        return _("That is a member card: sign in first (your badge or your name, then your PIN)")
    return _("Nobody on the staff is called or badged “{text}”").format(text=text)


@dataclass
class TillSession:
    """The till's staff state: whether staff exist, who is signed in, when a key came last."""

    staff_mode: bool
    """Whether any staff account exists (else: a shop of one, no sign-in)."""
    staff: StaffView | None = None
    """Who is signed in; None while the till is locked (or in a shop of one)."""
    last_activity: datetime | None = None
    """When the last key was pressed (the idle lock counts from it)."""
    approvers: dict[str, StaffView] = field(default_factory=dict)
    """The managers and owners who approved an action here, by name (for checks inside it)."""

    @property
    def locked(self) -> bool:
        """Whether the till waits for someone to sign in."""
        return self.staff_mode and self.staff is None

    def allows(self, ctx: Context, action: Action) -> bool:
        """Whether ``action`` may run with ``ctx``: the signed-in person's role, or the role of
        the manager or owner who approved the action ``ctx`` was made for."""
        if not self.staff_mode:
            return True
        staff = ctx.staff
        if staff is not None and allows(staff.role, action):
            return True
        approver = self.approvers.get(ctx.approver or "")
        return approver is not None and allows(approver.role, action)

    def locked_keys(self, ctx: Context, gated: Mapping[str, Action]) -> set[str]:
        """The binding actions of ``gated`` the current person cannot run without a PIN."""
        return {name for name, action in gated.items() if not self.allows(ctx, action)}

    def with_approver(self, ctx: Context, approver: StaffView) -> Context:
        """A copy of ``ctx`` for one action that ``approver`` allowed (both names recorded)."""
        self.approvers[approver.name] = approver
        return replace(ctx, approver=approver.name)

    def touch(self, now: datetime) -> None:
        """A key was pressed."""
        self.last_activity = now

    def idle_too_long(self, now: datetime, minutes: int) -> bool:
        """Whether the signed-in person has been away ``minutes`` (0: never locks)."""
        if not self.staff_mode or self.staff is None or minutes <= 0:
            return False
        last = self.last_activity
        return last is not None and now - last >= timedelta(minutes=minutes)


def lock_minutes(settings: Mapping[str, object]) -> int:
    """``staff.lock_minutes`` as a whole number; a bad value counts as the default."""
    value = settings.get("staff.lock_minutes", DEFAULT_LOCK_MINUTES)
    try:
        return max(0, int(str(value)))
    except ValueError:
        return DEFAULT_LOCK_MINUTES


def who_text(session: TillSession) -> str:
    """The header's part about the person: who is signed in, or that the till is locked."""
    if not session.staff_mode:
        return ""
    if session.staff is None:
        return _("Locked")
    return staff_label(session.staff)
