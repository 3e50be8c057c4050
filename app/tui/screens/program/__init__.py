"""The owner's program screen (Ctrl+R at the counter): one module for the screen, one per tab,
and the dialogs of the rules and the coupons."""

from app.tui.screens.program.bonuses import BONUSES
from app.tui.screens.program.campaigns import CAMPAIGNS
from app.tui.screens.program.coupons import COUPONS
from app.tui.screens.program.earning import EARNING
from app.tui.screens.program.expiry import EXPIRY
from app.tui.screens.program.screen import TABS, ProgramScreen
from app.tui.screens.program.stamps import STAMPS
from app.tui.screens.program.tiers import TIERS

__all__ = [
    "BONUSES",
    "CAMPAIGNS",
    "COUPONS",
    "EARNING",
    "EXPIRY",
    "STAMPS",
    "TABS",
    "TIERS",
    "ProgramScreen",
]
