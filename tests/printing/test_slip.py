"""The customer's slip: its lines for a known member and sale, and the ESC/POS job's bytes."""

from __future__ import annotations

from pathlib import Path

from app.domain.coupons import Coupon
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.coupons import create_coupon
from app.services.lookup import get_member
from app.services.program_rules import add_tier
from app.services.settings import write_setting
from app.services.slip import print_slip, slip_lines
from app.services.views import MemberView


def setting(ctx: Context, key: str, value: str) -> None:
    write_setting(ctx.db, key, value, ctx.now())
    ctx.forget_settings()


def test_the_slip_names_earned_redeemed_balance_tier_and_coupons(
    ctx: Context, member: MemberView
) -> None:
    add_tier(ctx, "Gold", 500_00, 150)
    adjust_points(ctx, member.card, 300, "welcome")
    create_coupon(ctx, Coupon(code="SPRING5", kind="amount", value=5_00))
    sale = checkout(ctx, member.card, 120_00, redeem_points=200)
    fresh = get_member(ctx, member.member_id, recent=0)
    lines = slip_lines(
        sale, fresh, ("-€5.00 SPRING5",), shop="Bäckerei Sonne", currency="EUR", width=42
    )
    text = "\n".join(lines)
    assert all(len(line) <= 42 for line in lines)
    assert lines[0] == "Bäckerei Sonne" and "Thank you, Anna!" in lines
    assert any(line.startswith("Points earned") and line.endswith("+118") for line in lines)
    assert any(line.startswith("  base") and line.endswith("+118") for line in lines)
    assert any(
        line.startswith("Points redeemed (€2.00)") and line.endswith("-200") for line in lines
    )
    assert any(line.startswith("Your balance") and line.endswith("218") for line in lines)
    assert any(line.startswith("worth") and line.endswith("€2.18") for line in lines)
    assert "€382.00 more to Gold" in text
    assert "  -€5.00 SPRING5" in lines and f"Card {member.card}" in lines


def test_print_slip_sends_an_initialised_job_to_the_printer(
    ctx: Context, member: MemberView, tmp_path: Path
) -> None:
    printer = tmp_path / "printer.bin"
    setting(ctx, "printer.kind", "file")
    setting(ctx, "printer.target", str(printer))
    setting(ctx, "shop.name", "Café Müller")
    sale = checkout(ctx, member.card, 12_50)
    assert print_slip(ctx, sale) == f"file:{printer}"
    job = printer.read_bytes()
    assert job.startswith(b"\x1b@")
    assert b"Thank you, Anna!" in job and b"Your balance" in job
    # The shop's name in the printer's code page (CP437 here), not as UTF-8 bytes.
    assert b"Caf\x82 M\x81ller" in job and "é".encode() not in job
    assert job.endswith(b"\x1dV\x00")
