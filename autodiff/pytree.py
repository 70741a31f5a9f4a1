"""Nested containers of arrays ("pytrees", as JAX calls them): a model's parameters as a dict, a batch as a
tuple. :func:`flatten` lists the leaves (numbers, arrays, traced values) in a fixed order with a
description of the nesting; :func:`unflatten` puts leaves back into that nesting.

Tuples, lists and dicts are containers (a dict's leaves in its keys' order); anything else is a leaf.
"""

from __future__ import annotations

from typing import Any

import numpy as np

LEAF = None  # the description of a leaf


def flatten(tree) -> tuple[list, Any]:
    """``(leaves, structure)``; the structure is hashable and compares equal for equally nested trees."""
    if type(tree) is tuple:
        for x in tree:
            if type(x) in _CONTAINERS:
                break
        else:  # (arguments that are all leaves, the usual case of a call: no walk)
            return list(tree), ("tuple", (LEAF,) * len(tree))
    leaves: list = []
    return leaves, _flatten(tree, leaves)


_CONTAINERS = (tuple, list, dict)


def _flatten(tree, leaves: list):
    t = type(tree)
    if t is tuple or t is list:
        return (t.__name__, tuple(_flatten(x, leaves) for x in tree))
    if t is dict:
        return ("dict", tuple(tree), tuple(_flatten(x, leaves) for x in tree.values()))
    leaves.append(tree)
    return LEAF


def unflatten(structure, leaves) -> Any:
    """The tree described by ``structure`` with ``leaves`` in order (the inverse of :func:`flatten`)."""
    if structure is LEAF:
        return leaves[0]
    return _build(structure, iter(leaves))


def _build(structure, it):
    if structure is LEAF:
        return next(it)
    if structure[0] == "dict":
        return {k: _build(s, it) for k, s in zip(structure[1], structure[2])}
    items = [_build(s, it) for s in structure[1]]
    return tuple(items) if structure[0] == "tuple" else items


def is_container(arg) -> bool:
    """A dict, or a list or tuple holding arrays, traced values or containers: differentiated leaf by leaf (a
    list of plain numbers is one array, as everywhere in autodiff)."""
    from .primitives import Tracer

    if isinstance(arg, dict):
        return True
    return isinstance(arg, (list, tuple)) and any(
        isinstance(a, (np.ndarray, Tracer)) or is_container(a) for a in arg)


def leaf_names(tree, name: str) -> list[str]:
    """A label for each leaf: ``name`` itself for a leaf, ``name[key]`` inside a dict, ``name[i]`` inside a
    list or tuple."""
    t = type(tree)
    if t is dict:
        return [n for k, v in tree.items() for n in leaf_names(v, f"{name}[{k}]")]
    if t is tuple or t is list:
        return [n for i, v in enumerate(tree) for n in leaf_names(v, f"{name}[{i}]")]
    return [name]
