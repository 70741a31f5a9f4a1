"""Every exercise's solution passes its check, every check rejects a non-answer, every chapter offers its
exercises, and the notebooks collapse the solutions (with their code) and hide the quiz answers."""

import importlib
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "tutorials"
sys.path.insert(0, str(TUTORIALS))

import make_notebooks  # noqa: E402  (tutorials/make_notebooks.py)

CHAPTERS = sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))
QUIZ = [p for p in CHAPTERS if p.name.endswith("_quiz.py")]
LESSONS = [p for p in CHAPTERS if p not in QUIZ]        # every chapter but the quiz has exercises
MODULES = sorted(p.stem for p in (TUTORIALS / "solutions").glob("ch[0-9][0-9].py"))
PAIRS = [(m, n) for m in MODULES for n in range(1, 6)
         if hasattr(importlib.import_module(f"solutions.{m}"), f"exercise_{n}")]


def test_every_chapter_but_the_quiz_has_a_solutions_module_with_three_to_five_exercises():
    assert [p.name for p in QUIZ] == ["14_quiz.py"]
    assert MODULES == [f"ch{p.name[:2]}" for p in LESSONS]
    for m in MODULES:
        count = sum(1 for mod, _ in PAIRS if mod == m)
        assert 3 <= count <= 5, f"{m} has {count} exercises"


@pytest.mark.parametrize("module, n", PAIRS, ids=[f"{m}-{n}" for m, n in PAIRS])
def test_the_solution_passes_its_check_and_the_check_rejects_a_non_answer(module, n):
    mod = importlib.import_module(f"solutions.{module}")
    check, solve = getattr(mod, f"check_{n}"), getattr(mod, f"exercise_{n}")
    check(solve())
    with pytest.raises(Exception):    # noqa: B017 (any failure will do: the check must not accept None)
        check(None)


def _cells(path: Path):
    """The cells of a percent-format script, as minimal notebook cells (no jupytext needed)."""
    cells = []
    for block in re.split(r"(?m)^(?=# %%)", path.read_text(encoding="utf-8")):
        m = re.match(r"# %%(?P<md> \[markdown\])?(?: tags=(?P<tags>\[.*?\]))?\n", block)
        if not m:
            continue
        body = block[m.end():].strip("\n")
        if m["md"]:
            body = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in body.splitlines())
        cells.append(SimpleNamespace(cell_type="markdown" if m["md"] else "code", source=body,
                                     metadata={"tags": json.loads(m["tags"])} if m["tags"] else {}))
    return cells


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_each_chapter_runs_each_exercise_check_in_a_solution_cell(path):
    module = f"ch{path.name[:2]}"
    cells = [c for c in _cells(path) if "solution" in c.metadata.get("tags", [])]
    found = sorted(int(m["n"]) for c in cells if (m := make_notebooks.SOLUTION_CELL.match(c.source))
                   and m["module"] == module)
    assert found == [n for m, n in PAIRS if m == module]
    assert any(c.cell_type == "markdown" and c.source.startswith("## Exercises") for c in _cells(path))


def test_notebook_solutions_are_collapsed_with_their_code_inlined():
    notebook = make_notebooks.prepare(SimpleNamespace(cells=_cells(TUTORIALS / "04_gradient_descent.py")))
    solutions = [c for c in notebook.cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) == 3
    for cell in solutions:
        assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
        assert "def exercise_" in cell.source and "from solutions.ch04 import check_" in cell.source
    namespace = {}
    exec(compile(solutions[2].source, "exercise_3", "exec"), namespace)   # runs on its own (helpers inlined)
    assert "_gd" in namespace


def test_quiz_questions_are_shown_and_every_answer_is_hidden():
    cells = _cells(TUTORIALS / "14_quiz.py")
    questions = [c for c in cells if c.cell_type == "markdown" and re.match(r"## Q\d+ · ", c.source)]
    assert len(questions) == 14
    notebook = make_notebooks.prepare(SimpleNamespace(cells=cells))
    after_first_question = notebook.cells[notebook.cells.index(questions[0]):]
    for cell in after_first_question:
        if cell in questions:
            assert "answer" not in cell.metadata.get("tags", []) and "\n" not in cell.source.strip()
        elif cell.cell_type == "markdown":
            assert cell.source.startswith("<details><summary><b>Answer</b>") and cell.source.endswith("</details>")
        else:
            assert cell.metadata["jupyter"]["source_hidden"] and cell.metadata["jupyter"]["outputs_hidden"]
