"""The one gate of every action at the till that the permission table restricts.

``require(node, action, proceed)`` runs ``proceed(ctx)`` at once when the signed-in person may
do ``action`` (or in a shop of one); otherwise it opens the manager's PIN pad
(:class:`PinPadScreen`): a manager's or owner's badge (or name) and PIN allow the action once,
and ``proceed`` then gets a copy of the context that carries the approver's name next to the
signed-in person's, so the service records both. Esc on the pad does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.widgets import Static

from app.domain.errors import LoyaltyError
from app.domain.roles import Action, Role, action_label, minimum_role, role_label
from app.i18n import _
from app.services.context import Context
from app.services.staff import StaffView, approve, find_staff
from app.tui.screens.dialog import Dialog
from app.tui.session import TillSession, is_member_card, not_staff_text, staff_label
from app.tui.widgets.pin_entry import PinEntry


def approver_text(action: Action) -> str:
    """Who may allow ``action``: a manager or an owner, or only an owner."""
    if minimum_role(action) == Role.OWNER:
        return _("the owner")
    return _("a manager or the owner")


def session_of(node: DOMNode) -> TillSession:
    """The till's session (the app's); an app without one (a test's host of one screen) is a
    shop of one."""
    session = getattr(node.app, "session", None)
    return session if isinstance(session, TillSession) else TillSession(staff_mode=False)


def require(
    node: DOMNode,
    action: Action,
    proceed: Callable[[Context], object],
    *,
    ctx: Context | None = None,
) -> None:
    """Run ``proceed`` with a context allowed to do ``action``, asking for a PIN if need be.

    ``ctx`` defaults to the node's own (``node.ctx``): a screen opened with a manager's
    approval checks what it does inside with that approval.
    """
    context = ctx if ctx is not None else cast(Context, getattr(node, "ctx"))  # noqa: B009
    session = session_of(node)
    if session.allows(context, action):
        proceed(context)
        return

    def approved(approver: StaffView | None) -> None:
        if approver is not None:
            proceed(session.with_approver(context, approver))

    node.app.push_screen(PinPadScreen(context, action), approved)


class PinPadScreen(Dialog[StaffView | None]):
    """A manager's or owner's badge (or name) and PIN for one action; dismisses with them."""

    AUTO_FOCUS = "#pin-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), key_display="Esc"),
    ]

    def __init__(self, ctx: Context, action: Action) -> None:
        super().__init__()
        self.ctx = ctx
        self.action = action
        self.title_text = _("{who}'s PIN needed").format(
            who=role_label(minimum_role(action)).capitalize()
        )
        self.hint_text = _("Badge or name, Enter, PIN, Enter · Esc: cancel")

    def compose_body(self) -> ComposeResult:
        staff = self.ctx.staff
        asking = staff_label(staff) if staff is not None else _("This till")
        yield Static(
            _("{staff} may not {action} alone: {approver} allows it once.").format(
                staff=asking, action=action_label(self.action), approver=approver_text(self.action)
            ),
            id="pin-pad-text",
            markup=False,
        )
        yield PinEntry(id="pin-entry")

    @on(PinEntry.WhoEntered)
    def _who(self, event: PinEntry.WhoEntered) -> None:
        event.stop()
        entry = self.query_one(PinEntry)
        text = event.text
        if not text:
            entry.start_over()
            self.show_message(_("Scan your badge or type your name first"))
            return
        self.show_message("")

        def unknown(_exc: LoyaltyError) -> None:
            entry.start_over("" if is_member_card(text) else text)
            self.show_message(not_staff_text(text))

        self.db.run(
            "who",
            lambda: find_staff(self.ctx, text),
            lambda person: entry.choose(text, staff_label(person)),
            unknown,
            latest=True,
            notice=False,
        )

    @on(PinEntry.Refused)
    def _refused(self, event: PinEntry.Refused) -> None:
        event.stop()
        self.show_message(event.message)

    @on(PinEntry.PinEntered)
    def _pin(self, event: PinEntry.PinEntered) -> None:
        event.stop()
        self._approve(event.who, event.pin)

    def _approve(self, who: str, pin: str) -> None:
        # A PIN typed right behind the badge waits for the badge to be looked up.
        if self.db.wait_for("who", lambda: self._approve(who, pin)):
            return
        entry = self.query_one(PinEntry)
        if entry.who != who:
            return  # the badge or name was refused: said already, the PIN is not tried
        action = self.action
        self.show_message(_("Checking…"), "info")
        self.db.run("approve", lambda: approve(self.ctx, action, who, pin), self.dismiss, self._no)

    def _no(self, exc: LoyaltyError) -> None:
        self.show_message(exc.message)
        self.query_one(PinEntry).focus_field()
