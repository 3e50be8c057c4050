"""The key bar: the screen's declared bindings, unavailable ones dimmed, wrapped to the width."""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from app.tui.session import LOCK_MARK, TillSession


class KeyBar(Static):
    """A footer drawn as one line of text.

    Textual's ``Footer`` rebuilds a widget per key whenever the bindings change, and the
    counter's bindings change on every scan (the cursor moves, checkout keys light up). That
    rebuild came before the member on screen; re-rendering one line does not. Keys still come
    from the declared ``BINDINGS`` and ``check_action``, like the footer's.

    A key whose action the signed-in person may not do alone (the screen's ``GATED`` actions,
    issue 13) carries :data:`LOCK_MARK`: it asks for a manager's or owner's PIN.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--description"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: auto;
        max-height: 2;
        background: $footer-background;
        color: $footer-description-foreground;
        & > .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .key-bar--description {
            color: $footer-description-foreground;
        }
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        # After the first refresh: the bindings' checks look at widgets still being mounted.
        self.call_after_refresh(self._bindings_changed, self.screen)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        self._screen = screen
        self.update(self._keys(screen))

    def on_resize(self) -> None:
        screen = getattr(self, "_screen", None)
        if screen is not None:
            self.update(self._keys(screen))

    def _keys(self, screen: Screen[object]) -> Content:
        key_style = self.get_visual_style("key-bar--key")
        description_style = self.get_visual_style("key-bar--description")
        parts: list[Content] = []
        seen: set[str] = set()
        locked = self._locked(screen)
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.key_display or self.app.get_key_display(binding)
            description = binding.description
            if binding.action in locked:
                description = LOCK_MARK + description
            item = Content.assemble((key, key_style), " ", (description, description_style), " ")
            parts.append(item if active.enabled else item.stylize("dim"))
        return self._pack(parts)

    def _locked(self, screen: Screen[object]) -> set[str]:
        """The screen's keys that need a manager's or owner's PIN for the person signed in."""
        session = getattr(self.app, "session", None)
        gated = getattr(screen, "GATED", None)
        ctx = getattr(screen, "ctx", None)
        if not isinstance(session, TillSession) or not gated or ctx is None:
            return set()
        return session.locked_keys(ctx, gated)

    def _pack(self, items: list[Content]) -> Content:
        # Break between keys, never between a key and its description (at 80 columns the
        # German labels need a second line).
        width = self.size.width or 10_000
        lines: list[list[Content]] = [[]]
        used = 0
        for item in items:
            if lines[-1] and used + item.cell_length > width:
                lines.append([])
                used = 0
            lines[-1].append(item)
            used += item.cell_length
        return Content("\n").join(Content.assemble(*line) for line in lines)
