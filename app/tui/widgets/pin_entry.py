"""Who, then the PIN: the sign-in screen's and the manager's PIN pad's form.

One field (``SignInInput``) takes a badge scan or a name, then the PIN (masked); a pad of digit
buttons types into it for a touch screen or a mouse. What is typed is checked here without the
database (a badge's form, a PIN's 4–8 digits); the screen looks the person up and signs them in.
A badge scanned where the PIN is asked is taken as the next person, never as a wrong PIN.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from app.domain.errors import InvalidInput
from app.domain.roles import check_pin_format, parse_badge
from app.i18n import _
from app.tui.widgets.sign_in_input import SignInInput

PAD_KEYS = ("7", "8", "9", "4", "5", "6", "1", "2", "3", "⌫", "0", "OK")


class PadKey(Button):
    """A key of the PIN pad: clicked or touched, never focused (the field keeps the keys)."""

    can_focus = False


class PinEntry(Vertical):
    """Posts ``WhoEntered`` for a badge or name, ``PinEntered`` for a PIN, ``Refused`` for
    what can be neither (said without asking the database, and counted as no attempt)."""

    class WhoEntered(Message):
        """A badge was scanned or a name typed (empty: the highlighted name of a list)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class PinEntered(Message):
        """A PIN of the right form for ``who``."""

        def __init__(self, who: str, pin: str) -> None:
            super().__init__()
            self.who = who
            self.pin = pin

    class Refused(Message):
        """What was typed is no PIN (too short, letters, a member card)."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    DEFAULT_CSS = """
    PinEntry {
        width: 1fr;
        height: auto;
        & #pin-input {
            width: 100%;
            margin-bottom: 1;
        }
        & #pin-pad {
            grid-size: 3;
            grid-gutter: 0 1;
            width: 20;
            height: 4;
        }
        & .pad-key {
            width: 100%;
            min-width: 4;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.who: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.who_prompt(), id="pin-prompt", markup=False)
        yield SignInInput(
            who_placeholder=_("Scan your badge or type your name"),
            pin_placeholder=_("PIN"),
            id="pin-input",
        )
        with Grid(id="pin-pad"):
            for key in PAD_KEYS:
                yield PadKey(key, compact=True, classes="pad-key", name=key)

    @property
    def field(self) -> SignInInput:
        return self.query_one(SignInInput)

    @staticmethod
    def who_prompt() -> str:
        return _("Badge or name, then Enter")

    def start_over(self, text: str = "") -> None:
        """Ask who again; ``text`` (a refused name) comes back to be corrected."""
        self.who = None
        self.field.ask("who")
        self.field.value = text
        self.field.cursor_position = len(text)
        self.query_one("#pin-prompt", Static).update(self.who_prompt())

    def choose(self, who: str, label: str) -> None:
        """``who`` (a name or a badge) is known as ``label``: ask for the PIN."""
        self.who = who
        if self.field.stage != "pin":
            self.field.ask("pin")
        self.query_one("#pin-prompt", Static).update(
            _("{who}: type your PIN, then Enter").format(who=label)
        )

    def focus_field(self) -> None:
        self.field.focus()

    @on(SignInInput.Entered)
    def _entered(self, event: SignInInput.Entered) -> None:
        event.stop()
        text = event.text
        if event.stage == "who" or parse_badge(text) is not None:
            # A badge scanned where the PIN is asked: the next person, not a wrong PIN.
            self.who = text or None
            self.post_message(self.WhoEntered(text))
            return
        if self.who is None:
            self.start_over()
            self.post_message(self.Refused(_("Scan your badge or type your name first")))
            return
        try:
            pin = check_pin_format(text)
        except InvalidInput as exc:
            self.post_message(self.Refused(exc.message))
            return
        self.post_message(self.PinEntered(self.who, pin))

    @on(Button.Pressed, ".pad-key")
    def _pad(self, event: Button.Pressed) -> None:
        event.stop()
        field = self.field
        key = event.button.name or ""
        if key == "⌫":
            field.value = field.value[:-1]
        elif key == "OK":
            text = field.value
            field.ask("pin")
            if text.strip():
                self.post_message(SignInInput.Entered(text.strip(), "pin" if self.who else "who"))
        else:
            field.insert_text_at_cursor(key)
        field.focus()
