"""Stamp cards ("buy 9 coffees, the 10th is free"): a program and one member's card. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.errors import InvalidInput
from app.domain.text import check_text
from app.i18n import _

MAX_STAMPS = 100
NAME_MAX = 40


def check_program(name: str, stamps: int, reward: str) -> tuple[str, int, str]:
    """The program's name, size and reward, cleaned, or a readable error."""
    check_text(name, _("The name"))
    check_text(reward, _("The reward"))
    name, reward = name.strip(), reward.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(
            _("A stamp program needs a name of at most {count} characters").format(count=NAME_MAX)
        )
    if not 2 <= stamps <= MAX_STAMPS:
        raise InvalidInput(_("A stamp card has from 2 to {count} stamps").format(count=MAX_STAMPS))
    if not reward:
        raise InvalidInput(_("Say what the full stamp card gives"))
    return name, stamps, reward


@dataclass(frozen=True)
class StampCard:
    """A member's card in one program: stamps collected since the last reward."""

    program_id: int
    name: str
    stamps_needed: int
    reward: str
    stamps: int

    @property
    def full(self) -> bool:
        return self.stamps >= self.stamps_needed

    @property
    def reward_given(self) -> str:
        """What the till and the CLI say once the reward was given (the card starts again)."""
        return _("Reward given: {reward} ({name} card); the card starts again").format(
            reward=self.reward, name=self.name
        )

    @property
    def label(self) -> str:
        """``Coffee 7/10``; a full card names its reward."""
        shown = min(self.stamps, self.stamps_needed)
        if self.full:
            return _("{name} {stamps}/{needed}: reward due ({reward})").format(
                name=self.name, stamps=shown, needed=self.stamps_needed, reward=self.reward
            )
        return f"{self.name} {shown}/{self.stamps_needed}"
