"""Pilot and snapshot tests of the TUI.

Key bindings are translated when their module is imported, so the TUI is imported in English
whatever the machine's locale: the snapshots must not depend on it.
"""

from app.i18n import set_language

set_language("en_US")
