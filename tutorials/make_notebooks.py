"""Convert every tutorial (Jupytext percent format) to an executed notebook: ``make notebooks``.

Two kinds of cells are hidden until the reader opens them:

* ``tags=["solution"]`` — an exercise's solution. The chapter's cell only imports and checks the solution
  from ``tutorials/solutions/``; in the notebook it becomes the solution's own code (the function, the
  imports and data it uses, then the check), with its source and output collapsed.
* ``tags=["answer"]`` — a quiz answer. Markdown goes inside ``<details>`` (a click reveals it, in Jupyter
  and on GitHub alike); code cells are collapsed, source and output.
"""

import ast
import importlib
import inspect
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_CELL = re.compile(r"^from solutions\.(?P<module>ch\d\d) import check_(?P<n>\d+), exercise_(?P=n)\b")


def _used_globals(fn) -> set[str]:
    names, stack = set(), [fn.__code__]
    while stack:
        code = stack.pop()
        names.update(code.co_names)
        stack.extend(c for c in code.co_consts if inspect.iscode(c))
    return {n for n in names & set(fn.__globals__) if not n.startswith("__")}


def solution_source(module_name: str, n: int) -> str:
    """The code of exercise ``n`` of ``solutions.<module_name>``, runnable on its own, then its check.

    Helper functions of the module that the solution calls are written out before it; the module's
    imports it needs are repeated; its data (constants) are imported from the module.
    """
    if str(ROOT / "tutorials") not in sys.path:
        sys.path.insert(0, str(ROOT / "tutorials"))
    module = importlib.import_module(f"solutions.{module_name}")
    fn = getattr(module, f"exercise_{n}")
    helpers, used, todo = [], set(), [fn]
    while todo:                                     # the solution, and the module's functions it calls
        f = todo.pop()
        for name in _used_globals(f) - used:
            used.add(name)
            obj = module.__dict__[name]
            if inspect.isfunction(obj) and obj.__module__ == module.__name__:
                helpers.insert(0, obj)
                todo.append(obj)
    helper_names = {h.__name__ for h in helpers}
    imports = []
    for node in ast.parse(inspect.getsource(module)).body:        # the module's own imports that are needed
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound = {(a.asname or a.name).split(".")[0] for a in node.names}
            if bound & used:
                imports.append(ast.unparse(node))
    data = sorted(n_ for n_ in used - helper_names if not inspect.ismodule(module.__dict__[n_])
                  and not any(n_ in line.replace(",", " ").split() for line in imports))
    lines = imports + [f"from solutions.{module_name} import check_{n}" + "".join(f", {d}" for d in data)]
    bodies = [inspect.getsource(h).rstrip() for h in helpers] + [inspect.getsource(fn).rstrip()]
    return "\n".join(lines) + "\n\n\n" + "\n\n\n".join(bodies) + f"\n\n\ncheck_{n}(exercise_{n}())\n"


def _hide(cell) -> None:
    jupyter = cell.metadata.setdefault("jupyter", {})
    jupyter["source_hidden"] = True
    jupyter["outputs_hidden"] = True
    cell.metadata["collapsed"] = True


def prepare(notebook):
    """Collapse the solutions (with their code inlined) and hide the quiz answers; returns the notebook."""
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if "solution" in tags and cell.cell_type == "code":
            m = SOLUTION_CELL.match(cell.source)
            if m:
                cell.source = solution_source(m["module"], int(m["n"]))
            _hide(cell)
        elif "answer" in tags or "solution" in tags:
            if cell.cell_type == "markdown":
                label = "Answer" if "answer" in tags else "Solution"
                summary = f"<summary><b>{label}</b> (click to open)</summary>"
                cell.source = f"<details>{summary}\n\n{cell.source}\n\n</details>"
            else:
                _hide(cell)
    return notebook


def main(out_dir: str = "out/notebooks") -> None:
    import jupytext
    from nbclient import NotebookClient

    out = ROOT / out_dir
    out.mkdir(parents=True, exist_ok=True)
    # The kernels run from the repository root; the chapters import tutorials/_figures.py and solutions/.
    tutorials = str(ROOT / "tutorials")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (tutorials, os.environ.get("PYTHONPATH")) if p)
    for script in sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py")):
        notebook = prepare(jupytext.read(script))
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT)}}).execute()
        target = out / f"{script.stem}.ipynb"
        jupytext.write(notebook, target)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


if __name__ == "__main__":
    main(*sys.argv[1:])
