"""The README's "What the importers read" lists every header word, polarity word and "no target" word the
importers read, so the list councils are given is the one the code uses (issue 15's note)."""

import re
from pathlib import Path

from imports.parsing.kpi import KPI_SYNONYMS
from imports.parsing.plan import PLAN_SYNONYMS
from imports.parsing.values import NO_TARGET_WORDS, POLARITY_WORDS

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text()
    start = text.index("### What the importers read")
    return text[start : text.index("\n## ", start)]


def test_every_header_word_is_in_the_readme():
    listed = set(re.findall(r"`([^`]+)`", _section()))
    missing = [w for synonyms in (*PLAN_SYNONYMS.values(), *KPI_SYNONYMS.values()) for w in synonyms if w not in listed]
    assert missing == []


def test_every_polarity_and_no_target_word_is_in_the_readme():
    section = _section()
    polarity = section[section.index("**Polarity words**") : section.index("**Target phrasings**")]
    listed = set(re.findall(r"`([^`]+)`", polarity))
    assert [w for w in POLARITY_WORDS if w not in listed] == []
    no_target = next(line for line in section.splitlines() if line.startswith("- No target"))
    assert [w for w in sorted(NO_TARGET_WORDS) if f"`{w}`" not in no_target] == []


def test_the_readme_lists_no_word_the_importers_do_not_read():
    section = _section()
    header_part = section[section.index("Plan columns:") : section.index("**Polarity words**")]
    known = {w for synonyms in (*PLAN_SYNONYMS.values(), *KPI_SYNONYMS.values()) for w in synonyms}
    listed = {w for line in header_part.splitlines() if line.startswith("- ") for w in re.findall(r"`([^`]+)`", line)}
    assert listed - known == set()
