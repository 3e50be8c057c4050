"""The stamp cards tab: each program's name, the stamps of a full card and its reward."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text

from app.i18n import _
from app.services.stamps import list_programs, remove_program
from app.tui.screens.program.lists import Row, RuleListTab
from app.tui.screens.program.rule_dialogs import StampProgramDialog

STAMPS = "program-stamps"


class StampsTab(RuleListTab):
    """The stamp programs; one is added (F4) or removed (Del), never changed."""

    TAB_ID: ClassVar[str] = STAMPS
    TABLE_ID: ClassVar[str] = "stamps"

    @staticmethod
    def title() -> str:
        return _("Stamp cards")

    def columns(self) -> tuple[str, ...]:
        return (_("Stamp card"), _("Stamps"), _("Reward"))

    def load(self) -> None:
        rows: list[Row] = [
            (
                program.name,
                [
                    Text(program.name),
                    Text(str(program.stamps), justify="right"),
                    Text(program.reward),
                ],
            )
            for program in list_programs(self.ctx)
        ]
        self.fill(rows, _("No stamp cards yet: F4 adds one (e.g. Coffee, 10 stamps)."))

    def add(self) -> None:
        self.open_dialog(StampProgramDialog(self.ctx), _("Stamp card added: {name}"))

    def removal(self) -> tuple[str, str]:
        return (
            _("Remove stamp card {name}?"),
            _("No more stamps are given; the stamps given stay in the history."),
        )

    def remove_rule(self, name: str) -> None:
        remove_program(self.ctx, name)
