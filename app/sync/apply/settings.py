"""Program rules set in another shop: the later one wins, parsed as if set here.

Only program rules travel (``SYNCED_SETTINGS`` in ``app.store.settings``: the import rejects a
file with any other setting whole); a ``program.*`` key this version does not know is a rule of
a newer version and waits for the update.
"""

from __future__ import annotations

from app.i18n import _
from app.store.settings import DEFAULTS, may_arrive, parse_setting, put_setting, read_setting
from app.sync.apply.state import ApplyState, Event, time_of


def apply_settings(state: ApplyState, events: list[Event]) -> None:
    """Store each rule newer than this database's (a refused value is for the owner)."""
    for event in events:
        data = event["data"]
        key = data["key"]
        if key not in DEFAULTS and may_arrive(key):
            state.defer(event)  # a rule of a newer program version
            continue
        state.take(event)
        if not may_arrive(key):  # kept from an older version's import: never applied
            state.conflict(
                "bad_setting", event, None, True, key=key, reason=_("not a program rule")
            )
            continue
        at = time_of(data["updated_at"])
        try:
            value = parse_setting(key, data["value"])
        except Exception as exc:
            state.conflict("bad_setting", event, None, True, key=key, reason=str(exc))
            continue
        local = read_setting(state.conn, key)
        if local is None or (at is not None and at > local.updated_at):
            # ``at`` is None only in an event that no version of the program writes: the
            # column refuses it (NOT NULL) and the file's import fails, as it always did.
            put_setting(state.conn, key, value, at)  # type: ignore[arg-type]
            state.out.settings_changed = True
