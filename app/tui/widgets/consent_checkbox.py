"""The marketing-consent checkbox of the enrolment form and the member's profile."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Checkbox


class ConsentCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox that only Space toggles, so an Enter meant to submit never gives consent."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_button", show=False)]
