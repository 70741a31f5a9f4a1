"""tutorials/README.md lists every tutorial, and every section its coverage tables cite exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "tutorials"
README = (TUTORIALS / "README.md").read_text(encoding="utf-8")
FILES = sorted(p.name for p in TUTORIALS.glob("[0-9][0-9]_*.py"))
# a coverage row: | concept | [NN](NN_name.py) | section heading text |
ROW = re.compile(r"^\|(?P<concept>[^|]*(?:\\\|[^|]*)*)\|"
                 r"\s*\[\d\d\]\((?P<file>\d\d_\w+\.py)\)\s*\|(?P<section>[^|]+)\|\s*$")


def _rows():
    return [m.groupdict() for m in map(ROW.match, README.splitlines()) if m]


def _headings(name: str) -> list[str]:
    text = (TUTORIALS / name).read_text(encoding="utf-8")
    return [line.lstrip("# ").strip() for line in text.splitlines() if re.match(r"^# #{1,4} ", line)]


def test_there_are_twelve_tutorials_in_course_order():
    assert [f[:2] for f in FILES] == [f"{i:02d}" for i in range(1, 13)]


def test_every_tutorial_is_listed_and_every_listed_tutorial_exists():
    listed = set(re.findall(r"\((\d\d_\w+\.py)\)", README))
    assert listed, "the README lists no tutorials"
    assert set(FILES) - listed == set(), f"tutorials missing from the README: {set(FILES) - listed}"
    assert listed - set(FILES) == set(), f"the README lists tutorials that do not exist: {listed - set(FILES)}"


def test_every_cited_section_exists_in_its_tutorial():
    rows = _rows()
    assert len(rows) > 60
    for row in rows:
        section = row["section"].strip()
        headings = _headings(row["file"])
        assert any(section in h for h in headings), \
            f"{row['file']} has no section {section!r} (cited for {row['concept'].strip()!r})"


def test_every_quiz_question_and_every_lecture_mistake_is_mapped():
    concepts = " ".join(r["concept"] for r in _rows())
    for q in range(1, 15):
        assert f"Quiz {q}:" in concepts, f"quiz question {q} is not mapped"
    mistakes = set()
    for m in re.finditer(r"E(\d+)(?:–E(\d+))?", concepts):
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        mistakes.update(range(lo, hi + 1))
    missing = set(range(1, 29)) - mistakes
    assert not missing, f"lecture mistakes without a section: {sorted(missing)}"
