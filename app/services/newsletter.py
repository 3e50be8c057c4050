"""Newsletter exports (Mailchimp, Brevo): only members with marketing consent and an email.

- ``mailchimp``: ``Email Address,First Name,Last Name,Birthday,Tags`` (comma separated;
  birthday ``MM/DD`` as Mailchimp's birthday field takes it; tags: the segment and the tier);
- ``brevo``: ``EMAIL;FIRSTNAME;LASTNAME;SMS`` (semicolon separated, the phone in E.164).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.domain.errors import InvalidInput
from app.domain.segments import Segment
from app.domain.spreadsheet import escape_row
from app.files import open_text_atomically
from app.i18n import _
from app.services.context import Context
from app.services.member_io import export_members_csv, member_row_chunks
from app.store.jobs import VISIBLE_SQL

LAYOUTS = ("generic", "mailchimp", "brevo")
_HEADERS = {
    "mailchimp": ("Email Address", "First Name", "Last Name", "Birthday", "Tags"),
    "brevo": ("EMAIL", "FIRSTNAME", "LASTNAME", "SMS"),
}
_SELECT = (
    "SELECT m.id, m.first_name, m.last_name, m.email, m.phone, m.birthday, m.tier, "
    f"m.marketing_consent FROM member m WHERE m.status = 'active' AND {VISIBLE_SQL} "
)


@dataclass(frozen=True)
class ExportCount:
    """How many members a file holds, and how many were left out for lack of consent/email."""

    written: int
    left_out: int = 0


def _birthday(value: Any) -> str:
    if value is None or value == "":
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"{text[5:7]}/{text[8:10]}"


def _cells(layout: str, row: Any, segment: Segment | None) -> list[str]:
    if layout == "brevo":
        # The E.164 digits without "+": Brevo reads the country code from them, and a cell
        # starting with "+" would be written as '+… (app.domain.spreadsheet).
        return [row.email, row.first_name, row.last_name, (row.phone or "").lstrip("+")]
    tags = [t for t in (segment.label if segment else "", row.tier or "") if t]
    return [row.email, row.first_name, row.last_name, _birthday(row.birthday), ",".join(tags)]


def export_members(
    ctx: Context,
    path: str | Path,
    *,
    layout: str = "generic",
    member_ids: list[int] | None = None,
    segment: Segment | None = None,
) -> ExportCount:
    """Write the members (all, or ``member_ids`` in their order) in ``layout`` to ``path``."""
    if layout not in LAYOUTS:
        raise InvalidInput(_("The layout is one of: {layouts}").format(layouts=", ".join(LAYOUTS)))
    if layout == "generic":
        return ExportCount(export_members_csv(ctx, path, member_ids))
    path = Path(path)
    written = left_out = 0
    try:
        with open_text_atomically(path, mode=0o600, newline="") as fh:
            writer = csv.writer(fh, delimiter=";" if layout == "brevo" else ",")
            writer.writerow(escape_row(_HEADERS[layout]))
            for rows in member_row_chunks(ctx, _SELECT, member_ids):
                for row in rows:
                    if not row.marketing_consent or not row.email:
                        left_out += 1
                        continue
                    writer.writerow(escape_row(_cells(layout, row, segment)))
                    written += 1
    except OSError as exc:
        raise InvalidInput(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    return ExportCount(written, left_out)
