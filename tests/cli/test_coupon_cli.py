"""`loyalty coupon create|batch|list|show` and `loyalty sale --coupon`, text and JSON, and every
refusal: one line on stderr, non-zero exit, nothing changed."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import resvg_py
import zxingcpp
from PIL import Image

from app.cli import main
from app.printing.face import FONT_BOLD, FONT_REGULAR
from tests.services.dbstate import connect

TABLES = (
    "member",
    "card",
    "sale",
    "ledger_entry",
    "coupon",
    "coupon_redemption",
    "stamp_program",
    "stamp",
    "audit_entry",
)

# The database the commands open is a migrated copy (see db_path): the first `loyalty` call
# does not migrate it again in every test.
pytestmark = pytest.mark.migrated_db


class Cli:
    def __init__(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(["--db", str(self.db), *argv])
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *argv: str) -> dict[str, Any]:
        code, out, err = self.run(*argv, "--json")
        assert (code, err) == (0, ""), err
        data = json.loads(out)
        assert isinstance(data, dict)
        return data

    def ok(self, *argv: str) -> str:
        code, out, err = self.run(*argv)
        assert (code, err) == (0, ""), err
        return out

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        conn = connect(self.db)
        try:
            return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
        finally:
            conn.close()

    def refused(self, *argv: str, match: str) -> str:
        before = self.snapshot()
        for extra in ((), ("--json",)):
            code, out, err = self.run(*argv, *extra)
            assert code != 0
            assert out == ""
            assert len(err.strip().splitlines()) == 1, err
            assert match.lower() in err.lower(), err
            assert "Traceback" not in err
        assert self.snapshot() == before
        return err.strip()


@pytest.fixture
def cli(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_path, capsys)


@pytest.fixture
def card(cli: Cli) -> str:
    return str(cli.json("member", "add", "--first-name", "Anna", "--last-name", "Müller")["card"])


@pytest.fixture
def other(cli: Cli) -> str:
    return str(cli.json("member", "add", "--first-name", "Jonas", "--last-name", "Weber")["card"])


def test_create_each_kind_and_list(cli: Cli) -> None:
    out = cli.ok("coupon", "create", "--code", "summer10", "--percent", "10", "--max-uses", "2")
    assert out.strip() == "Coupon created: SUMMER10: -10% · used 0 of 2"
    made = cli.json(
        "coupon", "create", "--code", "WELCOME5", "--amount", "5", "--min-spend", "20,00"
    )
    assert (made["kind"], made["value"], made["min_spend_cents"]) == ("amount", 500, 2000)
    assert made["label"] == "-€5.00 WELCOME5"
    cli.ok("coupon", "create", "--code", "BONUS50", "--points", "50", "--per-member", "1")
    cli.ok(
        "coupon",
        "create",
        "--code",
        "FREECOFFEE",
        "--item",
        "coffee",
        "--valid-from",
        "2026-01-01",
        "--valid-until",
        "2030-12-31",
    )
    lines = cli.ok("coupon", "list").splitlines()
    assert lines == [
        "FREECOFFEE: free coffee · valid from Jan 1, 2026 · valid until Dec 31, 2030 · uses: 0",
        "BONUS50: +50 · uses: 0 · 1 per member",
        "WELCOME5: -€5.00 · from €20.00 · uses: 0",
        "SUMMER10: -10% · used 0 of 2",
    ]
    listed = cli.json("coupon", "list")["coupons"]
    assert [c["code"] for c in listed] == ["FREECOFFEE", "BONUS50", "WELCOME5", "SUMMER10"]
    assert listed[0]["valid_until"] == "2030-12-31"


def test_empty_list(cli: Cli) -> None:
    assert cli.ok("coupon", "list").strip() == "No coupons yet"
    assert cli.json("coupon", "list") == {"coupons": []}


def test_bound_coupon_and_sale_with_coupon(cli: Cli, card: str, other: str) -> None:
    made = cli.json("coupon", "create", "--code", "ANNA5", "--amount", "5", "--card", card)
    assert made["member_id"] == 1 and "only member 1" in cli.ok("coupon", "list")
    cli.refused(
        "sale", "--card", other, "--amount", "10", "--coupon", "ANNA5", match="another member"
    )
    sale = cli.json("sale", "--card", card, "--amount", "30", "--coupon", "anna5")
    assert sale["discount_cents"] == 500
    assert sale["coupon"] == "ANNA5"
    assert sale["to_pay_cents"] == 2500 and sale["points_earned"] == 25
    assert sale["applied"] == [
        {"code": "base", "label": "base", "points": 25, "discount_cents": 0},
        {"code": "coupon", "label": "-€5.00 ANNA5", "points": 0, "discount_cents": 500},
    ]


def test_sale_text_lists_the_coupon(cli: Cli, card: str) -> None:
    cli.ok("coupon", "create", "--code", "SUMMER10", "--percent", "10")
    out = cli.ok("sale", "--card", card, "--amount", "30", "--coupon", "SUMMER10")
    assert "Coupon: -10% SUMMER10" in out
    assert "Discount: -€3.00" in out
    assert "To pay: €27.00" in out
    plain = cli.json("sale", "--card", card, "--amount", "30")
    assert (plain["discount_cents"], plain["coupon"], plain["applied"]) == (
        0,
        None,
        [{"code": "base", "label": "base", "points": 30, "discount_cents": 0}],
    )


def test_refund_of_the_whole_sale_gives_the_coupon_back(cli: Cli, card: str, other: str) -> None:
    cli.ok("coupon", "create", "--code", "ONCE", "--amount", "5", "--max-uses", "1")
    sale = cli.json("sale", "--card", card, "--amount", "20", "--coupon", "ONCE")
    cli.refused("sale", "--card", other, "--amount", "20", "--coupon", "ONCE", match="used up")
    out = cli.ok("refund", str(sale["sale_id"]))
    assert "Coupon ONCE can be used again" in out
    shown = cli.json("coupon", "show", "once")
    assert shown["uses"] == 0 and shown["redemptions"][0]["undone_at"] is not None
    assert "(undone by a full refund)" in cli.ok("coupon", "show", "ONCE")
    cli.ok("sale", "--card", other, "--amount", "20", "--coupon", "ONCE")
    assert "used 1 of 1" in cli.ok("coupon", "show", "ONCE")


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("--code", "X10"), "exactly one of"),
        (("--code", "X10", "--percent", "10", "--amount", "5"), "exactly one of"),
        (("--code", "X10", "--percent", "120"), "from 1 to 100"),
        (("--code", "X10", "--amount", "abc"), "not an amount"),
        (("--code", "X10", "--points", "0"), "more than zero"),
        (("--code", "X10", "--item", " "), "which item"),
        (("--code", "X 10", "--percent", "10"), "cannot be a coupon code"),
        (("--code", "X10", "--percent", "10", "--valid-until", "31.12.2026"), "not a date"),
        (("--code", "X10", "--percent", "10", "--max-uses", "0"), "at least 1"),
        (("--code", "X10", "--percent", "10", "--card", "123"), "13 digits"),
        (
            (
                "--code",
                "X10",
                "--percent",
                "5",
                "--valid-from",
                "2027-01-02",
                "--valid-until",
                "2027-01-01",
            ),
            "before it starts",
        ),
        (("--code", "X10", "--percent", "abc"), "invalid int value"),
    ],
)
def test_create_refusals(cli: Cli, card: str, argv: tuple[str, ...], match: str) -> None:
    cli.refused("coupon", "create", *argv, match=match)


def test_duplicate_code_unknown_show_and_sale_refusals(cli: Cli, card: str) -> None:
    cli.ok("coupon", "create", "--code", "SUMMER10", "--percent", "10")
    cli.refused("coupon", "create", "--code", "summer10", "--percent", "5", match="exists already")
    cli.refused("coupon", "show", "NOPE", match="Unknown coupon NOPE")
    cli.refused("sale", "--card", card, "--amount", "10", "--coupon", "NOPE", match="Unknown")
    cli.ok("coupon", "create", "--code", "BIG", "--amount", "5", "--min-spend", "50")
    cli.refused("sale", "--card", card, "--amount", "10", "--coupon", "BIG", match="at least")
    cli.ok("coupon", "create", "--code", "OLD", "--amount", "5", "--valid-until", "2020-01-01")
    cli.refused("sale", "--card", card, "--amount", "10", "--coupon", "OLD", match="expired")
    cli.ok("coupon", "create", "--code", "SOON", "--amount", "5", "--valid-from", "2099-01-01")
    cli.refused("sale", "--card", card, "--amount", "10", "--coupon", "SOON", match="not valid")


def test_batch_text_json_and_refusals(cli: Cli, tmp_path: Path) -> None:
    out = cli.ok("coupon", "batch", "--count", "3", "--prefix", "xmas", "--amount", "2")
    lines = out.splitlines()
    assert lines[0] == "3 single-use codes created"
    assert all(line.strip().startswith("XMAS-") for line in lines[1:])
    made = cli.json("coupon", "batch", "--count", "2", "--percent", "15")
    assert made["count"] == 2 and made["format"] is None
    listed = cli.json("coupon", "list")["coupons"]
    assert len(listed) == 5 and {c["max_uses"] for c in listed} == {1}
    cli.refused("coupon", "batch", "--count", "0", "--percent", "5", match="from 1 to")
    cli.refused("coupon", "batch", "--count", "2", match="exactly one of")
    cli.refused(
        "coupon",
        "batch",
        "--count",
        "2",
        "--percent",
        "5",
        "--max-uses",
        "3",
        match="unrecognized arguments",
    )
    cli.refused(
        "coupon", "batch", "--count", "2", "--percent", "5", "--format", "png", match="--out"
    )
    cli.refused(
        "coupon",
        "batch",
        "--count",
        "2",
        "--percent",
        "5",
        "--out",
        str(tmp_path / "x.gif"),
        "--format",
        "gif",
        match="Unknown coupon format",
    )
    cli.refused(
        "coupon",
        "batch",
        "--count",
        "2",
        "--percent",
        "5",
        "--out",
        str(tmp_path / "missing" / "x.pdf"),
        match="does not exist",
    )
    cli.refused(
        "coupon",
        "batch",
        "--count",
        "2",
        "--percent",
        "5",
        "--format",
        "png",
        "--out",
        str(tmp_path / "nofolder"),
        match="not an existing folder",
    )


def _decode(img: Image.Image) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    # No downscaled second pass: on a 300 dpi image it only adds misreads of narrow bars
    # (1 in 60 rendered coupons read a second, wrong Code 128 that passed its checksum).
    for result in zxingcpp.read_barcodes(img.convert("L"), try_downscale=False):
        found.setdefault(str(result.format), []).append(result.text)
    return {k: sorted(v) for k, v in found.items()}


@pytest.mark.sqlite_only
def test_batch_printed_as_pdf_png_and_svg_decodes(cli: Cli, tmp_path: Path) -> None:
    made = cli.json(
        "coupon",
        "batch",
        "--count",
        "3",
        "--prefix",
        "XMAS",
        "--amount",
        "5",
        "--min-spend",
        "20",
        "--valid-until",
        "2026-12-24",
        "--out",
        str(tmp_path / "c.pdf"),
    )
    codes = sorted(made["codes"])
    assert made["format"] == "pdf" and made["destination"] == str(tmp_path / "c.pdf")
    doc = pdfium.PdfDocument(tmp_path / "c.pdf")
    (page,) = list(doc)
    assert _decode(page.render(scale=300 / 72).to_pil()) == {
        "Code 128": codes,
        "QR Code": codes,
    }
    text = page.get_textpage().get_text_range()
    page.close()
    doc.close()
    assert "-€5.00" in text and "from €20.00" in text and "Dec 24, 2026" in text

    folder = tmp_path / "png"
    folder.mkdir()
    made = cli.json(
        "coupon",
        "batch",
        "--count",
        "2",
        "--percent",
        "10",
        "--out",
        str(folder),
        "--format",
        "png",
    )
    for code in made["codes"]:
        with Image.open(folder / f"coupon-{code}.png") as img:
            assert _decode(img) == {"Code 128": [code], "QR Code": [code]}

    svg_folder = tmp_path / "svg"
    svg_folder.mkdir()
    made = cli.json(
        "coupon",
        "batch",
        "--count",
        "1",
        "--item",
        "coffee",
        "--out",
        str(svg_folder),
        "--format",
        "svg",
    )
    (code,) = made["codes"]
    svg = (svg_folder / f"coupon-{code}.svg").read_text()
    assert "free coffee" in svg and code in svg
    png = resvg_py.svg_to_bytes(
        svg_string=svg,
        dpi=300,
        width=round(85.60 / 25.4 * 300),
        background="#ffffff",
        skip_system_fonts=True,
        font_files=[str(FONT_REGULAR), str(FONT_BOLD)],
    )
    assert _decode(Image.open(io.BytesIO(bytes(png)))) == {"Code 128": [code], "QR Code": [code]}
