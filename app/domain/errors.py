"""Errors a person can read. Raised anywhere below the interfaces, shown once by the TUI or CLI."""

from __future__ import annotations


class LoyaltyError(Exception):
    """Base of every error whose message is meant for the cashier or the owner."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(LoyaltyError):
    """Typed or scanned input that cannot be used (amount, points, text)."""


class InvalidCardNumber(InvalidInput):
    """A card number with the wrong length, characters or check digit."""


class CardNotFound(LoyaltyError):
    """A well-formed card number that no member has."""


class CardBlocked(LoyaltyError):
    """A card that was blocked or replaced."""


class MemberNotFound(LoyaltyError):
    """No member with that id."""


class NotEnoughPoints(LoyaltyError):
    """More points asked for than the balance (or the amount due) allows."""


class SaleNotFound(LoyaltyError):
    """No sale with that number."""


class RefundRefused(LoyaltyError):
    """A refund that would go beyond what the sale took."""


class ValidationFailed(LoyaltyError):
    """One or more form fields are invalid; ``errors`` maps field name to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class RequestIdReused(LoyaltyError):
    """A register's request id that was already used for a request with other figures."""
