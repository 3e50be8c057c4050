"""Migration 0018 fills the new search keys of a shop's existing members (in slices), builds
their indexes, and goes back down cleanly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from app.store.database import sqlite_url
from app.store.migrate import upgrade

PEOPLE = [
    ("Anna", "Müller", "anna@Example.org", "+491719722233"),
    ("Hans", "Mueller", None, None),
    ("Jörg", "Weiß", "j@mail.de", None),
]


def test_existing_members_get_their_keys(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "old.db"))
    upgrade(engine, "0015_feedback")
    with engine.begin() as conn:
        for n, (first, last, email, phone) in enumerate(PEOPLE):
            conn.execute(
                text(
                    "INSERT INTO member (uuid, first_name, last_name, email, phone, created_at, "
                    "updated_at, first_key, last_key) VALUES (:u, :f, :l, :e, :p, "
                    "'2024-01-01 00:00:00', '2024-01-01 00:00:00', '', '')"
                ),
                {"u": f"u{n}", "f": first, "l": last, "e": email, "p": phone},
            )
    upgrade(engine, "0018_search_variants")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT first_alt, last_alt, email_domain, phone_reversed FROM member ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [
        (None, "mueller", "example.org", "332227917194"),
        (None, None, None, None),
        ("joerg", None, "mail.de", None),  # ß is ss in both keys
    ]
    indexes = {i["name"] for i in inspect(engine).get_indexes("member")}
    assert {"ix_member_last_alt_order", "ix_member_phone_reversed_order"} <= indexes
    upgrade_down(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("member")}
    assert "last_alt" not in columns and "phone_reversed" not in columns
    engine.dispose()


def upgrade_down(engine: object) -> None:
    from alembic import command

    from app.store.migrate import alembic_config

    command.downgrade(alembic_config(engine), "0015_feedback")  # type: ignore[arg-type]
