"""Convert every tutorial (Jupytext percent format) to an executed notebook: ``make notebooks``."""

import os
import sys
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def main(out_dir: str = "out/notebooks") -> None:
    out = ROOT / out_dir
    out.mkdir(parents=True, exist_ok=True)
    # The kernels run from the repository root; the chapters import tutorials/_figures.py.
    tutorials = str(ROOT / "tutorials")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (tutorials, os.environ.get("PYTHONPATH")) if p)
    for script in sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.py")):
        notebook = jupytext.read(script)
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT)}}).execute()
        target = out / f"{script.stem}.ipynb"
        jupytext.write(notebook, target)
        print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


if __name__ == "__main__":
    main(*sys.argv[1:])
