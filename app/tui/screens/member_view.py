"""One member at the desk: the profile to edit, the points ledger, sales and cards; from here
the merge (screens/merge.py), the data export (screens/member_export.py), a new card and the
erasure (both confirmed in screens/confirm.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import (
    Checkbox,
    DataTable,
    Header,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from app.config import data_dir
from app.domain.errors import LoyaltyError, ValidationFailed
from app.domain.profile import display_phone
from app.domain.roles import Action
from app.files import PRIVATE_FILE, private_folder, write_atomically
from app.i18n import (
    _,
    format_day,
    format_input_date,
    format_money,
    format_points,
    format_timestamp,
    ngettext,
)
from app.services.cards import ReplaceResult, replace_card
from app.services.context import Context
from app.services.member_desk import update_member
from app.services.member_history import (
    CardLine,
    MemberProfile,
    member_cards,
    member_ledger,
    member_profile,
    member_sales,
)
from app.services.merge import MergeResult
from app.services.privacy import EraseResult, erase_member, export_member_data
from app.tui.db_work import DbWork
from app.tui.member_text import profile_name, reason_label, salutation_choices
from app.tui.message_log import remember
from app.tui.screens.confirm import ConfirmScreen
from app.tui.screens.gate import require
from app.tui.screens.member_export import ExportScreen
from app.tui.screens.merge import MergeScreen
from app.tui.widgets.consent_checkbox import ConsentCheckbox
from app.tui.widgets.field_select import FieldSelect
from app.tui.widgets.key_bar import KeyBar
from app.tui.widgets.ordered_input import OrderedInput

# The text fields of the profile, in form order (the service's field names).
TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "birthday", "postcode", "tier")
TABS = ("desk-tab-profile", "desk-tab-ledger", "desk-tab-sales", "desk-tab-cards")


def kind_label(kind: str) -> str:
    """A ledger row's kind as the owner reads it."""
    labels = {
        "earn": _("earned"),
        "redeem": _("redeemed"),
        "adjustment": _("adjustment"),
        "refund_earned": _("refund (earned back)"),
        "refund_redeemed": _("refund (returned)"),
        "opening_balance": _("opening balance"),
        "tier": _("tier bonus"),
        "campaign": _("campaign"),
        "birthday": _("birthday"),
        "signup": _("sign-up bonus"),
        "profile": _("profile bonus"),
        "referral": _("referral"),
        "expire": _("expired"),
    }
    return labels.get(kind, kind)


def card_status_label(status: str) -> str:
    labels = {"active": _("active"), "blocked": _("blocked"), "replaced": _("replaced")}
    return labels.get(status, status)


def default_export_path(member_id: int) -> Path:
    """Where a member's data export goes unless the owner types another path."""
    return data_dir() / "exports" / f"member-{member_id}.json"


def field_placeholders() -> dict[str, str]:
    """The examples shown in the profile's empty fields (of a member who can be edited)."""
    return {
        "email": _("name@example.org"),
        "phone": _("+49 171 2345678"),
        "birthday": _("YYYY-MM-DD"),
    }


class MemberViewScreen(Screen[None]):
    """A member's profile (F9 saves), ledger, sales and cards; Esc goes back."""

    AUTO_FOCUS = "#desk-email"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back"), key_display=_("Esc")),
        Binding("f9", "save", _("Save"), key_display="F9"),
        # Off the key bar (the German labels fill its 80 columns); the tabs are on screen.
        Binding("f2", "next_tab", _("Next tab"), key_display="F2", show=False),
        Binding("f5", "merge", _("Merge"), key_display="F5"),
        Binding("f6", "export", _("Export"), key_display="F6"),
        Binding("f7", "erase", _("Erase"), key_display="F7"),
        Binding("f8", "replace_card", _("New card"), key_display="F8"),
    ]

    CSS_PATH = "member_view.tcss"
    # What the permission table asks for each key (the key bar marks what needs a PIN).
    GATED: ClassVar[dict[str, Action]] = {
        "save": Action.EDIT_PROFILE,
        "merge": Action.MERGE,
        "export": Action.EXPORT_MEMBER,
        "erase": Action.ERASE,
        "replace_card": Action.REPLACE_CARD,
    }

    profile: reactive[MemberProfile | None] = reactive(None, init=False, bindings=True)
    """The member as last loaded; the form and the title follow it."""

    def __init__(self, ctx: Context, member_id: int) -> None:
        super().__init__()
        self.ctx = ctx
        self.member_id = member_id
        self.loaded: dict[str, Any] = {}
        self.cards: list[CardLine] = []
        self.warned = False
        self.db = DbWork(self, self.say)

    def compose(self) -> ComposeResult:
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "email": _("Email"),
            "phone": _("Phone"),
            "birthday": _("Birthday"),
            "postcode": _("Postcode"),
            "tier": _("Tier"),
        }
        placeholders = field_placeholders()
        salutations = salutation_choices()
        yield Header()
        yield Static(id="desk-who", markup=False)
        yield Static(id="desk-view-message")
        with TabbedContent(id="desk-tabs"):
            with TabPane(_("Profile"), id=TABS[0]), VerticalScroll(id="desk-form"):
                with Horizontal(classes="desk-row"):
                    yield Label(_("Salutation"))
                    yield FieldSelect(
                        salutations,
                        value="",
                        allow_blank=False,
                        compact=True,
                        id="desk-salutation",
                    )
                yield Label(id="desk-error-salutation", classes="desk-field-error", markup=False)
                for name in TEXT_FIELDS:
                    with Horizontal(classes="desk-row"):
                        yield Label(labels[name])
                        yield OrderedInput(
                            placeholder=placeholders.get(name, ""),
                            compact=True,
                            id=f"desk-{name}",
                        )
                    yield Label(id=f"desk-error-{name}", classes="desk-field-error", markup=False)
                with Horizontal(id="desk-consent-row"):
                    yield ConsentCheckbox(_("Marketing consent"), compact=True, id="desk-consent")
                    yield Static(id="desk-consent-at", markup=False)
                with Horizontal(id="desk-notes-row"):
                    yield Label(_("Notes"))
                    yield TextArea(compact=True, id="desk-notes")
                yield Label(id="desk-error-notes", classes="desk-field-error", markup=False)
            with TabPane(_("Points ledger"), id=TABS[1]):
                yield DataTable(cursor_type="row", zebra_stripes=True, id="desk-ledger")
            with TabPane(_("Sales"), id=TABS[2]):
                yield DataTable(cursor_type="row", zebra_stripes=True, id="desk-sales")
            with TabPane(_("Cards"), id=TABS[3]):
                yield DataTable(cursor_type="row", zebra_stripes=True, id="desk-cards")
        yield KeyBar()

    def on_mount(self) -> None:
        ledger = self.query_one("#desk-ledger", DataTable)
        for label in (_("Time"), _("Points"), _("Kind"), _("Reason"), _("Sale"), _("Cashier")):
            ledger.add_column(label)
        sales = self.query_one("#desk-sales", DataTable)
        for label in (
            _("Time"),
            _("Sale"),
            _("Amount"),
            _("Paid"),
            _("Earned"),
            _("Redeemed"),
            _("Refunded"),
        ):
            sales.add_column(label)
        cards = self.query_one("#desk-cards", DataTable)
        for label in (_("Card"), _("Status"), _("Issued"), _("Blocked"), _("Replaced by")):
            cards.add_column(label)
        self.reload()

    # --- loading -----------------------------------------------------------------------

    def say(self, text: str, kind: str = "info") -> None:
        """One line under the title: ``info``, ``success`` or ``error``."""
        message = self.query_one("#desk-view-message", Static)
        message.update(Content(text))
        for name in ("error", "success"):
            message.set_class(bool(text) and name == kind, f"-{name}")
        remember(self.app, text, kind)

    def reload(self) -> None:
        """Read the member, their ledger, sales and cards again."""
        try:
            profile = member_profile(self.ctx, self.member_id)
            ledger = member_ledger(self.ctx, self.member_id)
            sales = member_sales(self.ctx, self.member_id)
            cards = member_cards(self.ctx, self.member_id)
        except LoyaltyError as exc:
            self.say(exc.message, "error")
            return
        currency = self.ctx.rules().currency
        table = self.query_one("#desk-ledger", DataTable)
        table.clear()
        for line in ledger:
            table.add_row(
                Text(format_timestamp(line.created_at)),
                Text(
                    ("+" if line.points > 0 else "") + format_points(line.points), justify="right"
                ),
                Text(kind_label(line.kind)),
                Text(reason_label(line.reason)),
                Text(str(line.sale_id) if line.sale_id else ""),
                Text(line.actor),
            )
        table = self.query_one("#desk-sales", DataTable)
        table.clear()
        for sale in sales:
            table.add_row(
                Text(format_timestamp(sale.created_at)),
                Text(str(sale.sale_id)),
                Text(format_money(sale.amount_cents, currency), justify="right"),
                Text(format_money(sale.to_pay_cents, currency), justify="right"),
                Text(format_points(sale.points_earned), justify="right"),
                Text(format_points(sale.points_redeemed), justify="right"),
                Text(
                    format_money(sale.refunded_cents, currency) if sale.refunded_cents else "",
                    justify="right",
                ),
            )
        table = self.query_one("#desk-cards", DataTable)
        table.clear()
        for card in cards:
            table.add_row(
                Text(card.number),
                Text(card_status_label(card.status)),
                Text(format_day(card.issued_at)),
                Text(format_day(card.blocked_at) if card.blocked_at else ""),
                Text(card.replaced_by or ""),
            )
        self.cards = cards
        self.profile = profile

    def watch_profile(self, profile: MemberProfile | None) -> None:
        if profile is None:
            return
        who = ngettext(
            "{name} · card {card} · {points} point",
            "{name} · card {card} · {points} points",
            profile.points,
        ).format(
            name=profile_name(profile),
            card=profile.card or "—",
            points=format_points(profile.points),
        )
        self.query_one("#desk-who", Static).update(who)
        self.fill_form(profile)
        self.query_one("#desk-form").disabled = profile.status != "active"
        if profile.status == "erased":
            self.say(_("This member's data was erased; sales and ledger are kept"), "error")
        elif profile.status == "merged":
            self.say(
                _("This member was merged into member {id}").format(id=profile.merged_into),
                "error",
            )

    def fill_form(self, profile: MemberProfile) -> None:
        values = {
            "first_name": profile.first_name,
            "last_name": profile.last_name,
            "email": profile.email or "",
            "phone": display_phone(profile.phone),
            "birthday": format_input_date(profile.birthday) if profile.birthday else "",
            "postcode": profile.postcode or "",
            "tier": profile.tier or "",
        }
        # An erased or merged member's empty fields stay empty: an example address in the
        # greyed-out form would read like the member's data.
        placeholders = field_placeholders() if profile.status == "active" else {}
        with self.prevent(Input.Changed, Select.Changed):
            for name, value in values.items():
                field = self.query_one(f"#desk-{name}", Input)
                field.value = value
                field.placeholder = placeholders.get(name, "")
            self.query_one("#desk-salutation", Select).value = profile.salutation
            self.query_one("#desk-consent", Checkbox).value = profile.marketing_consent
        self.query_one("#desk-notes", TextArea).text = profile.notes
        self.query_one("#desk-consent-at", Static).update(
            _("given {when}").format(when=format_timestamp(profile.consent_at))
            if profile.marketing_consent and profile.consent_at
            else ""
        )
        self.show_errors({})
        # What the form holds now is the saved state: Esc leaves without asking.
        self.loaded = self.changes()
        self.warned = False

    # --- the profile -------------------------------------------------------------------

    def changes(self) -> dict[str, Any]:
        """What the form holds, as the service's field names."""
        values: dict[str, Any] = {
            name: self.query_one(f"#desk-{name}", Input).value for name in TEXT_FIELDS
        }
        salutation = self.query_one("#desk-salutation", Select).value
        values["salutation"] = salutation if isinstance(salutation, str) else ""
        values["marketing_consent"] = self.query_one("#desk-consent", Checkbox).value
        values["notes"] = self.query_one("#desk-notes", TextArea).text
        return values

    def show_errors(self, errors: dict[str, str]) -> None:
        """Put each message under its field."""
        for label in self.query(".desk-field-error").results(Label):
            text = errors.get((label.id or "").removeprefix("desk-error-"), "")
            label.update(text)
            label.set_class(bool(text), "-shown")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        profile = self.profile
        if action in ("save", "merge", "replace_card"):
            return None if profile is None or profile.status != "active" else True
        if action == "erase":
            return None if profile is None or profile.status == "erased" else True
        return True

    def action_save(self) -> None:
        """Validate and save the profile; on any error nothing is saved."""
        if self.profile is None or self.profile.status != "active":
            return
        changes = self.changes()
        require(
            self,
            Action.EDIT_PROFILE,
            lambda ctx: self.db.run(
                "save",
                lambda: update_member(ctx, self.member_id, changes),
                lambda _view: self._profile_saved(),
                self._not_saved,
            ),
        )

    def _profile_saved(self) -> None:
        self.reload()
        self.say(_("Profile saved"), "success")

    def _not_saved(self, exc: LoyaltyError) -> None:
        if not isinstance(exc, ValidationFailed):
            self.say(exc.message, "error")
            return
        self.query_one("#desk-tabs", TabbedContent).active = TABS[0]
        self.show_errors(exc.errors)
        self.say(_("Not saved: correct the marked fields"), "error")
        for name in ("salutation", *TEXT_FIELDS, "notes"):
            if name in exc.errors:
                self.query_one(f"#desk-{name}").focus()
                break

    @on(Input.Changed)
    @on(Select.Changed)
    def _clear_error(self, event: Input.Changed | Select.Changed) -> None:
        name = (event.control.id or "").removeprefix("desk-")
        for item in self.query(f"#desk-error-{name}").results(Label):
            item.update("")
            item.remove_class("-shown")

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_next_tab(self) -> None:
        tabs = self.query_one("#desk-tabs", TabbedContent)
        index = TABS.index(tabs.active) if tabs.active in TABS else 0
        tabs.active = TABS[(index + 1) % len(TABS)]

    def action_back(self) -> None:
        """Esc: back to the list; with unsaved edits, a first Esc only warns."""
        unsaved = self.profile is not None and self.changes() != self.loaded
        if unsaved and not self.warned:
            self.warned = True
            self.say(_("Unsaved changes: F9 saves them, Esc again discards them"), "error")
            return
        self.dismiss(None)

    # --- merge -------------------------------------------------------------------------

    def action_merge(self) -> None:
        profile = self.profile
        if profile is None or profile.status != "active":
            return
        if not profile.card:
            self.say(_("This member has no active card: issue a new card first"), "error")
            return
        require(
            self,
            Action.MERGE,
            lambda ctx: self.app.push_screen(MergeScreen(ctx, profile), self._merged),
        )

    def _merged(self, result: MergeResult | None) -> None:
        if result is None:
            return
        self.reload()
        self.say(
            ngettext(
                "Merged member {other} into this one: {points} point moved, balance {balance};"
                " blocked {cards}",
                "Merged member {other} into this one: {points} points moved, balance {balance};"
                " blocked {cards}",
                result.points_moved,
            ).format(
                other=result.merged_member_id,
                points=format_points(result.points_moved),
                balance=format_points(result.points_balance),
                cards=", ".join(result.blocked_cards) or "—",
            ),
            "success",
        )

    # --- data protection ---------------------------------------------------------------

    def any_card(self) -> str | None:
        """A card of the member (the current one, else a former one) for the privacy services."""
        if self.profile is not None and self.profile.card:
            return self.profile.card
        return self.cards[0].number if self.cards else None

    def action_export(self) -> None:
        require(
            self,
            Action.EXPORT_MEMBER,
            lambda ctx: self.app.push_screen(
                ExportScreen(default_export_path(self.member_id)),
                lambda path: self._export_to(ctx, path),
            ),
        )

    def _export_to(self, ctx: Context, path: str | None) -> None:
        card = self.any_card()
        if not path:
            return
        if card is None:
            self.say(_("This member has no card to export by"), "error")
            return
        self.say(_("Exporting the member's data…"))
        self._export(ctx, card, path)

    def _export(self, ctx: Context, card: str, path: str) -> None:
        """Collect and write the member's data off the event loop."""
        target = Path(path).expanduser()

        def write() -> None:
            data = export_member_data(ctx, card)
            try:
                if target.parent == default_export_path(self.member_id).parent:
                    private_folder(target.parent)
                text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
                write_atomically(target, text.encode("utf-8"), mode=PRIVATE_FILE)
            except OSError as exc:
                raise LoyaltyError(
                    _("Cannot write {path}: {reason}").format(
                        path=target, reason=exc.strerror or type(exc).__name__
                    )
                ) from None

        self.db.run(
            "export",
            write,
            lambda _none: self.say(
                _("Wrote the member's data to {path}").format(path=target), "success"
            ),
        )

    # --- lost or damaged card ----------------------------------------------------------

    def action_replace_card(self) -> None:
        profile = self.profile
        if profile is None or profile.status != "active":
            return
        if not profile.card:
            self.say(_("This member has no active card: issue a new card first"), "error")
            return
        text = _(
            "Issue a new card number for {name}? The card {card} is blocked for good; points"
            " and history stay with the member."
        ).format(name=profile_name(profile), card=profile.card)
        screen = ConfirmScreen(_("Lost or damaged card"), text, action_label=_("New card"))
        require(
            self,
            Action.REPLACE_CARD,
            lambda ctx: self.app.push_screen(
                screen, lambda confirmed: self._replace_confirmed(ctx, confirmed)
            ),
        )

    def _replace_confirmed(self, ctx: Context, confirmed: bool | None) -> None:
        profile = self.profile
        if not confirmed or profile is None or not profile.card:
            return
        card = profile.card
        self.db.run("card", lambda: replace_card(ctx, card), self._card_replaced)

    def _card_replaced(self, result: ReplaceResult) -> None:
        self.reload()
        self.say(
            _(
                "New card {new}: card {old} is blocked. Print the new card on the counter (F7)."
            ).format(new=result.new_card, old=result.old_card),
            "success",
        )

    def action_erase(self) -> None:
        profile = self.profile
        if profile is None or profile.status == "erased":
            return
        word = _("ERASE")
        text = _(
            "Erase {name}? Name, contact details, birthday, notes and consent are removed and"
            " every card is blocked. Sales and the points ledger stay for the accounts."
            " This cannot be undone."
        ).format(name=profile_name(profile))
        screen = ConfirmScreen(
            _("Erase this member's data"), text, action_label=_("Erase"), word=word
        )
        require(
            self,
            Action.ERASE,
            lambda ctx: self.app.push_screen(
                screen, lambda confirmed: self._erase_confirmed(ctx, confirmed)
            ),
        )

    def _erase_confirmed(self, ctx: Context, confirmed: bool | None) -> None:
        card = self.any_card()
        if not confirmed or card is None:
            return
        self.db.run("erase", lambda: erase_member(ctx, card), self._erased)

    def _erased(self, result: EraseResult) -> None:
        self.reload()
        self.say(
            _("Member erased: personal data removed, cards blocked: {cards}").format(
                cards=", ".join(result.blocked_cards) or "—"
            ),
            "success",
        )
