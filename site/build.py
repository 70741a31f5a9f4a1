"""Build the course's website into out/site (``make docs``): MkDocs with Material, mkdocs-jupyter and mkdocstrings.

1. The README becomes the home page; every Markdown file it links to (tutorials/README.md, …) comes along,
   with the images and files those pages link to. Links to a chapter's ``.py`` file point to its page.
2. ``tutorials/make_notebooks.py`` executes every chapter into a notebook (a chapter that raises stops the
   build). Cells tagged ``solution``, ``answer``, ``hide-cell`` or ``hide-input``, or collapsed in Jupyter
   (``jupyter.source_hidden``), become a closed ``<details>`` block: the reader opens it on demand.
3. Explorer pages (:mod:`autodiff.explorer`) for the course's example and two more traces.
4. An API reference from the docstrings (mkdocstrings).
5. ``mkdocs build --strict``: a broken internal link or a missing page fails the build.

Everything is local: no CDN (MathJax 3 comes from the ``django-static-mathjax`` package, which ships its
files; the theme's fonts are the system's), so the site reads offline, straight from disk (out/site/index.html).
"""

from __future__ import annotations

import argparse
import base64
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
COLLAPSE_TAGS = {"solution": "Solution", "answer": "Answer", "hide-cell": "Show the cell",
                 "hide-input": "Show the code"}
_LINK = re.compile(r"(!?\[[^\]]*\]\()([^)\s]+)(\))")
CHAPTER = re.compile(r"\d\d_\w+\.py")

EXPLORERS = [  # (file stem, title, builder)
    ("course", "The course's example: f(x₁, x₂) = x₁x₂ + exp(x₁x₂) − sin(x₂) at (1.5, 0.5)",
     lambda ad: ad.explore("x1*x2 + exp(x1*x2) - sin(x2)", 1.5, 0.5)),
    ("neuron", "One logistic neuron: σ(w₁x₁ + w₂x₂ + b)",
     lambda ad: ad.explore("sigmoid(w1*x1 + w2*x2 + b)", 0.5, 2.0, -1.0, 1.0, 0.2)),
    ("loss", "A Python function: the squared error of tanh(w·x + b) against a target",
     lambda ad: ad.explore(_squared_error, 0.8, -0.1)),
]


def _squared_error(w, b):
    import autodiff as ad

    y = ad.tanh(w * 1.5 + b)
    return (y - 0.5) ** 2


# --- pages from the repository's Markdown -------------------------------------------------------------
def _target(link: str) -> tuple[str, str]:
    path, _, anchor = link.partition("#")
    return path, anchor


def copy_markdown(src: Path, dest_rel: str, docs: Path, chapters: dict, done: set) -> None:
    """Copy ``src`` to ``docs/dest_rel`` with its relative links made to work in the site (recursively)."""
    if dest_rel in done:
        return
    done.add(dest_rel)
    text = src.read_text(encoding="utf-8")
    dest = docs / dest_rel

    def fix(m: re.Match) -> str:
        link = m.group(2)
        if re.match(r"[a-z]+:", link) or link.startswith("#"):
            return m.group(0)
        path, anchor = _target(link)
        target = (src.parent / path).resolve()
        if CHAPTER.fullmatch(target.name) and target.parent == ROOT / "tutorials" and target.stem in chapters:
            new = Path("chapters") / f"{target.stem}.ipynb"
        elif not target.is_relative_to(ROOT) or not target.exists():
            raise SystemExit(f"{src.relative_to(ROOT)}: the link {link!r} points to nothing in the repository")
        else:
            new = target.relative_to(ROOT)
            if target.suffix == ".md":
                copy_markdown(target, "index.md" if target == ROOT / "README.md" else str(new), docs, chapters, done)
            elif target.is_file():
                (docs / new).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(target, docs / new)
            else:
                raise SystemExit(f"{src.relative_to(ROOT)}: the link {link!r} is a folder, not a page")
            if target == ROOT / "README.md":
                new = Path("index.md")
        rel = Path(_relpath(new, Path(dest_rel).parent))
        return m.group(1) + rel.as_posix() + (f"#{anchor}" if anchor else "") + m.group(3)

    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(_LINK.sub(fix, text), encoding="utf-8")


def _relpath(path: Path, start: Path) -> str:
    return os.path.relpath(path.as_posix(), start.as_posix() or ".")


# --- chapters ---------------------------------------------------------------------------------------------
def execute_chapters(target: Path) -> None:
    """Run tutorials/make_notebooks.py (the ``make notebooks`` step) into ``target``."""
    spec = importlib.util.spec_from_file_location("make_notebooks", ROOT / "tutorials" / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(str(target.relative_to(ROOT)))


def _collapse_reason(cell: dict) -> str | None:
    metadata = cell.get("metadata", {})
    for tag, summary in COLLAPSE_TAGS.items():
        if tag in metadata.get("tags", []):
            return summary
    if metadata.get("jupyter", {}).get("source_hidden"):
        return "Show the code"
    return None


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


def _one_line(s: str) -> str:
    """HTML on one line (a blank line would end the Markdown HTML block it sits in)."""
    return s.replace("\r", "").replace("\n", "&#10;")


def _outputs_html(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            parts.append(f'<pre class="solution-output">{_one_line(html.escape(_text(out["text"])))}</pre>')
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "image/png" in data:
                png = "".join(_text(data["image/png"]).split())
                parts.append(f'<img alt="output" src="data:image/png;base64,{png}">')
            elif "image/svg+xml" in data:
                svg = base64.b64encode(_text(data["image/svg+xml"]).encode("utf-8")).decode("ascii")
                parts.append(f'<img alt="output" src="data:image/svg+xml;base64,{svg}">')
            elif "text/plain" in data:
                parts.append(f'<pre class="solution-output">{_one_line(html.escape(_text(data["text/plain"])))}</pre>')
        elif kind == "error":
            parts.append(f'<pre class="solution-output">{html.escape(out.get("ename", ""))}: '
                         f'{_one_line(html.escape(out.get("evalue", "")))}</pre>')
    return "".join(parts)


def collapsed_cell(cell: dict) -> dict | None:
    """A collapsible cell as one Markdown cell holding a closed ``<details>`` block (None: not collapsible)."""
    summary = _collapse_reason(cell)
    if summary is None:
        return None
    source = _text(cell.get("source", ""))
    if cell.get("cell_type") == "code":
        body = f'<pre class="solution-code"><code>{_one_line(html.escape(source))}</code></pre>' + _outputs_html(cell)
    else:
        import markdown  # (a dependency of MkDocs)

        body = _one_line(markdown.markdown(source, extensions=["tables", "fenced_code"]))
    return {"cell_type": "markdown", "metadata": {},
            "source": f'<details class="solution"><summary>{html.escape(summary)}</summary>{body}</details>'}


def collapse_solutions(notebook_path: Path) -> int:
    """Turn every collapsible cell of a notebook into a closed ``<details>`` block; returns how many."""
    nb = json.loads(notebook_path.read_text(encoding="utf-8"))
    count = 0
    for i, cell in enumerate(nb["cells"]):
        new = collapsed_cell(cell)
        if new is not None:
            if "id" in cell:
                new["id"] = cell["id"]
            nb["cells"][i] = new
            count += 1
    notebook_path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return count


# --- the rest -------------------------------------------------------------------------------------------------
def write_explorers(docs: Path) -> list[tuple[str, str]]:
    import autodiff as ad

    pages = []
    for stem, title, build in EXPLORERS:
        explorer = build(ad)
        explorer.title = title
        explorer.save(docs / "explorer" / f"{stem}.html")
        pages.append((stem, title))
    lines = ["# Step through a derivative", "",
             "Each page below is one self-contained file: the computation graph, the primal, tangent and adjoint "
             "tables, and controls to step through forward mode (one sweep per seeded input) and reverse mode "
             "(one sweep for the whole gradient). Keys: ← → step, space plays, Home/End jump. Make your own with "
             "`autodiff \"EXPR\" --at x=… --html page.html`, `ad.explore(f, *args).save(path)` or "
             "`trace.to_html(path)`; in Jupyter a trace shows as its explorer.", ""]
    lines += [f"- [{title}](explorer/{stem}.html)" for stem, title in pages]
    lines += ["", "![The explorer in reverse mode](docs/explorer.png)" if (ROOT / "docs" / "explorer.png").exists()
              else ""]
    (docs / "explorer.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if (ROOT / "docs" / "explorer.png").exists():
        (docs / "docs").mkdir(exist_ok=True)
        shutil.copy2(ROOT / "docs" / "explorer.png", docs / "docs" / "explorer.png")
    return pages


API = {
    "autodiff": ["autodiff", "autodiff.transforms", "autodiff.staging", "autodiff.staging.jitted",
                 "autodiff.staging.program", "autodiff.staging.tracer", "autodiff.staging.passes",
                 "autodiff.staging.runner", "autodiff.pytree", "autodiff.trace", "autodiff.primitives.core",
                 "autodiff.primitives.indicators", "autodiff.reverse", "autodiff.forward", "autodiff.fast",
                 "autodiff.allocator", "autodiff.explorer", "autodiff.tables", "autodiff.render", "autodiff.parse",
                 "autodiff.compare", "autodiff.numeric", "autodiff.symbolic"],
    "nets": ["nets", "nets.nn", "nets.optim", "nets.data", "nets.func", "nets.train", "nets.metrics"],
}


def write_api(docs: Path) -> list:
    nav = []
    for package, modules in API.items():
        lines = [f"# API reference: `{package}`", "",
                 "Generated from the docstrings. Each section is one module.", ""]
        for module in modules:
            if importlib.util.find_spec(module) is None:
                continue  # a module that a later change removed
            lines += [f"## `{module}`", "", f"::: {module}", "    options:", "      heading_level: 3", ""]
        (docs / "api").mkdir(exist_ok=True)
        (docs / "api" / f"{package}.md").write_text("\n".join(lines), encoding="utf-8")
        nav.append({package: f"api/{package}.md"})
    return nav


def _md_title(page: Path) -> str:
    m = re.search(r"^#\s+(.+)$", page.read_text(encoding="utf-8"), re.M)
    return m.group(1).strip() if m else page.stem


def _title(notebook: Path) -> str:
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+)$", _text(cell["source"]), re.M)
            if m:
                return m.group(1).strip()
    return notebook.stem


def build(out: Path, chapters_only: list[str] | None = None) -> Path:
    started = time.perf_counter()
    work = out.parent / (out.name + "-src")
    docs = work / "docs"
    shutil.rmtree(work, ignore_errors=True)
    docs.mkdir(parents=True)
    notebooks = docs / "chapters"
    if chapters_only is None:
        execute_chapters(notebooks)
    else:  # for a quick look: only the named chapters
        notebooks.mkdir()
        import jupytext
        from nbclient import NotebookClient

        paths = [str(ROOT / "tutorials"), os.environ.get("PYTHONPATH")]  # as make_notebooks.py sets it
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
        for stem in chapters_only:
            nb = jupytext.read(ROOT / "tutorials" / f"{stem}.py")
            NotebookClient(nb, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": str(ROOT)}}).execute()
            jupytext.write(nb, notebooks / f"{stem}.ipynb")
    chapters = {p.stem: p for p in sorted(notebooks.glob("*.ipynb"))}
    collapsed = sum(collapse_solutions(p) for p in chapters.values())
    copy_markdown(ROOT / "README.md", "index.md", docs, chapters, set())
    (docs / "assets").mkdir(exist_ok=True)
    shutil.copy2(HERE / "extra.css", docs / "assets" / "extra.css")
    _copy_mathjax(docs / "assets")
    write_explorers(docs)
    import yaml  # (a dependency of MkDocs)

    config = yaml.safe_load((HERE / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(docs)
    config["site_dir"] = str(out)
    tutorials = [{_title(p): f"chapters/{stem}.ipynb"} for stem, p in chapters.items()]
    if (docs / "tutorials" / "README.md").exists():
        tutorials.insert(0, {"Overview": "tutorials/README.md"})
    api = write_api(docs)
    listed = {"index.md", "explorer.md", "tutorials/README.md"}
    more = [{_md_title(p): p.relative_to(docs).as_posix()} for p in sorted(docs.rglob("*.md"))
            if p.relative_to(docs).as_posix() not in listed and not p.is_relative_to(docs / "api")]
    config["nav"] = [{"Home": "index.md"}, {"Tutorials": tutorials}, {"Explorer": "explorer.md"},
                     {"API reference": api}] + ([{"More": more}] if more else [])
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocs-jupyter" in plugin:  # chapters/NN.html → assets/
            plugin["mkdocs-jupyter"]["custom_mathjax_url"] = \
                "../assets/mathjax-loader.js"
    config_path = work / "mkdocs.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config_path)],
                          cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if done.returncode != 0:
        raise SystemExit(f"mkdocs build failed (status {done.returncode}); see the messages above")
    print(f"built {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/index.html: {len(chapters)} chapters "
          f"({collapsed} collapsed cells), {len(EXPLORERS)} explorer pages, in {time.perf_counter() - started:.0f} s")
    return out


def _copy_mathjax(assets: Path) -> None:
    """MathJax 3 (tex-svg.js, one file) from the django-static-mathjax package, and its loader: no CDN."""
    import mathjax

    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg.js"
    (assets / "mathjax").mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, assets / "mathjax" / "tex-svg.js")
    shutil.copy2(HERE / "mathjax-loader.js", assets / "mathjax-loader.js")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "out" / "site"), help="the site's folder (default out/site)")
    p.add_argument("--chapters", nargs="+", metavar="STEM", help="only these chapters (a quick look)")
    args = p.parse_args(argv)
    build(Path(args.out).resolve(), args.chapters)


if __name__ == "__main__":
    main()
