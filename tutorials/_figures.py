"""Where the tutorials put their figures, and how a notebook shows them.

Run as a script, a chapter writes its figures to ``out/tutorials/`` (beside this folder, whatever the
working directory); run as a notebook, it also displays each one inline.
"""

import sys
from pathlib import Path

import matplotlib.pyplot as plt

OUT = Path(__file__).resolve().parents[1] / "out" / "tutorials"
OUT.mkdir(parents=True, exist_ok=True)


def show(path) -> None:
    """In a notebook, display a saved picture (PNG or SVG); run as a script, do nothing."""
    if "ipykernel" in sys.modules:
        from IPython.display import SVG, Image, display

        display(SVG(filename=str(path)) if str(path).endswith(".svg") else Image(filename=str(path)))


def savefig(fig, name: str) -> None:
    """Write a figure to out/tutorials/, show it in a notebook, and free its memory."""
    fig.savefig(OUT / name, dpi=110)
    plt.close(fig)
    show(OUT / name)
