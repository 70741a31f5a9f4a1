"""tutorials/README.md maps every item of the course's curriculum to a chapter section that exists.

The curriculum (CURRICULUM.md, outside this repository) is copied here as a list of item IDs, one per
checklist entry: the models (M), activations (A), losses (L), information theory (H), gradient descent
(G), optimizers (O), schedules (S), initialization (I), normalization (N), regularization (R), the
training loop (T), backpropagation (B), the autodiff example (AD), the four ways to differentiate (W),
the quiz (Q1–Q14), the lecture's and exercises' mistakes (E1–E29), the exercise repository "dojo" (D)
and the Musk homework (K).
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "tutorials"
README = (TUTORIALS / "README.md").read_text(encoding="utf-8")
FILES = sorted(p.name for p in TUTORIALS.glob("[0-9][0-9]_*.py"))
# a coverage row: | ID concept | [NN](NN_name.py) | section heading text |
ROW = re.compile(r"^\|(?P<concept>[^|]*(?:\\\|[^|]*)*)\|"
                 r"\s*\[\d\d\]\((?P<file>\d\d_\w+\.py)\)\s*\|(?P<section>[^|]+)\|\s*$")

CURRICULUM_ITEMS = (
    [f"M{i}" for i in range(1, 6)]        # 1. models: linear, design matrix, logistic, softmax, MLP
    + [f"A{i}" for i in range(1, 7)]      # 2. sigmoid, ReLU, pReLU/Leaky, tanh, GELU, softmax
    + [f"L{i}" for i in range(1, 6)]      # 3. MSE, BCE, CE conventions; gradient scale; reduction and KL loss
    + [f"H{i}" for i in range(1, 5)]      # 4. entropy, perplexity, KL, mutual information
    + [f"G{i}" for i in range(1, 3)]      # 5. batch/SGD/mini-batch; η < 2/λ_max
    + [f"O{i}" for i in range(1, 8)]      # 6. SGD, momentum forms, 1/(1−μ), Adagrad, RMSprop, Adam, AdamW
    + [f"S{i}" for i in range(1, 6)]      # 7. linear, power, exponential, modern schedules, when to step
    + [f"I{i}" for i in range(1, 4)]      # 8. symmetry breaking, nn.init, Linear's default
    + [f"N{i}" for i in range(1, 3)]      # 9. batch norm, layer norm
    + [f"R{i}" for i in range(1, 3)]      # 10. dropout, early stopping
    + [f"T{i}" for i in range(1, 3)]      # 11. the loop's pieces; what the lecture's loop lacks
    + [f"B{i}" for i in range(1, 3)]      # 12. notation and δ; output and hidden δ
    + [f"AD{i}" for i in range(1, 6)]     # 13. primal, tangents, adjoints, closed form and (2, 5), v̄₂ check
    + ["W1"]                              # 14. the four ways to differentiate
    + [f"Q{i}" for i in range(1, 15)]     # 15. quiz answers
    + [f"E{i}" for i in range(1, 30)]     # 16. errors and inconsistencies
    + [f"D{i}" for i in range(1, 9)]      # 17. dojo: layout, linear, logistic, sample_data, torch, P3, bonus, P4
    + [f"K{i}" for i in range(1, 5)]      # 18. Musk: facts, file format, group split, evaluation
)

def _rows():
    return [m.groupdict() for m in map(ROW.match, README.splitlines()) if m]


def _ids(concept: str) -> set[str]:
    return set(re.findall(r"\b(?:AD|[MALHGOSINRTBWQEDK])\d+\b", concept))


def _headings(name: str) -> list[str]:
    text = (TUTORIALS / name).read_text(encoding="utf-8")
    return [line.lstrip("# ").strip() for line in text.splitlines() if re.match(r"^# #{1,4} ", line)]


def test_the_item_list_has_every_curriculum_entry_once():
    assert len(CURRICULUM_ITEMS) == len(set(CURRICULUM_ITEMS)) == 106


def test_the_chapters_are_numbered_01_to_n_without_gaps():
    assert [f[:2] for f in FILES] == [f"{i:02d}" for i in range(1, len(FILES) + 1)]
    assert len(FILES) == 15


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


def test_every_curriculum_item_is_mapped_to_a_section():
    mapped = set().union(*(_ids(r["concept"]) for r in _rows()))
    unknown = mapped - set(CURRICULUM_ITEMS)
    assert not unknown, f"the README cites items that are not in the curriculum: {sorted(unknown)}"
    missing = set(CURRICULUM_ITEMS) - mapped
    assert not missing, f"curriculum items without a chapter section: {sorted(missing)}"


def test_every_row_names_at_least_one_item():
    for row in _rows():
        assert _ids(row["concept"]), f"a coverage row without an item ID: {row['concept'].strip()!r}"
