"""Staff accounts, sign-in with a PIN, the lock-out and the permission check (issue 13).

- :mod:`.accounts`: add, list, find, change PIN or role, disable; ``act_as``, ``permits``.
- :mod:`.signin`: ``sign_in`` with the lock-out, ``approve`` for one action beyond a role.
- :mod:`.pins`: Argon2id hashes.
"""

from __future__ import annotations

from app.domain.roles import StaffView
from app.services.staff.accounts import (
    act_as,
    add_staff,
    disable_staff,
    find_staff,
    has_staff,
    list_staff,
    permits,
    set_pin,
    set_role,
)
from app.services.staff.refunds import refund_action
from app.services.staff.signin import SignInRefused, approve, refused_message, sign_in

__all__ = [
    "SignInRefused",
    "StaffView",
    "act_as",
    "add_staff",
    "approve",
    "disable_staff",
    "find_staff",
    "has_staff",
    "list_staff",
    "permits",
    "refund_action",
    "refused_message",
    "set_pin",
    "set_role",
    "sign_in",
]
