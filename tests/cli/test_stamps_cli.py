"""`loyalty stamps add|list|remove`, text and JSON, and their refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_coupon_cli import Cli

# The database the commands open is a migrated copy (see db_path): the first `loyalty` call
# does not migrate it again in every test.
pytestmark = pytest.mark.migrated_db


@pytest.fixture
def cli(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_path, capsys)


def test_add_list_remove(cli: Cli) -> None:
    assert cli.ok("stamps", "list").strip() == "No stamp programs yet"
    out = cli.ok("stamps", "add", "Coffee", "--stamps", "10", "--reward", "a free coffee")
    assert out.strip() == "Stamp program added: Coffee: 10 stamps give a free coffee"
    made = cli.json("stamps", "add", "Bread", "--stamps", "5", "--reward", "a free loaf")
    assert (made["name"], made["stamps"], made["reward"]) == ("Bread", 5, "a free loaf")
    assert cli.ok("stamps", "list").splitlines() == [
        "Bread: 5 stamps give a free loaf",
        "Coffee: 10 stamps give a free coffee",
    ]
    assert [p["name"] for p in cli.json("stamps", "list")["programs"]] == ["Bread", "Coffee"]
    out = cli.ok("stamps", "remove", "coffee")
    assert out.strip() == "Stamp program Coffee removed; the stamps given stay in the history"
    assert [p["name"] for p in cli.json("stamps", "list")["programs"]] == ["Bread"]
    # The name is free again after removal.
    cli.ok("stamps", "add", "Coffee", "--stamps", "8", "--reward", "a free coffee")


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("add", "Coffee", "--stamps", "1", "--reward", "x"), "from 2 to 100"),
        (("add", "Coffee", "--stamps", "101", "--reward", "x"), "from 2 to 100"),
        (("add", " ", "--stamps", "10", "--reward", "x"), "needs a name"),
        (("add", "Coffee", "--stamps", "10", "--reward", " "), "what the full stamp card gives"),
        (("add", "coffee", "--stamps", "10", "--reward", "x"), "exists already"),
        (("add", "Tea", "--stamps", "ten", "--reward", "x"), "invalid int value"),
        (("add", "Tea", "--stamps", "10"), "--reward"),
        (("remove", "Tea"), "There is no stamp program Tea"),
    ],
)
def test_refusals(cli: Cli, argv: tuple[str, ...], match: str) -> None:
    cli.ok("stamps", "add", "Coffee", "--stamps", "10", "--reward", "a free coffee")
    cli.refused("stamps", *argv, match=match)


def test_give_stamps_and_show_a_members_cards(cli: Cli) -> None:
    card = cli.json("member", "add", "--first-name", "Anna", "--last-name", "Müller")["card"]
    cli.refused("stamps", "give", card, match="There is no stamp program yet")
    cli.ok("stamps", "add", "Coffee", "--stamps", "3", "--reward", "a free coffee")
    assert cli.ok("stamps", "card", card).strip() == "Coffee 0/3"
    assert cli.ok("stamps", "give", card).strip() == "Stamp added: Coffee 1/3"
    cli.ok("stamps", "add", "Bread", "--stamps", "5", "--reward", "a free loaf")
    cli.refused("stamps", "give", card, match="Choose the stamp program")
    cli.refused("stamps", "give", card, "--program", "Tea", match="There is no stamp program Tea")
    cli.refused("stamps", "give", "123", match="13 digits")
    given = cli.json("stamps", "give", card, "--program", "coffee")
    assert given == {
        "program": "Coffee",
        "stamps": 2,
        "needed": 3,
        "reward": "a free coffee",
        "full": False,
    }
    cli.ok("stamps", "give", card, "--program", "Coffee")
    cli.refused("stamps", "give", card, "--program", "Coffee", match="The Coffee card is full")
    assert cli.ok("stamps", "card", card).splitlines() == [
        "Bread 0/5",
        "Coffee 3/3: reward due (a free coffee)",
    ]
    assert [c["full"] for c in cli.json("stamps", "card", card)["cards"]] == [False, True]


def test_a_full_cards_reward_without_a_purchase(cli: Cli) -> None:
    card = cli.json("member", "add", "--first-name", "Anna", "--last-name", "Müller")["card"]
    cli.ok("stamps", "add", "Coffee", "--stamps", "2", "--reward", "a free coffee")
    cli.ok("stamps", "give", card)
    cli.refused("stamps", "reward", card, match="No stamp card is full yet")
    cli.ok("stamps", "give", card)
    out = cli.ok("stamps", "reward", card)
    assert out.strip() == "Reward given: a free coffee (Coffee card); the card starts again"
    assert cli.json("stamps", "card", card)["cards"][0]["stamps"] == 0
    # Recorded as a reward with no sale; the member bought nothing.
    cli.ok("stamps", "give", card)
    cli.ok("stamps", "give", card)
    given = cli.json("stamps", "reward", card, "--program", "coffee")
    assert given == {"rewards": [{"program": "Coffee", "reward": "a free coffee"}]}
    cli.refused("stamps", "reward", card, "--program", "Tea", match="no stamp program Tea")
