"""Every catalogue is complete: no untranslated or fuzzy entry, and each compiles cleanly."""

import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"
TRANSLATED = ["nb", "nn", "da", "sv", "nl"]


def run(*args):
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"

    untranslated = run("msgattrib", "--untranslated", "--no-obsolete", str(po)).stdout
    fuzzy = run("msgattrib", "--only-fuzzy", "--no-obsolete", str(po)).stdout

    assert untranslated == "", f"untranslated in {language}:\n{untranslated}"
    assert fuzzy == "", f"fuzzy in {language}:\n{fuzzy}"


@pytest.mark.parametrize("language", [*TRANSLATED, "en"])
def test_catalogue_compiles_with_matching_placeholders(language):
    result = run("msgfmt", "--check", "-o", "/dev/null", str(LOCALE / language / "LC_MESSAGES" / "django.po"))

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
