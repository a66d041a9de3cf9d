"""Keep printhub's translations complete: Korean and English for every string.

    .venv/bin/python scripts/i18n.py update [APP ...]  # extract strings into the apps' .po files
    .venv/bin/python scripts/i18n.py check [APP ...]   # list what is missing; exit 1 if anything is
    .venv/bin/python scripts/i18n.py compile   # .po -> .mo (the set-up runs this)

Source strings are English, so `update` fills the English catalogue with them
(edit it where the English should read differently); the Korean catalogue needs
a person: `check` lists every entry without a Korean translation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "site", "accounts", "network", "parts", "quotes", "orders", "billing", "production",
    "inventory",
]  # fmt: skip
LANGUAGES = ["ko", "en"]
DJANGO_ADMIN = [sys.executable, "-m", "django"]


def app_dir(app: str) -> Path:
    return ROOT / "printhub" / app


def po_path(directory: Path, language: str) -> Path:
    return directory / "locale" / language / "LC_MESSAGES" / "django.po"


def _makemessages(directory: Path) -> None:
    (directory / "locale").mkdir(exist_ok=True)
    args = ["makemessages", "--no-location", "--no-obsolete", "--ignore", "migrations/*"]
    for language in LANGUAGES:
        args += ["--locale", language]
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "printhub.site.settings"}
    subprocess.run(
        [*DJANGO_ADMIN, *args], cwd=directory, env=env, check=True, capture_output=True, text=True
    )


def fill_english(path: Path) -> int:
    """Give every untranslated English entry its (English) source string."""
    catalogue = polib.pofile(str(path))
    filled = 0
    for entry in catalogue:
        # A fuzzy entry holds makemessages' guess from a similar string: start it afresh.
        guessed = "fuzzy" in entry.flags
        if guessed:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
        if entry.msgid_plural:
            if guessed or not any(entry.msgstr_plural.values()):
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                filled += 1
        elif guessed or not entry.msgstr:
            entry.msgstr = entry.msgid
            filled += 1
    catalogue.save()
    return filled


def problems(path: Path, label: str) -> list[str]:
    """Entries of a catalogue that a person would see untranslated."""
    if not path.exists():
        return [f"{label}: missing"]
    found = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        translated = all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr)
        if not translated or "fuzzy" in entry.flags:
            found.append(f"{label}: {entry.msgid!r}")
    return found


def update(apps: list[str]) -> None:
    for app in apps:
        directory = app_dir(app)
        _makemessages(directory)
        fill_english(po_path(directory, "en"))


def check_fresh(apps: list[str] = APPS) -> list[str]:
    """Extract strings from a copy of each app and report every one not translated.

    Works on a copy so that a check never rewrites the catalogues in the tree.
    """
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for app in apps:
            copy = Path(tmp) / app
            shutil.copytree(app_dir(app), copy, ignore=shutil.ignore_patterns("__pycache__"))
            _makemessages(copy)
            for language in LANGUAGES:
                label = str(po_path(app_dir(app), language).relative_to(ROOT))
                found += problems(po_path(copy, language), label)
    return found


def compile_all() -> None:
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "printhub.site.settings"}
    for app in APPS:
        if (app_dir(app) / "locale").exists():
            subprocess.run(
                [*DJANGO_ADMIN, "compilemessages"],
                cwd=app_dir(app),
                env=env,
                check=True,
                capture_output=True,
            )


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    apps = argv[1:] or APPS
    unknown = sorted(set(apps) - set(APPS))
    if unknown:
        print(f"unknown app(s): {', '.join(unknown)}; known: {', '.join(APPS)}")
        return 2
    if command == "update":
        update(apps)
        command = "check"
    if command == "compile":
        compile_all()
        return 0
    if command == "check":
        found = check_fresh(apps)
        for line in found:
            print(line)
        print(f"{len(found)} untranslated" if found else "all strings translated")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
