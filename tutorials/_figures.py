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
    fig.savefig(OUT / name, dpi=110, bbox_inches="tight")   # "tight": no label is ever cut off
    plt.close(fig)
    show(OUT / name)


def _layers(trace):
    """x = the variable's level (inputs at 0), y spread within the level: a left-to-right layout."""
    level = {}
    for v in trace.nodes:
        parents = [p for p in v.parents if hasattr(p, "name")]
        level[v.name] = 0 if not parents else 1 + max(level[p.name] for p in parents)
    by_level = {}
    for v in trace.nodes:
        by_level.setdefault(level[v.name], []).append(v.name)
    pos = {}
    for x, names in by_level.items():
        for k, name in enumerate(names):
            pos[name] = (2.2 * x, (len(names) - 1) / 2 - k)
    return pos


def reverse_sweep_frames(trace, name: str, partial) -> list[dict]:
    """Draw the reverse sweep of a scalar trace step by step; return the contributions, in sweep order.

    Each panel is one step: the variable vⱼ whose adjoint is now complete sends, along every edge to a
    parent vᵢ, the contribution v̄ⱼ·∂vⱼ/∂vᵢ (a red arrow pointing *backwards*, from child to parent, with
    that product written on it). Grey lines are the forward graph; edges already used stay dark red.
    A node shows the sum of what it has received so far, and turns green once it is complete.
    ``partial(v, k)`` gives the number ∂v/∂(its k-th parent).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    pos = _layers(trace)
    order = [v for v in reversed(trace.nodes)]
    adj = {v.name: 0.0 for v in trace.nodes}
    adj[order[0].name] = 1.0
    done, used, contributions = {order[0].name}, [], []
    ncol = 2
    nrow = -(-(len(order) + 1) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(7.0 * ncol, 3.4 * nrow))
    axes = axes.ravel()
    for step, v in enumerate(order):
        ax = axes[step]
        current = []
        if step > 0 or v.parents:
            for k, p in enumerate(v.parents):
                if not hasattr(p, "name"):
                    continue
                d = float(partial(v, k))
                c = adj[v.name] * d
                adj[p.name] += c
                current.append((v.name, p.name, adj[v.name], d, c))
                contributions.append({"from": v.name, "to": p.name, "adjoint": adj[v.name], "partial": d,
                                      "contribution": c})
        done.add(v.name)
        for w in trace.nodes:                      # the forward graph, faint
            for p in w.parents:
                if hasattr(p, "name"):
                    (x0, y0), (x1, y1) = pos[p.name], pos[w.name]
                    ax.plot([x0, x1], [y0, y1], color="0.82", lw=1.2, zorder=1)
        for j, i, *_ in used:                      # earlier steps' messages
            ax.add_patch(FancyArrowPatch(pos[j], pos[i], arrowstyle="-|>", mutation_scale=12, color="#a33",
                                         alpha=0.35, lw=1.2, shrinkA=22, shrinkB=22, zorder=2))
        for j, i, a, d, c in current:              # this step's messages, labelled
            ax.add_patch(FancyArrowPatch(pos[j], pos[i], arrowstyle="-|>", mutation_scale=16, color="#c00",
                                         lw=2.2, shrinkA=22, shrinkB=22, zorder=3))
            (x0, y0), (x1, y1) = pos[j], pos[i]
            lift = 0.2 if abs(y1 - y0) < 1e-9 else 0.0       # above a horizontal edge, clear of the nodes
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + lift, f"v̄{j[1:]}·∂{j}/∂{i} = {a:.4g}·{d:.4g} = {c:.4g}",
                    ha="center", va="center", fontsize=7.5, color="#900", zorder=5,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="#c00", lw=0.6))
        used.extend(current)
        for w in trace.nodes:
            x, y = pos[w.name]
            complete = all(c.name in done for c in trace.nodes if any(getattr(p, "name", None) == w.name
                                                                        for p in c.parents)) and (
                w.name in done or any(u[1] == w.name for u in used))
            face = "#cdeccd" if complete else ("#fff3c4" if adj[w.name] else "white")
            ax.text(x, y, f"{w.name}\nv̄{w.name[1:]} = {adj[w.name]:.4g}" if (w.name in done or adj[w.name])
                    else f"{w.name}\nv̄{w.name[1:]} = ?", ha="center", va="center", fontsize=8.5, zorder=6,
                    bbox=dict(boxstyle="round,pad=0.35", fc=face, ec="#333" if w.name != v.name else "#c00",
                              lw=1.8 if w.name == v.name else 0.8))
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
        ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
        ax.set_axis_off()
        title = (f"step {step + 1}: seed v̄{v.name[1:]} = 1, send it back" if step == 0 else
                 f"step {step + 1}: v̄{v.name[1:]} is complete" + (", sends it back" if current else " (an input)"))
        ax.set_title(title, fontsize=10)
    for ax in axes[len(order):]:
        ax.set_axis_off()
    handles = [Line2D([], [], color="0.82", lw=1.5, label="forward edge vᵢ → vⱼ"),
               Line2D([], [], color="#c00", lw=2.2, marker=">", label="this step: v̄ⱼ·∂vⱼ/∂vᵢ sent back to vᵢ"),
               Line2D([], [], color="#a33", alpha=0.35, lw=1.2, marker=">", label="sent in an earlier step"),
               Line2D([], [], color="none", marker="s", markerfacecolor="#cdeccd", markeredgecolor="#333",
                      ms=10, label="adjoint complete"),
               Line2D([], [], color="none", marker="s", markerfacecolor="#fff3c4", markeredgecolor="#333",
                      ms=10, label="partly summed")]
    axes[-1].legend(handles=handles, loc="center", fontsize=9, frameon=False, title="reading the frames")
    fig.suptitle("Reverse sweep: each adjoint flows backwards along the edges, one term v̄ⱼ·∂vⱼ/∂vᵢ per edge",
                 fontsize=12)
    fig.tight_layout()
    savefig(fig, name)
    return contributions
