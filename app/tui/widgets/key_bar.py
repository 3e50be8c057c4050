"""The key bar: the screen's declared bindings, in the current language, on one line."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from app.i18n import _
from app.tui.session import LOCK_MARK, TillSession


class KeyBar(Static):
    """A footer drawn as one line of text.

    Textual's ``Footer`` rebuilds a widget per key whenever the bindings change, and the
    counter's bindings change on every scan (the cursor moves, checkout keys light up). That
    rebuild came before the member on screen; re-rendering one line does not. Keys still come
    from the declared ``BINDINGS`` and ``check_action``, like the footer's.

    Labels are translated when drawn (a screen's ``BINDINGS`` are built when its module is
    imported), so the bar follows the language of the moment. At 80 columns it is one line on
    every screen in both languages (a dialog's bar then lies exactly over the bar of the screen
    below it). Keys that cannot be used now are dimmed, and left out first when the line is too
    short; on a narrower terminal the usable keys wrap to a second line, between keys.

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

    def shown(self, screen: Screen[object]) -> list[tuple[str, str, bool]]:
        """The keys for the bar: (key, label, usable now), translated, in declared order."""
        keys: list[tuple[str, str, bool]] = []
        seen: set[str] = set()
        locked = self._locked(screen)
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.key_display or self.app.get_key_display(binding)
            label = _(binding.description)
            if binding.action in locked:
                label = LOCK_MARK + label
            keys.append((_(key), label, active.enabled))
        return keys

    def _locked(self, screen: Screen[object]) -> set[str]:
        """The screen's keys that need a manager's or owner's PIN for the person signed in."""
        session = getattr(self.app, "session", None)
        gated = getattr(screen, "GATED", None)
        ctx = getattr(screen, "ctx", None)
        if not isinstance(session, TillSession) or not gated or ctx is None:
            return set()
        return session.locked_keys(ctx, gated)

    def _keys(self, screen: Screen[object]) -> Content:
        key_style = self.get_visual_style("key-bar--key")
        description_style = self.get_visual_style("key-bar--description")
        keys = self.shown(screen)
        width = self.size.width or 10_000
        if line_length(keys) > width:
            keys = [entry for entry in keys if entry[2]]
        if (
            line_length(keys) > width
            and keys[-1][0] == _("Esc")
            and line_length(keys[:-1]) <= width
        ):
            # Esc goes back everywhere and F1 lists it: left out when that keeps the bar on one
            # line (a cashier's locked keys take a little more room).
            keys = keys[:-1]
        lines: list[list[Content]] = [[]]
        used = 0
        for key, label, enabled in keys:
            # A locked key's mark stands where the space would: "F6🔒Adjust".
            gap = "" if label.startswith(LOCK_MARK) else " "
            item = Content.assemble((key, key_style), gap, (label, description_style))
            length = line_length([(key, label, enabled)])
            if lines[-1] and used + 1 + length > width:
                lines.append([])
                used = 0
            used += length + (1 if lines[-1] else 0)
            lines[-1].append(item if enabled else item.stylize("dim"))
        return Content("\n").join(Content(" ").join(line) for line in lines)


def line_length(keys: list[tuple[str, str, bool]]) -> int:
    """Columns the keys take on one line: ``key label`` with one space between keys."""
    return (
        sum(
            cell_len(key) + (0 if label.startswith(LOCK_MARK) else 1) + cell_len(label)
            for key, label, _enabled in keys
        )
        + len(keys)
        - 1
    )
