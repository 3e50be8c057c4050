"""The feedback question after a sale: "How likely are you to recommend us? 0–10".

The scan field takes the answer, so nothing waits: a score (one or two keys, then Enter) is
recorded at once and the prompt asks for an optional comment; any scan that is no answer (a
card, a coupon) closes the question and goes on as a scan; ``Esc`` skips. This widget holds
only the question's state; the counter records the answer through the feedback service.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.widgets import Static

from app.domain.feedback import is_score
from app.i18n import _
from app.services.feedback import FeedbackView


@dataclass(frozen=True)
class Asked:
    """Whom the question is for: the sale's card, the sale and the customer's first name."""

    card: str
    sale_id: int
    first_name: str


class FeedbackPrompt(Static):
    """One line above the panels while the question is open; hidden otherwise."""

    DEFAULT_CSS = """
    FeedbackPrompt {
        display: none;
        height: auto;
        padding: 0 2;
        color: $text-warning;
        text-style: bold;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(markup=False, **kwargs)  # type: ignore[arg-type]
        self.asked: Asked | None = None
        self.answer: FeedbackView | None = None
        """The recorded score while the comment is asked for."""

    @property
    def stage(self) -> str | None:
        """``score``, ``comment`` or None when no question is open."""
        if self.asked is None:
            return None
        return "comment" if self.answer is not None else "score"

    def ask(self, asked: Asked) -> None:
        """Open the question for the customer of a sale just confirmed."""
        self.asked, self.answer = asked, None
        self.update(
            _("{name}, how likely are you to recommend us? 0–10 and Enter · Esc skips").format(
                name=asked.first_name
            )
        )
        self.display = True

    def ask_comment(self, answer: FeedbackView) -> None:
        """The score is recorded: offer a comment."""
        if self.asked is None:
            return  # closed meanwhile (the next customer was scanned)
        self.answer = answer
        self.update(
            _("Thank you ({score}/10)! A comment? Type it and Enter · Esc: none").format(
                score=answer.score
            )
        )

    def close(self) -> None:
        self.asked, self.answer = None, None
        self.update("")
        self.display = False

    def takes(self, text: str, *, is_card_or_coupon: bool) -> bool:
        """Whether ``text`` entered in the scan field answers the open question."""
        if self.stage == "score":
            return is_score(text)
        if self.stage == "comment":
            return not is_card_or_coupon
        return False
