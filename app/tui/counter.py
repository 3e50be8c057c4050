"""The counter screen: scan a card or search, see the member, check out with points."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Static

from app.domain.coupons import CouponRefused, coupon_label, looks_like_coupon
from app.domain.errors import LoyaltyError, MemberNotFound
from app.domain.roles import Action
from app.domain.stamps import StampCard
from app.i18n import _, format_money, format_points, ngettext
from app.services.checkout import checkout
from app.services.context import Context
from app.services.coupons import check_for_member
from app.services.feedback import add_comment, record_feedback
from app.services.lookup import get_member
from app.services.member_offers import MemberOffers, member_offers
from app.services.scan import (
    CardScan,
    CouponScan,
    ScanRefused,
    SearchScan,
    classify_scan,
    is_scan_in_figures,
)
from app.services.slip import print_slip, slip_mode
from app.services.stamps import add_stamp, give_reward_alone
from app.services.views import AdjustResult, MemberView, RefundResult, SaleResult
from app.tui.db_work import DbWork
from app.tui.message_log import remember
from app.tui.scan_queue import ScanQueue
from app.tui.screens.gate import require, session_of
from app.tui.session import LOCK_MARK, shop_of_one_text
from app.tui.widgets.checkout_panel import CheckoutPanel
from app.tui.widgets.feedback_prompt import Asked, FeedbackPrompt
from app.tui.widgets.key_bar import KeyBar
from app.tui.widgets.member_panel import MemberPanel, member_display_name
from app.tui.widgets.pick_list import PickList
from app.tui.widgets.scan_input import ScanInput
from app.tui.widgets.scan_keys import ScanEntered, ScanTyped

if TYPE_CHECKING:
    from app.tui.screens.enroll import ExistingMember

# Actions that need a member on the counter; the key bar leaves them out without one.
MEMBER_ACTIONS = frozenset(
    {"max_points", "confirm", "refund", "adjust", "print_card", "stamp", "reward"}
)
# Actions that would change the member or the checkout under a sale being written.
WAIT_FOR_SALE = MEMBER_ACTIONS | {"enroll", "back", "members", "program"}
# The counter's keys that the permission table restricts (binding action → table action); the
# key bar marks those the signed-in person cannot use without a manager's PIN.
COUNTER_GATED: dict[str, Action] = {
    "enroll": Action.ENROLL,
    "confirm": Action.SELL,
    "max_points": Action.REDEEM,
    "refund": Action.REFUND_SMALL,
    "adjust": Action.ADJUST,
    "print_card": Action.PRINT_CARD,
    "stamp": Action.STAMP,
    "reward": Action.STAMP,
    "program": Action.PROGRAM,
    "reports": Action.REPORTS,
}


class CounterScreen(Screen[None]):
    """The till's one screen: everything a cashier needs, reachable by function keys."""

    AUTO_FOCUS = "#scan"
    # A short terminal (60x20) drops the blank lines between the checkout's rows (app.tcss).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (22, "-tall")]  # noqa: RUF012 (Textual declares it so)
    GATED = COUNTER_GATED
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", _("Help"), key_display="F1"),
        Binding("f2", "enroll", _("Enroll"), key_display="F2"),
        # Off the key bar: a scan works wherever the cursor is, and Esc goes back there too.
        Binding("f3", "focus_scan", _("Scan"), key_display="F3", show=False),
        Binding("f4", "max_points", _("Max pts"), key_display="F4"),
        Binding("f5", "refund", _("Refund"), key_display="F5"),
        Binding("f6", "adjust", _("Adjust"), key_display="F6"),
        # Not on the key bar: the cashier's keys fill its 80 columns; F1 and the palette list it.
        Binding("f7", "print_card", _("Print card"), key_display="F7", show=False),
        Binding("f8", "members", _("Members"), key_display="F8", show=False),
        Binding("f9", "confirm", _("Confirm sale"), key_display="F9"),
        # Issue 4: F10 stamps the member's card, F12 gives a full card's reward with the sale
        # (F11 is left alone: many terminals take it for full screen).
        Binding("f10", "stamp", _("Stamp"), key_display="F10", show=False),
        Binding("f12", "reward", _("Reward"), key_display="F12", show=False),
        # The owner's program screen (F11 is the terminal's; every other F-key is the cashier's).
        Binding("ctrl+r", "program", _("Program"), key_display=_("Ctrl+R"), show=False),
        Binding("ctrl+o", "reports", _("Reports"), key_display=_("Ctrl+O"), show=False),
        # The customer's slip of the sale on screen (printer.slip: off, ask or always).
        Binding("ctrl+b", "print_slip", _("Slip"), key_display=_("Ctrl+B"), show=False),
        Binding("escape", "back", _("Clear"), key_display=_("Esc")),
    ]

    member: reactive[MemberView | None] = reactive(None, bindings=True)
    """The member at the till; the panels are bound to it."""
    offers: reactive[MemberOffers | None] = reactive(None)
    """The member's coupons and stamp cards, read after the member."""
    picking: reactive[bool] = reactive(False, init=False)
    """Whether the search results are shown."""
    saving: reactive[bool] = reactive(False, bindings=True, init=False)
    """Whether a sale is being written; the counter waits for it."""

    def __init__(self, ctx: Context, *, demo_cards: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.demo_cards = list(demo_cards or [])
        # Sale, stamp, print and reloads run off the event loop (app/tui/db_work.py).
        self.db = DbWork(self, self.say)
        self.scans = ScanQueue(self.scan, waiting=lambda: self.saving)
        self.sales_done = 0
        """Sales confirmed at this till since the counter opened (for feedback.every_n_sales)."""
        """Scans in the order they were made; they wait while a sale is being written."""

    def compose(self) -> ComposeResult:
        rules = self.ctx.rules()
        yield Header()
        # A shop of one: nobody signs in, so the till says who can change what.
        yield Static(shop_of_one_text(), id="shop-of-one", markup=False)
        with Horizontal(id="scan-row"):
            yield Label(_("Card or name"), id="scan-label")
            yield ScanInput(
                placeholder=_("Scan a card, or type a name, email or phone"),
                id="scan",
                # Selection is set where it helps (a refused scan, F3), never by a focus change
                # that races with the keys already typed.
                select_on_focus=False,
            )
        yield Static(id="message")
        yield FeedbackPrompt(id="feedback")
        with Horizontal(id="body"):
            yield PickList(id="pick-list")
            yield MemberPanel(
                currency=rules.currency, demo_cards=self.demo_cards, id="member-panel"
            ).data_bind(CounterScreen.member, CounterScreen.offers)
            yield CheckoutPanel(
                rules=rules,
                id="checkout-panel",
                is_scan=lambda text, burst: is_scan_in_figures(self.ctx, text, burst=burst),
            ).data_bind(CounterScreen.member, CounterScreen.offers)
        yield KeyBar()

    # --- parts -------------------------------------------------------------------------

    @property
    def scan_input(self) -> ScanInput:
        return self.query_one("#scan", ScanInput)

    @property
    def checkout_panel(self) -> CheckoutPanel:
        return self.query_one(CheckoutPanel)

    def say(self, text: str, kind: str = "error") -> None:
        """Show one line in the message bar: ``error``, ``success`` or ``info``."""
        message = self.query_one("#message", Static)
        message.update(Content(text))
        for name in ("error", "success", "info"):
            message.set_class(bool(text) and name == kind, f"-{name}")
        remember(self.app, text, kind)

    def on_mount(self) -> None:
        self.staff_changed()

    def staff_changed(self) -> None:
        """Someone signed in or the till was locked: the key bar's locks, the shop-of-one
        line."""
        self.query_one("#shop-of-one").display = not session_of(self).staff_mode
        self.refresh_bindings()

    def clear_for_lock(self) -> None:
        """The till locks: nothing of the customer stays on screen for the next person."""
        self.scans.take_all()
        self.feedback_prompt.close()
        self.picking = False
        self.member = None
        self.offers = None
        self.checkout_panel.reset()
        self.scan_input.value = ""
        self.say("")

    def watch_picking(self, picking: bool) -> None:
        # The pick list takes the panels' place (display flags: no restyle of the screen).
        self.query_one(PickList).display = picking
        self.query_one(MemberPanel).display = not picking
        self.checkout_panel.display = not picking

    def watch_saving(self, saving: bool) -> None:
        self.checkout_panel.locked = saving

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MEMBER_ACTIONS and self.member is None:
            return False
        if action in WAIT_FOR_SALE and self.saving:
            return None
        return True

    # --- scanning and searching --------------------------------------------------------

    @on(ScanEntered)
    def _scan_entered(self, event: ScanEntered) -> None:
        # From the scan field, a figure field or the pick list: one scan, whole, in its turn.
        event.stop()
        self.scans.push(event.text)

    @on(ScanTyped)
    def _scan_typed(self, event: ScanTyped) -> None:
        # Characters a figure field or the pick list caught: shown where scans are typed.
        event.stop()
        scan = self.scan_input
        scan.value = event.text
        scan.cursor_position = len(event.text)

    def scan(self, text: str) -> None:
        """Handle one scan from the queue: look up a card, apply a coupon, search other text."""
        text = text.strip()
        if text and self.feedback_prompt.stage is not None and self._answer_feedback(text):
            return
        if not text:
            # A second Enter after a sale keeps the receipt's message in view.
            if self.checkout_panel.receipt is None:
                self.say(_("Scan a card or type a name, an email or a phone number"), "info")
            return
        try:
            result = classify_scan(self.ctx, text, member_at_till=self.member is not None)
        except LoyaltyError as exc:
            # The database failed, not the scan: the text comes back for another try.
            self._refuse_scan(exc.message, text)
            return
        match result:
            case CouponScan(code=code):
                self.apply_coupon(code)
            case CardScan(member=member):
                self.start_customer(member)
            case SearchScan(text=searched, found=found):
                self.say("")
                self.scan_input.put_back(searched)
                pick_list = self.query_one(PickList)
                pick_list.show_results(searched, list(found))
                self.picking = True
                pick_list.focus()
            case ScanRefused(message=message):
                self._refuse_scan(message, text)

    def apply_coupon(self, code: str) -> None:
        """Put a scanned coupon on the current checkout, or say why it cannot be used."""
        member = self.member
        if member is None:
            self._refuse_scan(_("Scan the member's card first, then the coupon"), code)
            return
        panel = self.checkout_panel
        try:
            coupon = check_for_member(self.ctx, code, member.member_id, panel.typed_amount())
        except LoyaltyError as exc:
            # Refused: the checkout stays exactly as it was; the code comes back selected.
            self._refuse_scan(exc.message, code)
            return
        if panel.receipt is not None:
            panel.reset()
        panel.coupon = coupon
        self.say(
            _("Coupon applied: {label}").format(
                label=coupon_label(coupon, self.ctx.rules().currency)
            ),
            "success",
        )
        panel.amount_input.focus()

    def _load_offers(self) -> None:
        """Read the member's coupons and stamp cards for the panels."""
        member = self.member
        if member is None:
            self.offers = None
            return
        try:
            self.offers = member_offers(self.ctx, member.member_id)
        except LoyaltyError:
            # The member panel works without these lines; the sale does not need them.
            self.offers = None

    def _refuse_scan(self, message: str, text: str = "") -> None:
        # The text comes back selected: the next scan or keystroke replaces it.
        self.say(message, "error")
        scan = self.scan_input
        if text and not self.scans.pending:
            scan.put_back(text)
        scan.focus()

    @on(PickList.Picked)
    def _picked(self, event: PickList.Picked) -> None:
        event.stop()
        try:
            member = get_member(self.ctx, event.member_id)
        except LoyaltyError as exc:
            self.picking = False
            self._refuse_scan(exc.message)
            return
        self.scan_input.value = ""
        self.start_customer(member)

    def start_customer(self, member: MemberView) -> None:
        """Put a member on the counter with a fresh checkout, ready for the amount."""
        self.picking = False
        self.feedback_prompt.close()  # the next customer: the question is over
        self.offers = None
        self.member = member
        self._load_offers()
        panel = self.checkout_panel
        panel.reset()
        self.say("")
        if self.scan_input.value:
            # The next scan has begun in the scan field while this one was looked up: the
            # cursor stays there, or the rest of that card would land in the amount (and its
            # Enter confirm a sale). Its own Enter brings the cursor to the amount.
            return
        panel.amount_input.focus()

    def _offers_of(self, member_id: int) -> MemberOffers | None:
        """The member's coupons and stamp cards, or None: the panels work without them."""
        try:
            return member_offers(self.ctx, member_id)
        except LoyaltyError:
            return None

    def reload_member(self, then: Callable[[], object] | None = None) -> None:
        """Show the member's current state after a change (balance, last visit, sales), then
        run ``then``; read off the event loop, the newest reload wins."""
        if self.member is None:
            return
        member_id = self.member.member_id
        receipt = self.checkout_panel.receipt

        def show(fresh: tuple[MemberView, MemberOffers | None]) -> None:
            if self.member is not None and self.member.member_id == member_id:
                self.member, self.offers = fresh
                panel = self.checkout_panel
                # Read after the sale, the balance moved on (a refund, an adjustment, another
                # till): the receipt's "New balance" would contradict the member panel, so the
                # checkout shows the member as saved.
                moved = receipt is not None and fresh[0].points != receipt.points_balance
                if moved and panel.receipt is receipt:
                    panel.receipt = None
            if then is not None:
                then()

        def failed(exc: LoyaltyError) -> None:
            if isinstance(exc, MemberNotFound) and self.member is not None:
                self.member = None
            # Else the database failed: the member stays on the counter.
            self.say(exc.message)

        read = lambda: (get_member(self.ctx, member_id), self._offers_of(member_id))  # noqa: E731
        self.db.run("reload", read, show, failed, latest=True, notice=False)

    # --- checkout ----------------------------------------------------------------------

    @on(Input.Submitted, "#amount, #redeem")
    def _checkout_submitted(self, event: Input.Submitted) -> None:
        # A scan that ended here went on as ScanEntered already: this Enter confirms.
        event.stop()
        self.action_confirm(event)

    def action_max_points(self) -> None:
        """Redeem as many points as the balance and the amount allow."""
        try:
            points = self.checkout_panel.fill_max_points()
        except LoyaltyError as exc:
            self.say(exc.message)
            return
        self.say(
            ngettext("Redeeming {points} point", "Redeeming {points} points", points).format(
                points=format_points(points)
            ),
            "info",
        )

    def action_confirm(self, submitted: Input.Submitted | None = None) -> None:
        """Record the sale through the checkout service and show the receipt.

        ``submitted``: Enter in the amount or points field, with the field as typed up to it.
        """
        if self.saving or self.db.wait_for("stamp", lambda: self.action_confirm(submitted)):
            return
        member = self.member
        if member is None:
            self.say(_("Scan a member card first"))
            return
        if not member.card:
            self.say(_("This member has no active card: issue a new card first"))
            return
        panel = self.checkout_panel
        amount_field = panel.amount_input
        typed = submitted.value if submitted and submitted.input is amount_field else None
        typed = (amount_field.value if typed is None else typed).strip()
        if panel.rewards and not typed and not panel.points_input.value.strip():
            # F12 then F9 with no amount: the reward on its own, no purchase.
            self._give_rewards_alone(member.member_id, [c.program_id for c in panel.rewards])
            return
        if panel.receipt is not None and not panel.amount_input.value.strip():
            # F9 pressed again on the receipt: the sale is done; nothing to confirm.
            return
        try:
            quote = panel.current_quote(submitted)
        except LoyaltyError as exc:
            self.say(exc.message)
            return
        self.saving = True
        self.say(_("Saving the sale…"), "info")
        # The next thing a cashier does is scan the next card.
        self.scan_input.focus()
        coupon = panel.coupon.code if panel.coupon is not None else None
        rewards = tuple(card.program_id for card in panel.rewards)
        card, amount, redeem = member.card, quote.amount_cents, quote.points_redeemed
        # Off the event loop: another till may hold the database for a moment.
        self.db.run(
            "sale",
            lambda: checkout(
                self.ctx, card, amount, redeem_points=redeem, coupon=coupon, stamp_rewards=rewards
            ),
            self._sale_saved,
            self._sale_failed,
        )

    def _sale_failed(self, exc: LoyaltyError) -> None:
        self.saving = False
        if isinstance(exc, CouponRefused):
            # Used up at another till meanwhile (or expired at midnight): drop it.
            self.checkout_panel.coupon = None
        # Another till may have changed the balance since the member was scanned.
        self.reload_member()
        self.say(exc.message)
        # This customer's sale comes first: a card scanned during the save waits in the scan
        # field (Enter there loads it), so it never hides that the sale failed.
        waiting = self.scans.take_all()
        if waiting:
            self.scan_input.put_back(waiting[-1])
        # Back to the amount, so the cashier can correct it and confirm again.
        self.checkout_panel.amount_input.focus()

    def _sale_saved(self, result: SaleResult) -> None:
        self.saving = False
        panel = self.checkout_panel
        panel.coupon = None
        panel.rewards = ()
        panel.receipt = result
        self.reload_member()
        saved = _("Sale saved: to pay {amount}. Scan the next card.").format(
            amount=format_money(result.to_pay_cents, self.ctx.rules().currency)
        )
        mode = slip_mode(self.ctx)
        if mode == "ask":
            saved += " " + _("Ctrl+B prints the customer's slip.")
        self.say(saved, "success")
        if mode == "always":
            self.action_print_slip()
        self._ask_feedback(result)
        # Scans made meanwhile now, in order; the sale's line stays when a member was loaded.
        self.scans.resume()
        if not str(self.query_one("#message", Static).content):
            self.say(saved, "success")

    # --- feedback after a sale -------------------------------------------------------------

    @property
    def feedback_prompt(self) -> FeedbackPrompt:
        return self.query_one(FeedbackPrompt)

    def _ask_feedback(self, result: SaleResult) -> None:
        """Every ``feedback.every_n_sales``-th sale at this till asks for a score."""
        every = int(self.ctx.settings().get("feedback.every_n_sales") or 0)
        self.sales_done += 1
        member = self.member
        if every <= 0 or self.sales_done % every or member is None:
            return
        self.feedback_prompt.ask(Asked(result.card, result.sale_id, member.first_name))

    def _answer_feedback(self, text: str) -> bool:
        """Record ``text`` as the open question's answer; False: it is a scan, go on."""
        prompt = self.feedback_prompt
        asked = prompt.asked
        assert asked is not None
        card_or_coupon = (text.isdigit() and len(text) > 2) or looks_like_coupon(text)
        if not prompt.takes(text, is_card_or_coupon=card_or_coupon):
            prompt.close()  # the next customer: the question is over
            return False
        answer = prompt.answer
        if answer is None:
            self.db.run(
                "feedback",
                lambda: record_feedback(self.ctx, asked.card, text, sale_id=asked.sale_id),
                prompt.ask_comment,
                self._feedback_failed,
            )
        else:
            prompt.close()
            self.db.run(
                "feedback",
                lambda: add_comment(self.ctx, answer, text),
                lambda _view: self.say(_("Thank you for the feedback"), "success"),
                self._feedback_failed,
            )
        self.scan_input.value = ""
        return True

    def _feedback_failed(self, exc: LoyaltyError) -> None:
        self.feedback_prompt.close()
        self.say(exc.message)

    # --- stamp cards ---------------------------------------------------------------------

    def action_stamp(self) -> None:
        """F10: one stamp on the member's card; with several programs, pick one first."""
        if self.db.wait_for("stamp", self.action_stamp):
            return  # F10 F10 in a burst: two stamps, one after the other
        member = self.member
        if member is None:
            self.say(_("Scan a member card first"))
            return
        cards = self.offers.stamps if self.offers is not None else ()
        if len(cards) > 1:
            from app.tui.screens.stamp_pick import StampPickScreen

            self.app.push_screen(StampPickScreen(cards), self._stamp_picked)
            return
        self._stamp(cards[0].program_id if cards else None)

    def _stamp_picked(self, program_id: int | None) -> None:
        if program_id is not None:
            self._stamp(program_id)

    def _stamp(self, program_id: int | None) -> None:
        member = self.member
        if member is None:
            return
        member_id = member.member_id

        def stamp() -> tuple[StampCard, MemberOffers | None]:
            card = add_stamp(self.ctx, member_id, program_id)
            return card, self._offers_of(member_id)

        self.db.run("stamp", stamp, self._stamped)

    def _stamped(self, stamped: tuple[StampCard, MemberOffers | None]) -> None:
        card, offers = stamped
        if offers is not None and self.member and offers.member_id == self.member.member_id:
            self.offers = offers
        self.reload_member()
        if card.full:
            self.say(
                _("Stamp added: {card}. The card is full: F12 gives {reward}").format(
                    card=f"{card.name} {card.stamps}/{card.stamps_needed}", reward=card.reward
                ),
                "success",
            )
        else:
            self.say(_("Stamp added: {card}").format(card=card.label), "success")

    def action_reward(self) -> None:
        """F12: give (or not) the rewards of the full stamp cards with this sale."""
        if self.db.wait_for("stamp", self.action_reward):
            return
        panel = self.checkout_panel
        full = self.offers.full_cards if self.offers is not None else ()
        if not full:
            self.say(_("No stamp card is full yet"))
            return
        if panel.rewards:
            panel.rewards = ()
            self.say(_("No reward with this sale"), "info")
            return
        panel.rewards = tuple(full)
        self.say(
            _("The reward is given with this sale: F9 confirms it (no amount: the reward alone)"),
            "info",
        )

    def _give_rewards_alone(self, member_id: int, program_ids: list[int]) -> None:
        def give() -> tuple[list[StampCard], MemberOffers | None]:
            return give_reward_alone(self.ctx, member_id, program_ids), self._offers_of(member_id)

        def given(result: tuple[list[StampCard], MemberOffers | None]) -> None:
            cards, offers = result
            self.checkout_panel.rewards = ()
            if offers is not None and self.member and offers.member_id == self.member.member_id:
                self.offers = offers
            self.reload_member()
            self.say(" ".join(card.reward_given for card in cards), "success")

        self.db.run("stamp", give, given)

    # --- printing the card -------------------------------------------------------------

    def action_print_card(self) -> None:
        """F7: print (or reprint) the member's card; a slow or missing printer never blocks."""
        member = self.member
        if member is None:
            self.say(_("Scan a member card first"))
            return
        if not member.card:
            self.say(_("This member has no active card: issue a new card first"))
            return
        from app.services.cards import print_or_save_card

        card = member.card
        # On the receipt printer, or without one a PDF in the user data folder.
        if self.db.run(
            "print",
            lambda: print_or_save_card(self.ctx, card),
            lambda result: self.say(
                _("No receipt printer is set up: card saved as {path}").format(
                    path=result.destination
                )
                if result.no_printer
                else _("Card {card} printed").format(card=card),
                "success",
            ),
        ):
            self.say(_("Printing card {card}…").format(card=card), "info")

    def action_print_slip(self) -> None:
        """Ctrl+B: the customer's slip of the sale on screen; a failure is a notification."""
        sale = self.checkout_panel.receipt
        if sale is None:
            self.say(_("Confirm a sale first: the slip shows what it earned"))
            return
        # A notification, not the message line: the sale's line (and the next scan) stay.
        self.db.run(
            "slip",
            lambda: print_slip(self.ctx, sale),
            lambda _where: self.app.notify(_("Slip printed"), timeout=3),
            lambda exc: self.app.notify(exc.message, severity="warning", markup=False),
            notice=False,
        )

    # --- navigation --------------------------------------------------------------------

    def action_focus_scan(self) -> None:
        self.picking = False
        scan = self.scan_input
        scan.focus()
        scan.select_all()

    def action_back(self) -> None:
        """Esc: close the pick list, else clear the member, else clear the scan field."""
        if self.feedback_prompt.stage is not None:
            # Esc skips the feedback question; the sale's receipt stays.
            self.feedback_prompt.close()
            self.scan_input.focus()
            return
        if self.picking:
            self.picking = False
        elif self.checkout_panel.coupon is not None:
            # First Esc takes the coupon off the checkout; the member stays.
            code = self.checkout_panel.coupon.code
            self.checkout_panel.coupon = None
            self.say(_("Coupon {code} removed").format(code=code), "info")
            self.checkout_panel.amount_input.focus()
            return
        elif self.member is not None:
            self.member = None
            self.offers = None
            self.checkout_panel.reset()
        else:
            self.scan_input.value = ""
        self.say("")
        self.scan_input.focus()

    # --- modal screens -----------------------------------------------------------------

    def action_help(self) -> None:
        from app.tui.screens.help import HelpScreen, key_locks

        session = session_of(self)
        limit = format_money(
            int(self.ctx.settings().get("staff.cashier_refund_limit", 5000)),
            self.ctx.rules().currency,
        )
        locks = key_locks(lambda action: session.allows(self.ctx, action), limit)
        self.app.push_screen(HelpScreen(locks, staff=session.staff_mode))

    def action_enroll(self) -> None:
        from app.tui.screens.enroll import EnrollScreen

        self.app.push_screen(EnrollScreen(self.ctx), self._enrolled)

    def _enrolled(self, view: MemberView | ExistingMember | None) -> None:
        from app.tui.screens.enroll import ExistingMember

        if isinstance(view, ExistingMember):
            # A likely duplicate the cashier chose to open instead of enrolling again.
            self.start_customer(view.view)
            self.say(
                _("{name} is already a member: card {card}").format(
                    name=member_display_name(view.view), card=view.view.card
                ),
                "success",
            )
        elif view is not None:
            self.db.run("enrolled", lambda: get_member(self.ctx, view.member_id), self._welcome)

    def _welcome(self, member: MemberView) -> None:
        self.start_customer(member)
        self.say(
            _("Welcome, {name}! New card {card}").format(
                name=member_display_name(member), card=member.card
            ),
            "success",
        )

    def action_refund(self) -> None:
        if self.member is None:
            self.say(_("Scan a member card first"))
            return
        from app.tui.screens.refund import RefundScreen

        member = self.member
        require(
            self,
            Action.REFUND_SMALL,
            lambda ctx: self.app.push_screen(RefundScreen(ctx, member), self._refunded),
        )

    def _refunded(self, result: RefundResult | None) -> None:
        if result is None:
            return
        # The receipt of a refunded sale is history: the panel shows the member as saved.
        self.checkout_panel.receipt = None
        self.reload_member()
        self.say(
            _("Refund of sale {sale} saved: {money} back, new balance {points} pts").format(
                sale=result.sale_id,
                money=format_money(result.money_back_cents, self.ctx.rules().currency),
                points=format_points(result.points_balance),
            ),
            "success",
        )

    def action_adjust(self) -> None:
        if self.member is None:
            self.say(_("Scan a member card first"))
            return
        from app.tui.screens.adjust import AdjustScreen

        member = self.member
        require(
            self,
            Action.ADJUST,
            lambda ctx: self.app.push_screen(AdjustScreen(ctx, member), self._adjusted),
        )

    def _adjusted(self, result: AdjustResult | None) -> None:
        if result is None:
            return
        self.checkout_panel.receipt = None
        self.reload_member()
        self.say(
            _("Points adjusted by {points}; new balance {balance} pts").format(
                points=f"{result.points:+d}", balance=format_points(result.points_balance)
            ),
            "success",
        )

    def action_members(self) -> None:
        """F8: the member desk; with a member at the counter, straight to their view."""
        from app.tui.screens.members import MembersScreen

        open_member = self.member.member_id if self.member is not None else None
        self.app.push_screen(MembersScreen(self.ctx, open_member=open_member), self._desk_closed)

    def _desk_closed(self, _result: object = None) -> None:
        # The member may have been edited, merged or erased at the desk.
        self.reload_member(then=self._still_a_customer)
        self.scan_input.focus()

    def _still_a_customer(self) -> None:
        if self.member is not None and not self.member.card:
            # Merged away or erased: nobody to check out any more.
            self.member = None
            self.checkout_panel.reset()

    def action_program(self) -> None:
        """Ctrl+R: the owner's program screen (earning, tiers, campaigns, coupons, stamps)."""
        from app.tui.screens.program import ProgramScreen

        require(
            self,
            Action.PROGRAM,
            lambda ctx: self.app.push_screen(ProgramScreen(ctx), self._program_closed),
        )

    def _program_closed(self, _result: object = None) -> None:
        # New rules quote the checkout from now on; the member's tier may have changed. (A
        # manager's approval gave the screen a copy of the context, with its own cache.)
        self.ctx.forget_settings()
        self.checkout_panel.use_rules(self.ctx.rules())
        self.reload_member()
        self.scan_input.focus()

    def action_reports(self) -> None:
        """Ctrl+O: the owner's reports (retention, baskets, points, weekly charts)."""
        from app.tui.screens.reports import ReportsScreen

        require(
            self,
            Action.REPORTS,
            lambda ctx: self.app.push_screen(ReportsScreen(ctx), self._reports_closed),
        )

    def _reports_closed(self, _result: object = None) -> None:
        self.scan_input.focus()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        """The counter's actions for the command palette (title, help, callback); what needs a
        manager's PIN for the person signed in carries the lock mark, as on the key bar."""
        locked = {
            f"action_{name}" for name in session_of(self).locked_keys(self.ctx, COUNTER_GATED)
        }
        commands = []
        for title, help_text, callback in self._palette_commands():
            if getattr(callback, "__name__", "") in locked:
                title = LOCK_MARK + title
            commands.append((title, help_text, callback))
        return commands

    def _palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            (_("Enroll a new member"), _("Open the enrollment form (F2)"), self.action_enroll),
            (_("Refund a sale"), _("Refund one of the member's sales (F5)"), self.action_refund),
            (_("Adjust points"), _("Add or remove points with a reason (F6)"), self.action_adjust),
            (
                _("Print the member's card"),
                _("On the receipt printer, or as a PDF file (F7)"),
                self.action_print_card,
            ),
            (
                _("Member desk"),
                _("All members: profiles, merge, export, erase (F8)"),
                self.action_members,
            ),
            (
                _("Program rules"),
                _("Earning, tiers, campaigns, bonuses, expiry, coupons, stamp cards (Ctrl+R)"),
                self.action_program,
            ),
            (
                _("Reports"),
                _("Retention, churn, baskets, points and liability, weekly charts (Ctrl+O)"),
                self.action_reports,
            ),
            (_("Redeem the most points"), _("Fill in the maximum (F4)"), self.action_max_points),
            (_("Add a stamp"), _("One stamp on the member's stamp card (F10)"), self.action_stamp),
            (
                _("Give the stamp card reward"),
                _("With this sale, for a full stamp card (F12)"),
                self.action_reward,
            ),
            (
                _("Print the customer's slip"),
                _("Points earned, balance, coupons of the sale on screen (Ctrl+B)"),
                self.action_print_slip,
            ),
            (_("Show the keys"), _("The help screen (F1)"), self.action_help),
        ]
