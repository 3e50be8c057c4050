"""Modal screens of the counter: enroll, refund, adjust points, help."""

from app.tui.screens.adjust import AdjustScreen
from app.tui.screens.enroll import EnrollScreen
from app.tui.screens.help import HelpScreen
from app.tui.screens.refund import RefundScreen

__all__ = ["AdjustScreen", "EnrollScreen", "HelpScreen", "RefundScreen"]
