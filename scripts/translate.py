"""Fill Korean translations from a Python dict file: msgid -> Korean text.

    .venv/bin/python scripts/translate.py path/to/ko.py [APP ...]  # the file defines KO = {...}

Only empty Korean entries are filled; existing translations are kept.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    table: dict[str, str] = runpy.run_path(argv[0])["KO"]
    apps = argv[1:] or ["*"]
    filled = 0
    paths = sorted(
        {p for app in apps for p in ROOT.glob(f"printhub/{app}/locale/ko/LC_MESSAGES/django.po")}
    )
    for path in paths:
        catalogue = polib.pofile(str(path))
        changed = False
        for entry in catalogue:
            korean = table.get(entry.msgid)
            if not korean:
                continue
            # A fuzzy entry holds makemessages' guess from a similar string: replace it.
            guessed = "fuzzy" in entry.flags
            if entry.msgid_plural:
                if guessed or not any(entry.msgstr_plural.values()):
                    entry.msgstr_plural = {0: korean}
                else:
                    continue
            elif guessed or not entry.msgstr:
                entry.msgstr = korean
            else:
                continue
            if guessed:
                entry.flags.remove("fuzzy")
                entry.previous_msgid = None
            changed = True
            filled += 1
        if changed:
            catalogue.save()
    print(f"filled {filled} Korean translations")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
