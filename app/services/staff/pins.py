"""PINs as Argon2id hashes (argon2-cffi): the PIN itself is never stored, printed or logged."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.domain.roles import check_pin_format

# argon2-cffi's defaults are RFC 9106's second recommendation (Argon2id, 64 MiB, t=3, p=4):
# about 0.15 s a check on a till, a small price at sign-in and a large one for a guesser.


def production_hasher() -> PasswordHasher:
    """The hasher a shop uses (tests swap ``HASHER`` for a cheaper one)."""
    return PasswordHasher()


HASHER = production_hasher()


def hash_pin(pin: str) -> str:
    """The Argon2id hash of a PIN of 4–8 digits (InvalidInput for any other)."""
    return HASHER.hash(check_pin_format(pin))


def pin_matches(pin_hash: str, pin: str) -> bool:
    """Whether ``pin`` is the PIN of ``pin_hash`` (False for a hash that is not Argon2)."""
    try:
        return HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def is_pin_hash(text: str) -> bool:
    """Whether ``text`` looks like an Argon2id hash (what sync accepts from another shop)."""
    return text.startswith("$argon2id$") and len(text) <= 200
