"""A dropdown in a form: Enter moves on to the next field, as in every other field; Space and
the arrow keys open the list."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.widgets import Select

T = TypeVar("T")


class FieldSelect(Select[T]):
    """``Select`` whose Enter means "next field" (the forms' hint says so)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "next_field", show=False, priority=False),
        Binding("down,space,up", "show_overlay", show=False),
    ]
    INHERIT_BINDINGS = False

    def action_next_field(self) -> None:
        self.screen.focus_next()
