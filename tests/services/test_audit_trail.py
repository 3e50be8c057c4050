"""The audit trail: every change recorded with who, who allowed it, member, store, till; the rows
append-only and hash-chained; `check` names the first broken row; erasure redacts and the chain
still verifies. On SQLite and (in the PostgreSQL variant) on PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from app.domain.errors import InvalidInput
from app.domain.profile import MemberDraft
from app.domain.roles import Action, Role, badge_code
from app.services.adjustments import adjust_points
from app.services.audit_trail import AuditFilter, find_audit, verify_audit
from app.services.cards import replace_card
from app.services.checkout import checkout
from app.services.context import Context
from app.services.health import check_database
from app.services.member_desk import update_member
from app.services.member_io import export_members_csv, import_members_csv
from app.services.members import enroll_member
from app.services.merge import merge_members
from app.services.privacy import erase_member, export_member_data
from app.services.program_rules import add_tier
from app.services.refunds import refund_sale
from app.services.sales_import import import_sales_csv
from app.services.settings import write_setting
from app.services.staff import SignInRefused, act_as, add_staff, approve, sign_in
from app.services.views import MemberView
from tests.services.dbstate import connect, execute, scalar


@pytest.fixture
def other_member(ctx: Context) -> MemberView:
    return enroll_member(ctx, MemberDraft(first_name="Jonas", last_name="Berg"))


def _rows(db_path: Any, sql: str) -> list[tuple[Any, ...]]:
    conn = connect(db_path)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def _drop_triggers(db_path: Any) -> None:
    """What an attacker with the file does first: the triggers are not the protection."""
    if str(db_path).startswith("postgresql"):
        execute(db_path, "DROP TRIGGER audit_entry_no_update ON audit_entry")
        execute(db_path, "DROP TRIGGER audit_entry_no_delete ON audit_entry")
    else:
        execute(db_path, "DROP TRIGGER audit_entry_no_update")
        execute(db_path, "DROP TRIGGER audit_entry_no_delete")


def _everything(ctx: Context, member: MemberView, other: MemberView, tmp_path: Path) -> str:
    """Every kind of change the issue lists (but merge and erasure); the other's new card."""
    sale = checkout(ctx, member.card, 40_00)
    refund_sale(ctx, sale.sale_id, 10_00)
    adjust_points(ctx, member.card, 5, "goodwill")
    update_member(ctx, member.member_id, {"postcode": "20095"})
    new_card = replace_card(ctx, other.card).new_card
    write_setting(ctx.db, "shop.name", "Corner Shop", ctx.now(), actor=ctx.actor, till=ctx.till)
    add_tier(ctx, "Gold", 500_00, 150)
    export_member_data(ctx, member.card)
    export_members_csv(ctx, tmp_path / "all.csv")
    (tmp_path / "new.csv").write_text("first_name,last_name\nBea,Kurz\n", encoding="utf-8")
    import_members_csv(ctx, tmp_path / "new.csv")
    (tmp_path / "sales.csv").write_text(
        f"card;date;amount;receipt\n{member.card};2026-01-15;12,00;A-1\n", encoding="utf-8"
    )
    import_sales_csv(ctx, tmp_path / "sales.csv")
    return new_card


def test_every_kind_of_change_is_recorded_chained_and_verifies(
    ctx: Context, member: MemberView, other_member: MemberView, db_path: Any, tmp_path: Path
) -> None:
    new_card = _everything(ctx, member, other_member, tmp_path)
    ctx.approver = "Maria"
    merge_members(ctx, member.card, new_card)
    ctx.approver = None
    erase_member(ctx, member.card)
    kinds = {row.action for row in find_audit(ctx, AuditFilter())}
    assert {
        "member.enroll",
        "sale.create",
        "sale.refund",
        "points.adjust",
        "member.update",
        "card.replace",
        "setting.change",
        "member.export",
        "members.export",
        "members.import",
        "sales.import",
        "member.merge",
        "member.erase",
        "audit.redact",
    } <= kinds
    sale_rows = find_audit(ctx, AuditFilter(kind="sale"))
    assert {r.action for r in sale_rows} == {"sale.create", "sale.refund"}
    assert {(r.member_id, r.actor, r.store_code, r.till) for r in sale_rows} == {
        (member.member_id, "tester", "001", 1)
    }
    merge = find_audit(ctx, AuditFilter(kind="member.merge"))
    assert [(r.actor, r.approver) for r in merge] == [("tester", "Maria")]
    # The whole trail is one chain per node and till, each row naming the one before.
    check = verify_audit(ctx)
    assert check.ok and check.chains == 1
    assert check.rows == scalar(db_path, "SELECT count(*) FROM audit_entry")
    assert check_database(ctx).ok
    hashes = _rows(db_path, "SELECT prev_hash, row_hash FROM audit_entry ORDER BY id")
    assert hashes[0][0] == "0" * 64
    assert all(prev == before[1] for before, (prev, _h) in pairwise(hashes))


def test_rows_are_append_only(ctx: Context, member: MemberView, db_path: Any) -> None:
    checkout(ctx, member.card, 10_00)
    for sql in (
        "UPDATE audit_entry SET actor = 'someone else'",
        "UPDATE audit_entry SET row_hash = 'x'",
        "DELETE FROM audit_entry",
    ):
        with pytest.raises(Exception, match="append-only"):
            execute(db_path, sql)
    assert scalar(db_path, "SELECT count(*) FROM audit_entry WHERE actor = 'tester'") == 2


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("UPDATE audit_entry SET actor = 'nobody' WHERE id = {id}", "hash"),
        ("UPDATE audit_entry SET detail = '{{\"points\": 1}}' WHERE id = {id}", "detail"),
        ("DELETE FROM audit_entry WHERE id = {id}", "prev_hash"),
    ],
)
def test_check_names_the_first_broken_row(
    ctx: Context, member: MemberView, db_path: Any, tamper: str, reason: str
) -> None:
    for amount in (10_00, 20_00, 30_00):
        checkout(ctx, member.card, amount)
    assert verify_audit(ctx).ok
    ids = [r[0] for r in _rows(db_path, "SELECT id FROM audit_entry ORDER BY id")]
    target = ids[2]
    _drop_triggers(db_path)
    execute(db_path, tamper.format(id=target))
    report = check_database(ctx)
    assert not report.ok
    assert report.audit is not None and report.audit.broken is not None
    broken = report.audit.broken
    # A removed row is found at the row after it, which no longer follows its predecessor.
    assert broken.row_id == (ids[3] if reason == "prev_hash" else target)
    assert (broken.reason, broken.till) == (reason, 1)


def test_erasure_removes_personal_data_and_the_chain_still_verifies(
    ctx: Context, member: MemberView, db_path: Any
) -> None:
    update_member(ctx, member.member_id, {"email": "anna.new@example.org", "phone": ""})
    erase_member(ctx, member.card)
    details = " ".join(r[0] for r in _rows(db_path, "SELECT detail FROM audit_entry"))
    assert "anna.new@example.org" not in details and "anna.mueller" not in details
    salts = _rows(db_path, "SELECT detail_salt FROM audit_entry WHERE action = 'member.update'")
    assert salts == [("",)]
    redaction = _rows(db_path, "SELECT detail FROM audit_entry WHERE action = 'audit.redact'")
    assert len(json.loads(redaction[0][0])["rows"]) == 1
    assert verify_audit(ctx).ok


def test_filters_by_person_kind_dates_and_member(
    ctx: Context, member: MemberView, other_member: MemberView
) -> None:
    checkout(ctx, member.card, 10_00)
    ctx.actor = "Jonas"
    checkout(ctx, other_member.card, 20_00)
    ctx.approver = "Maria"
    adjust_points(ctx, other_member.card, 3, "goodwill")
    jonas = find_audit(ctx, AuditFilter(staff="jonas"))
    assert [r.action for r in jonas] == ["points.adjust", "sale.create"]
    assert [r.action for r in find_audit(ctx, AuditFilter(staff="MARIA"))] == ["points.adjust"]
    mine = find_audit(ctx, AuditFilter(member=member.card))
    assert [r.action for r in mine] == ["sale.create", "member.enroll"]
    today = ctx.now().date()
    assert find_audit(ctx, AuditFilter(start=today, end=today, kind="points"))
    assert not find_audit(ctx, AuditFilter(end=date(2000, 1, 1)))
    with pytest.raises(InvalidInput):
        find_audit(ctx, AuditFilter(member="123"))


def test_only_a_manager_or_owner_reads_the_trail(ctx: Context, member: MemberView) -> None:
    add_staff(ctx, "Olivia", Role.OWNER, "1111")
    add_staff(ctx, "Carla", Role.CASHIER, "3333")
    add_staff(ctx, "Max", Role.MANAGER, "2222")
    with pytest.raises(SignInRefused, match="sign in first"):
        find_audit(ctx, AuditFilter())
    carla = sign_in(ctx, "Carla", "3333")
    act_as(ctx, carla)
    with pytest.raises(SignInRefused, match=r"Carla \(cashier\) may not"):
        find_audit(ctx, AuditFilter())
    # A manager's PIN allows it once; the sign-ins and the failure are in the trail.
    with pytest.raises(SignInRefused):
        sign_in(ctx, "Max", "9999")
    act_as(ctx, carla, approver=approve(ctx, Action.AUDIT, "Max", "2222"))
    rows = find_audit(ctx, AuditFilter(kind="staff"))
    # Newest first: Max's approval (his sign-in, then the approval), his wrong PIN, Carla.
    assert [r.action for r in rows][:4] == [
        "staff.approve",
        "staff.sign_in",
        "staff.sign_in_failed",
        "staff.sign_in",
    ]
    act_as(ctx, sign_in(ctx, "Max", "2222"))
    assert find_audit(ctx, AuditFilter(staff="carla"))
    assert verify_audit(ctx).ok


def test_a_person_is_a_name_a_staff_number_or_a_badge(ctx: Context, member: MemberView) -> None:
    add_staff(ctx, "Olivia", Role.OWNER, "1111")
    max_ = add_staff(ctx, "Max", Role.MANAGER, "2222")
    act_as(ctx, max_)
    adjust_points(ctx, member.card, 5, "goodwill")
    for who in ("max", str(max_.number), badge_code(max_.number)):
        assert [r.action for r in find_audit(ctx, AuditFilter(staff=who))] == ["points.adjust"]
    with pytest.raises(InvalidInput, match="No staff member"):
        find_audit(ctx, AuditFilter(staff="999"))
    # A name from before staff accounts (the environment's cashier name) is taken as typed.
    assert [r.action for r in find_audit(ctx, AuditFilter(staff="tester"))][-1] == "member.enroll"
