"""Database work of a screen, off the event loop: the one way the TUI calls a service that may
wait for the database (see docs/ARCHITECTURE.md, "Database work in the TUI").

A screen (or a widget, or the app) owns one :class:`DbWork`. ``run(key, call, done, failed)``
runs ``call`` in a Textual thread worker, so the screen keeps echoing keys while another till
or a long job holds the write lock, and posts the outcome back to the screen as a message:
``done(result)`` or ``failed(error)`` then run on the event loop, in the screen's own message
handling. After :data:`WAIT_NOTICE_SECONDS` without an answer the screen's message line says
"Waiting for the database…" (a notification where the screen has no line); the line is cleared
when the call returns, before ``done`` or ``failed`` shows its own message.

Nothing a call raises can end the app: a :class:`LoyaltyError` (the store's ``DatabaseError``
family included: busy, full, read-only, damaged) goes to ``failed``, by default the message
line; any other exception is logged and shown as an error notification, and ``failed`` gets it
as a :class:`UnexpectedError`, so the screen leaves its waiting state. A callback that raises
is logged and notified the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from textual.dom import DOMNode
from textual.timer import Timer

from app.domain.errors import LoyaltyError
from app.i18n import _

T = TypeVar("T")

WAIT_NOTICE_SECONDS = 0.4
"""How long a call may take before the screen says it is waiting for the database."""

WAIT_TOAST_SECONDS = 3.0
"""How long the waiting notice stays where it is a notification (it cannot be taken back)."""

log = logging.getLogger(__name__)


def waiting_text() -> str:
    """What the screen says while a call waits for the database."""
    return _("Waiting for the database…")


def unexpected_text(exc: BaseException) -> str:
    """What a person is told of an exception that is not the project's own (no traceback)."""
    return _("Unexpected error ({error}); nothing more was done. Try again.").format(
        error=type(exc).__name__
    )


class Say(Protocol):
    """A screen's message line: ``info``, ``success`` or ``error``."""

    def __call__(self, text: str, kind: str = "info") -> None: ...


class UnexpectedError(LoyaltyError):
    """A call failed with an exception that is not the project's own (a bug, an OS error)."""


@dataclass(eq=False)
class _Run:
    """One call under way and its waiting notice (compared by identity: the newest per key
    wins)."""

    timer: Timer | None = None
    notice_shown: bool = False


class DbWork:
    """The database calls of one screen, widget or app; at most one per key at a time.

    ``say`` is the owner's message line; without one, the waiting notice and failures are
    notifications.
    """

    def __init__(self, owner: DOMNode, say: Say | None = None) -> None:
        self.owner = owner
        self.say = say
        self._runs: dict[str, _Run] = {}
        self._after: dict[str, list[Callable[[], object]]] = {}

    # --- state -------------------------------------------------------------------------

    def pending(self, key: str) -> bool:
        """Whether a call under ``key`` has not returned yet."""
        return key in self._runs

    @property
    def busy(self) -> bool:
        """Whether any call of the owner has not returned yet."""
        return bool(self._runs)

    def wait_for(self, key: str, action: Callable[[], object]) -> bool:
        """With a call under ``key`` pending, run ``action`` once it has answered (in the order
        asked) and return True; else return False and leave ``action`` to the caller. Keys
        pressed in a burst behind a write act on its result, not on the state before it."""
        if key not in self._runs:
            return False
        self._after.setdefault(key, []).append(action)
        return True

    # --- running -----------------------------------------------------------------------

    def run(
        self,
        key: str,
        call: Callable[[], T],
        done: Callable[[T], object],
        failed: Callable[[LoyaltyError], object] | None = None,
        *,
        latest: bool = False,
        notice: bool = True,
    ) -> bool:
        """Run ``call`` off the event loop; ``done`` or ``failed`` gets its outcome on it.

        A second call under a pending ``key`` is refused (returns False): a form submitted
        twice saves once. With ``latest`` (a read whose newest answer is wanted) it runs, and
        only the newest call's outcome is delivered. ``notice=False``: no waiting notice.
        """
        if key in self._runs and not latest:
            return False
        run = _Run()
        previous = self._runs.get(key)
        if previous is not None:
            self._stop_notice(previous)
        self._runs[key] = run
        if notice:
            run.timer = self.owner.set_timer(WAIT_NOTICE_SECONDS, lambda: self._show_notice(run))
        owner = self.owner

        def work() -> None:
            # In the worker thread: whatever happens, the outcome goes back as a message.
            try:
                outcome: tuple[str, Any] = ("done", call())
            except LoyaltyError as exc:
                outcome = ("failed", exc)
            except Exception as exc:  # no exception may end the app
                log.exception("Database work %r failed", key)
                outcome = ("unexpected", exc)
            owner.call_later(self._finish, key, run, outcome, done, failed)

        owner.run_worker(work, name=key, group=f"db-{key}", thread=True, exit_on_error=False)
        return True

    # --- on the event loop -------------------------------------------------------------

    def _show_notice(self, run: _Run) -> None:
        if run.timer is None:
            return  # returned meanwhile
        run.notice_shown = True
        if self.say is not None:
            self.say(waiting_text(), "info")
        else:
            # A toast cannot be taken back: a short one.
            self.owner.app.notify(waiting_text(), timeout=WAIT_TOAST_SECONDS)

    def _stop_notice(self, run: _Run) -> None:
        if run.timer is not None:
            run.timer.stop()
            run.timer = None
        if not run.notice_shown:
            return
        run.notice_shown = False
        if self.say is not None:
            self.say("", "info")

    def _finish(
        self,
        key: str,
        run: _Run,
        outcome: tuple[str, Any],
        done: Callable[[Any], object],
        failed: Callable[[LoyaltyError], object] | None,
    ) -> None:
        self._stop_notice(run)
        if self._runs.get(key) is not run:
            return  # a newer call under this key answers instead
        del self._runs[key]
        kind, value = outcome
        try:
            if kind == "done":
                done(value)
                return
            if kind == "unexpected":
                value = self._unexpected(value)
            if failed is not None:
                failed(value)
            elif kind != "unexpected":
                self.tell(value.message)
        except Exception as exc:  # a screen's bug must not end the app
            log.exception("Showing the outcome of %r failed", key)
            self._unexpected(exc)
        finally:
            self._run_waiting(key)

    def _run_waiting(self, key: str) -> None:
        """The actions that waited for ``key``, until one of them starts another call."""
        waiting = self._after.get(key, [])
        while waiting and key not in self._runs:
            action = waiting.pop(0)
            try:
                action()
            except Exception as exc:  # a screen's bug must not end the app
                log.exception("An action waiting for %r failed", key)
                self._unexpected(exc)

    def _unexpected(self, exc: BaseException) -> UnexpectedError:
        """Log and notify an exception that is not the project's own."""
        error = UnexpectedError(unexpected_text(exc))
        self.owner.app.notify(error.message, severity="error", timeout=10, markup=False)
        return error

    def tell(self, message: str) -> None:
        """A failure's message on the owner's line, or as a notification."""
        if self.say is not None:
            self.say(message, "error")
        else:
            self.owner.app.notify(message, severity="error", timeout=10, markup=False)
