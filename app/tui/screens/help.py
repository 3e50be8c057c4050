"""The keys of the counter, in one short list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.widgets import Label

from app.domain.roles import Action
from app.i18n import _
from app.tui.screens.dialog import Dialog
from app.tui.session import LOCK_MARK


def counter_keys() -> list[tuple[str, str]]:
    """Every key that works at the counter, with what it does (in the current language)."""
    return [
        ("F1", _("Help: this list of keys")),
        ("F2", _("Enroll a new member")),
        ("F3", _("Go to the scan field")),
        ("F4", _("Redeem as many points as possible")),
        ("F5", _("Refund one of the member's sales")),
        ("F6", _("Adjust the member's points (with a reason)")),
        ("F7", _("Print the member's card")),
        ("F8", _("Member desk: list, edit, merge, erase")),
        (_("F9 / Enter"), _("Confirm")),
        ("F10", _("Add a stamp to the member's stamp card")),
        ("F12", _("Give a full stamp card's reward with this sale")),
        (_("Ctrl+R"), _("Program rules: tiers, coupons, stamp cards…")),
        (_("Ctrl+O"), _("Reports; F6 there: the day's close")),
        (_("Ctrl+B"), _("Print the customer's slip of the sale on screen")),
        (_("Ctrl+P"), _("Every action by name (sync, day's close, conflicts…)")),
        (_("Ctrl+N"), _("The last messages in full")),
        (_("Esc"), _("Back / clear")),
        (_("Tab ↑ ↓"), _("Next field; choose in a list")),
        (_("Ctrl+Q"), _("Quit")),
    ]


def key_locks(allows: Callable[[Action], bool], refund_limit: str) -> dict[str, str]:
    """What the help says of the keys the signed-in person cannot use alone: key → the lock
    mark (put before the meaning) or the meaning itself (F5: the cashier's for today's sales at
    this till up to ``refund_limit``)."""
    # The counter's keys that the permission table restricts (as counter_keys names them).
    actions = {"F6": Action.ADJUST, _("Ctrl+R"): Action.PROGRAM, _("Ctrl+O"): Action.REPORTS}
    notes = {key: LOCK_MARK for key, action in actions.items() if not allows(action)}
    if not allows(Action.REFUND_SMALL):
        notes["F5"] = LOCK_MARK
    elif not allows(Action.REFUND):
        notes["F5"] = _("Refund a sale ({lock} above {limit} or not today here)").format(
            lock=LOCK_MARK, limit=refund_limit
        )
    return notes


class HelpScreen(Dialog[None]):
    """Lists every key of the counter; Esc or F1 closes it.

    ``locks`` (key → note) marks what the signed-in person needs a manager's PIN for; with
    ``staff`` the till has sign-in, and Ctrl+L (lock) is listed.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Close"), key_display=_("Esc")),
        Binding("f1", "cancel", _("Close"), key_display="F1"),
    ]

    def __init__(self, locks: Mapping[str, str] | None = None, *, staff: bool = False) -> None:
        super().__init__()
        self.locks = dict(locks or {})
        self.staff = staff
        self.title_text = _("Keys at the counter")
        # No hint line in a shop of one: with the palette, the log and quitting listed, the
        # keys fill 80x24. With staff the line says what the lock mark means.
        if staff:
            self.hint_text = _(
                "{lock}: a manager's or owner's badge and PIN allows it once."
            ).format(lock=LOCK_MARK)

    def compose_body(self) -> ComposeResult:
        keys = counter_keys()
        if self.staff:
            keys.insert(-1, (_("Ctrl+L"), _("Lock the till: the next person signs in")))
            # 24 lines hold the keys and the lock mark's legend only without F1 (this list)
            # and F3 (a scan goes to the scan field wherever the cursor is; Esc too).
            keys = [(key, meaning) for key, meaning in keys if key not in ("F1", "F3")]
        with Grid(id="keys"):
            for key, meaning in keys:
                note = self.locks.get(key, "")
                if note == LOCK_MARK:
                    meaning = f"{LOCK_MARK} {meaning}"
                elif note:
                    meaning = note
                yield Label(key, classes="key", markup=False)
                yield Label(meaning, classes="meaning", markup=False)
