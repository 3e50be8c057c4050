"""Refresh the German catalog from the source: new texts are added untranslated, gone ones dropped.

Run from the repository root: ``python scripts/update_catalog.py``. It prints the texts that
still need a translation; ``tests/test_translations.py`` fails until there are none.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "app" / "locale" / "de" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    template = Catalog(project="loyalty-counter", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT / "app"), method_map=[("**.py", "python")]
    ):
        template.add(
            message,
            locations=[(f"app/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    if PO_FILE.exists():
        with PO_FILE.open("rb") as fh:
            catalog = read_po(fh, locale="de")
    else:
        PO_FILE.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale="de", project="loyalty-counter", charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    catalog.last_translator = "loyalty-counter team"
    catalog.language_team = "German"
    with PO_FILE.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=False)
    missing = [m.id for m in catalog if m.id and not m.string]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{len(catalog)} texts, {len(missing)} untranslated")


if __name__ == "__main__":
    main()
