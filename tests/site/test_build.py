"""site/build.py without building: solutions collapse into closed <details>, links are made to work in the
site, and a link to nothing stops the build with the file and the link named."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("site_build", ROOT / "site" / "build.py")
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)


def _notebook(tmp_path: Path, cells: list) -> Path:
    path = tmp_path / "chapter.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_solution_cells_collapse_with_their_outputs_and_others_stay(tmp_path):
    code = {"cell_type": "code", "metadata": {"tags": ["solution"]}, "execution_count": 1,
            "source": "def f(x):\n\n    return x * x  # <answer>\nprint(f(3))",
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "9\n"},
                        {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0K\nGgo="}}]}
    hidden = {"cell_type": "code", "metadata": {"jupyter": {"source_hidden": True}}, "source": "x = 1",
              "outputs": [], "execution_count": 2}
    plain = {"cell_type": "code", "metadata": {}, "source": "y = 2", "outputs": [], "execution_count": 3}
    path = _notebook(tmp_path, [code, hidden, plain])
    assert build.collapse_solutions(path) == 2
    cells = json.loads(path.read_text())["cells"]
    first = cells[0]["source"]
    assert cells[0]["cell_type"] == "markdown" and first.startswith('<details class="solution"><summary>Solution')
    assert "\n" not in first  # one HTML block: a blank line would end it in Markdown
    assert "return x * x  # &lt;answer&gt;" in first and ">9&#10;</pre>" in first
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in first
    assert "<summary>Show the code</summary>" in cells[1]["source"]
    assert cells[2] == plain


def test_a_markdown_answer_collapses_rendered(tmp_path):
    pytest.importorskip("markdown", reason="the markdown package comes with the docs extra (MkDocs)")
    path = _notebook(tmp_path, [{"cell_type": "markdown", "metadata": {"tags": ["answer"]},
                                 "source": "**Reverse mode**: one sweep.\n\nSecond paragraph."}])
    assert build.collapse_solutions(path) == 1
    source = json.loads(path.read_text())["cells"][0]["source"]
    assert source.startswith("<details class=\"solution\"><summary>Answer</summary><p><strong>Reverse mode")
    assert "\n" not in source


def test_links_point_into_the_site_and_a_broken_one_stops_the_build(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "tutorials").mkdir(parents=True)
    (repo / "docs").mkdir()
    (repo / "docs" / "figure.png").write_bytes(b"png")
    (repo / "tutorials" / "01_intro.py").write_text("# %%\n")
    (repo / "tutorials" / "README.md").write_text("See [the chapter](01_intro.py) and [home](../README.md#top).\n")
    (repo / "README.md").write_text("[Guide](tutorials/README.md), ![fig](docs/figure.png), "
                                    "[chapter](tutorials/01_intro.py), [web](https://example.org)\n")
    monkeypatch.setattr(build, "ROOT", repo)
    docs = tmp_path / "docs"
    build.copy_markdown(repo / "README.md", "index.md", docs, {"01_intro": None}, set())
    assert (docs / "index.md").read_text() == ("[Guide](tutorials/README.md), ![fig](docs/figure.png), "
                                               "[chapter](chapters/01_intro.ipynb), [web](https://example.org)\n")
    assert (docs / "tutorials" / "README.md").read_text() == \
        "See [the chapter](../chapters/01_intro.ipynb) and [home](../index.md#top).\n"
    assert (docs / "docs" / "figure.png").read_bytes() == b"png"

    (repo / "README.md").write_text("[gone](CURRICULUM.md)\n")
    with pytest.raises(SystemExit, match=r"README.md: the link 'CURRICULUM.md' points to nothing"):
        build.copy_markdown(repo / "README.md", "index.md", tmp_path / "docs2", {}, set())
