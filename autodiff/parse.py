"""Expression text → a function of its variables, safely: Python's ``ast`` and a whitelist, never ``eval``.

>>> f = parse("x1*x2 + exp(x1*x2) - sin(x2)")
>>> f.variables
('x1', 'x2')
>>> trace(f, 1.5, 0.5)          # 7 variables: x1*x2 is one node (common subexpressions are shared)

Allowed: numbers, variable names, ``+ - * / **``, unary ``-`` and ``+``, parentheses, the constants ``pi``
and ``e`` (unless they are made variables), calls of the registry's functions (:data:`FUNCTIONS`, with
``ln`` for ``log``) and of :data:`COMPOSITES` (``log10``, ``sinh``, ``cosh``), which are traced as the
operations they are made of. Everything else — attributes, indexing, other
calls, keywords, lambdas, comprehensions, strings, comparisons, names starting with ``_`` — raises
:class:`ParseError` with the position of the offending part. Length and bracket depth are checked before
the text reaches ``ast.parse``, and the tree is walked without recursion, so no input can exhaust the stack.

Operations are numbered level by level, the way the course numbers its traces: every operation on the
inputs alone first, then those one step further, and so on (ties in order of appearance). A run of
``+`` and ``-`` is summed the way the course sums it too: the two terms that are ready first are combined
first, so ``x1*x2 + exp(x1*x2) - sin(x2)`` gives the course's v6 = v3 - v4 and v7 = v5 + v6. With
``order="python"`` the operations follow Python's own left-to-right evaluation, with no regrouping.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import warnings
from collections.abc import Sequence

from .primitives import REGISTRY, bind

MAX_LENGTH = 2000
_IDENTIFIER = re.compile(r"[^\W\d_]\w*")
MAX_DEPTH = 64  # brackets and chained unary signs

# The registry's elementary functions (those declared in primitives/elementwise.py) that text may call;
# operators are written + − * / ** and unary −, and `where` needs a condition, which text cannot give.
_OPERATORS = {"add", "sub", "mul", "div", "neg", "where"}
FUNCTIONS: dict[str, str] = {name: name for name, p in REGISTRY.items()
                             if p.elementwise and name not in _OPERATORS
                             and getattr(p.impl, "__module__", "") == "autodiff.primitives.elementwise"}
FUNCTIONS.update({"sigma": "sigmoid", "max": "maximum", "min": "minimum"} if "maximum" in REGISTRY else {})
FUNCTIONS["ln"] = "log"
#: Functions that students type and the registry has no primitive for: each call is traced as the
#: operations of its definition (the argument is computed once), e.g. sinh(a) = (exp(a) − exp(−a))/2.
COMPOSITES = ("log10", "sinh", "cosh")
CONSTANTS = {"pi": math.pi, "e": math.e}

_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_UNARY = {ast.USub: "neg", ast.UAdd: None}
_SYMBOL = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
           ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~", ast.Not: "not"}
_WHAT = {ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "lambda",
         ast.ListComp: "a comprehension", ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
         ast.GeneratorExp: "a generator expression", ast.Compare: "a comparison", ast.BoolOp: "and/or",
         ast.IfExp: "a conditional expression", ast.List: "a list", ast.Tuple: "a tuple", ast.Dict: "a dict",
         ast.Set: "a set", ast.Starred: "unpacking", ast.NamedExpr: "assignment (:=)",
         ast.JoinedStr: "an f-string", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
         ast.Slice: "a slice", ast.FormattedValue: "an f-string"}
_ALLOWED_SYNTAX = "numbers, variables, + - * / **, parentheses and functions such as exp(…)"


class ParseError(ValueError):
    """Text that is not an allowed expression; ``position`` is the 0-based index of the problem."""

    def __init__(self, message: str, position: int | None = None, text: str | None = None):
        self.message = message
        self.position = position
        self.text = text
        where = "" if position is None else f" (at column {position + 1})"
        super().__init__(message + where)

    def pointer(self) -> str:
        """The text with a caret under the problem (for a terminal)."""
        if self.text is None or self.position is None or "\n" in self.text or len(self.text) > 200:
            return str(self)
        return f"{self.text}\n{' ' * self.position}^ {self.message}"


def _precheck(text) -> None:
    if not isinstance(text, str):
        raise ParseError(f"an expression must be a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}", MAX_LENGTH, None)
    if not text.strip():
        raise ParseError("the expression is empty", 0, text)
    depth = signs = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(f"brackets are nested more than {MAX_DEPTH} deep", i, text)
        elif ch in ")]}":
            depth = max(depth - 1, 0)
        if ch in "+-~":
            signs += 1
            if signs > MAX_DEPTH:
                raise ParseError(f"more than {MAX_DEPTH} signs in a row", i, text)
        elif not ch.isspace():
            signs = 0
        if ch == "\x00":
            raise ParseError("the expression contains a NUL character", i, text)


def _position(text: str, node) -> int | None:
    """0-based character index of an AST node (``col_offset`` counts UTF-8 bytes)."""
    lineno, col = getattr(node, "lineno", None), getattr(node, "col_offset", None)
    if lineno is None or col is None:
        return None
    lines = text.splitlines(keepends=True) or [""]
    start = sum(len(line) for line in lines[: lineno - 1])
    line = lines[lineno - 1] if lineno - 1 < len(lines) else ""
    return start + len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))


def _syntax_position(text: str, e: SyntaxError) -> int | None:
    if e.lineno is None or e.offset is None:
        return None
    lines = text.splitlines(keepends=True) or [""]
    return min(sum(len(line) for line in lines[: e.lineno - 1]) + max(e.offset - 1, 0), len(text))


def _check(tree: ast.AST, text: str, variables: Sequence[str] | None, constants: dict) -> None:
    """Raise ParseError at the first (leftmost) node outside the whitelist."""
    problems = []
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if id(node) in called and isinstance(node, ast.Name):
            continue  # the function's name in a call is checked with the call
        msg = _problem(node, variables, constants)
        if msg:
            problems.append((_position(text, node) or 0, msg))
    if problems:
        pos, msg = min(problems, key=lambda p: p[0])
        raise ParseError(msg, pos, text)


def _problem(node: ast.AST, variables, constants) -> str | None:
    t = type(node)
    if t in (ast.Expression, ast.Load) or t in _BINOPS or t in _UNARY:
        return None
    if t is ast.BinOp:
        if type(node.op) is ast.BitXor:  # what students type for a power
            return "the operator ^ is not allowed; use ** for powers (x**2, not x^2)"
        return None if type(node.op) in _BINOPS else f"the operator {_SYMBOL.get(type(node.op), '?')} is not allowed"
    if t is ast.UnaryOp:
        return None if type(node.op) in _UNARY else f"the operator {_SYMBOL.get(type(node.op), '?')} is not allowed"
    if t is ast.Constant:
        v = node.value
        if isinstance(v, bool) or v is None or v is Ellipsis:
            return f"{v!r} is not a number"
        if isinstance(v, (str, bytes)):
            return "strings are not allowed"
        if isinstance(v, complex):
            return "complex numbers are not allowed"
        if isinstance(v, int) and v.bit_length() > 1000:
            return "the number is too large"
        return None
    if t is ast.Name:
        n = node.id
        if n.startswith("_"):
            return f"names starting with '_' are not allowed ({n})"
        if not _IDENTIFIER.fullmatch(n):
            return f"{n!r} is not a variable name (letters, digits and _, starting with a letter)"
        if n in FUNCTIONS or n in COMPOSITES:
            return f"{n} is a function; call it as {n}(…)"
        if n in constants:
            return None
        if variables is not None and n not in variables:
            return f"unknown variable {n!r}; the variables are {', '.join(variables) or 'none'}"
        return None
    if t is ast.Call:
        if not isinstance(node.func, ast.Name):
            return f"only calls of the functions {', '.join(sorted(FUNCTIONS))} are allowed"
        fname = node.func.id
        if fname not in FUNCTIONS and fname not in COMPOSITES:
            return f"unknown function {fname!r}; known: {', '.join(sorted([*FUNCTIONS, *COMPOSITES]))}"
        if node.keywords:
            return f"{fname}() takes no keyword arguments"
        arity = REGISTRY[FUNCTIONS[fname]].arity if fname in FUNCTIONS else 1
        if any(isinstance(a, ast.Starred) for a in node.args):
            return "unpacking (*) is not allowed"
        if len(node.args) != arity:
            return f"{fname}() takes {arity} argument{'s' if arity != 1 else ''}, got {len(node.args)}"
        return None
    return f"{_WHAT.get(t, t.__name__)} is not allowed; use {_ALLOWED_SYNTAX}"


def _children(node: ast.AST) -> list:
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


class ParsedFunction:
    """A function of the expression's variables (positional, in ``variables`` order, or by keyword).

    ``ops`` lists the operations in evaluation order as ``(primitive name, operand slots)``; a slot is
    ``("var", i)``, ``("const", value)`` or ``("op", j)`` (the result of an earlier operation).
    """

    def __init__(self, text: str, variables: tuple[str, ...], ops: list, root, cse: bool, order: str):
        self.text = text
        self.variables = variables
        self.ops = ops
        self.root = root
        self.cse = cse
        self.order = order
        self.__name__ = "f"
        self.__qualname__ = "f"
        self.__signature__ = inspect.Signature(
            [inspect.Parameter(v, inspect.Parameter.POSITIONAL_OR_KEYWORD) for v in variables])

    def __call__(self, *args, **kwargs):
        values = self.__signature__.bind(*args, **kwargs)
        xs = [values.arguments[v] for v in self.variables]
        results: list = []
        for prim, slots in self.ops:
            operands = [xs[k] if kind == "var" else results[k] if kind == "op" else k for kind, k in slots]
            results.append(bind(REGISTRY[prim], *operands))
        kind, k = self.root
        return xs[k] if kind == "var" else results[k] if kind == "op" else k

    def __repr__(self) -> str:
        return f"parse({self.text!r}) -> f({', '.join(self.variables)})"


def parse(text: str, variables: Sequence[str] | None = None, cse: bool = True,
          order: str = "level", constants: Sequence[str] | None = None) -> ParsedFunction:
    """A function of the free variables of ``text`` (in order of first appearance, or ``variables``).

    ``cse`` shares repeated subexpressions (``x1*x2`` twice is one node); ``order`` is ``"level"`` (the
    course's numbering) or ``"python"`` (left-to-right evaluation). ``constants`` names the constants
    of :data:`CONSTANTS` that stay constants (default all; a name left out, such as ``e``, is a variable
    like any other). Raises :class:`ParseError`.
    """
    if order not in ("level", "python"):
        raise ValueError(f"order must be 'level' or 'python', got {order!r}")
    if constants is None:
        consts = dict(CONSTANTS)
    else:
        unknown = [c for c in constants if c not in CONSTANTS]
        if unknown:
            raise ValueError(f"unknown constants {', '.join(map(repr, unknown))}; known: {', '.join(CONSTANTS)}")
        consts = {c: CONSTANTS[c] for c in constants}
    if variables is not None:
        variables = tuple(variables)
        for v in variables:
            if not isinstance(v, str) or not _IDENTIFIER.fullmatch(v) or v in FUNCTIONS \
                    or v in COMPOSITES or v in consts:
                raise ParseError(f"{v!r} cannot be a variable name")
        if len(set(variables)) != len(variables):
            raise ParseError(f"variables are listed twice: {', '.join(variables)}")
    _precheck(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        msg = "invalid syntax" if e.msg in ("invalid syntax", None) else f"invalid syntax: {e.msg}"
        raise ParseError(msg, _syntax_position(text.strip(), e), text) from None
    except (RecursionError, MemoryError, ValueError, OverflowError) as e:
        raise ParseError(f"the expression cannot be read ({type(e).__name__})", None, text) from None
    text_ = text.strip()
    _check(tree, text_, variables, consts)
    if order == "level" and variables is None:  # in order of first appearance in the text, fixed first
        variables = _names_in_order(tree.body, consts)
    _expand_composites(tree)  # (from here on the tree may share subtrees: walks visit each node once)
    if order == "level":
        tree = ast.Expression(body=_regroup_sums(tree.body))
    return _compile(tree, text_, variables, cse, order, consts)


def _regroup_sums(root: ast.AST) -> ast.AST:
    """Rewrite every run of ``+``/``-`` so that the terms ready first (lowest level) are combined first.

    A run a + b - c is a list of signed terms; two terms at a time are joined, always the two with the
    lowest level (ties in order of appearance), and the sum is a new term one level up, after the others.
    The leading term of a run is positive, and joining keeps a positive term, so the result never needs
    a negation. A name or a number is level 0; an operation is one more than its deepest operand.
    """
    level: dict[int, int] = {}
    rebuilt: dict[int, ast.AST] = {}
    keep: list = []  # every node made here stays alive, so that no id() in `level` is ever reused
    inner = set()    # the left operand of a + or -: part of a longer run, regrouped with it
    stack = [(root, False)]
    seen = set()
    while stack:
        node, ready = stack.pop()
        if not ready:
            if id(node) in seen:  # a shared subtree (a composite's argument): rebuilt once
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(_children(node)))
            if _is_sum(node) and _is_sum(node.left):
                inner.add(id(node.left))
            continue
        if id(node) in inner:
            continue
        if _is_sum(node):
            terms = _terms(node)
            new = _join_terms([(level[id(rebuilt[id(t)])], i, sign, rebuilt[id(t)])
                               for i, (sign, t) in enumerate(terms)], level, keep)
        elif isinstance(node, ast.BinOp):
            new = ast.BinOp(left=rebuilt[id(node.left)], op=node.op, right=rebuilt[id(node.right)])
        elif isinstance(node, ast.UnaryOp):
            new = ast.UnaryOp(op=node.op, operand=rebuilt[id(node.operand)])
        elif isinstance(node, ast.Call):
            new = ast.Call(func=node.func, args=[rebuilt[id(a)] for a in node.args], keywords=[])
        else:
            new = node
        keep.append(new)
        kids = _children(new)
        step = 0 if isinstance(new, ast.UnaryOp) and isinstance(new.op, ast.UAdd) else 1
        level[id(new)] = max((level[id(k)] + step for k in kids), default=0)
        rebuilt[id(node)] = new
    return rebuilt[id(root)]


def _names_in_order(root: ast.AST, constants) -> tuple[str, ...]:
    found: dict[str, None] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and node.id not in constants:
            found.setdefault(node.id)
        stack.extend(reversed(_children(node)))
    return tuple(found)


def _is_sum(node) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))


def _terms(node) -> list:
    # The signed terms of a left-nested run: ((a + b) - c) -> [(+1, a), (+1, b), (-1, c)].
    terms = []
    while _is_sum(node):
        terms.append((1 if isinstance(node.op, ast.Add) else -1, node.right))
        node = node.left
    terms.append((1, node))
    return terms[::-1]


def _join_terms(terms: list, level: dict, keep: list) -> ast.AST:
    seq = len(terms)
    while len(terms) > 1:
        terms.sort(key=lambda term: term[:2])
        (la, _, sa, a), (lb, _, sb, b) = sorted(terms[:2], key=lambda term: term[1])  # as they were written
        if sa < 0 < sb:
            (sa, a), (sb, b) = (sb, b), (sa, a)
        node = ast.BinOp(left=a, op=ast.Add() if sa == sb else ast.Sub(), right=b)
        keep.append(node)
        level[id(node)] = max(la, lb) + 1
        terms = terms[2:] + [(level[id(node)], seq, sa, node)]
        seq += 1
    return terms[0][3]


def _expand_composites(tree: ast.AST) -> None:
    """Rewrite each call of a :data:`COMPOSITES` function as its definition, in place (without recursion)."""

    def call(name: str, arg: ast.AST) -> ast.Call:
        return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=[arg], keywords=[])

    def definition(name: str, a: ast.AST) -> ast.AST:
        if name == "log10":
            return ast.BinOp(call("log", a), ast.Div(), ast.Constant(math.log(10.0)))
        sign = ast.Sub() if name == "sinh" else ast.Add()
        both = ast.BinOp(call("exp", a), sign, call("exp", ast.UnaryOp(ast.USub(), a)))
        return ast.BinOp(both, ast.Div(), ast.Constant(2.0))

    # A composite's argument appears twice in its definition: each node is expanded and visited once, so
    # that nested calls (sinh(sinh(…))) stay linear in size instead of doubling at each level.
    stack, seen, expanded = [tree], set(), {}
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for field, value in ast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for i, child in enumerate(items):
                if not isinstance(child, ast.AST):
                    continue
                if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id in COMPOSITES:
                    if id(child) not in expanded:  # (the original is kept, so that its id is not reused)
                        expanded[id(child)] = (child, definition(child.func.id, child.args[0]))
                    child = expanded[id(child)][1]
                if isinstance(value, list):
                    value[i] = child
                else:
                    setattr(node, field, child)
                stack.append(child)


def _compile(tree, text, variables, cse, order, constants) -> ParsedFunction:
    # Post-order walk with an explicit stack: the left-to-right order in which Python would evaluate.
    found: list[str] = []
    keys: dict = {}  # structural key -> entry index (common subexpressions share one entry)
    entries: list = []  # (key, primitive or None, operand slots, level)
    slot_of: dict[int, tuple] = {}
    stack = [(tree.body, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in slot_of:  # a node shared by an expanded composite is compiled once
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(_children(node)))
            continue
        if isinstance(node, ast.Constant):
            slot_of[id(node)] = ("const", float(node.value))
            continue
        if isinstance(node, ast.Name):
            if node.id in constants:
                slot_of[id(node)] = ("const", constants[node.id])
                continue
            if node.id not in found:
                found.append(node.id)
            slot_of[id(node)] = ("name", node.id)
            continue
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            slot_of[id(node)] = slot_of[id(node.operand)]
            continue
        if isinstance(node, ast.BinOp):
            prim = _BINOPS[type(node.op)]
        elif isinstance(node, ast.UnaryOp):
            prim = "neg"
        else:
            prim = FUNCTIONS[node.func.id]
        slots = tuple(slot_of[id(c)] for c in _children(node))
        key = (prim, slots)
        if cse and key in keys:
            slot_of[id(node)] = ("entry", keys[key])
            continue
        level = 1 + max((entries[k][3] for kind, k in slots if kind == "entry"), default=0)
        entries.append((key, prim, slots, level))
        keys.setdefault(key, len(entries) - 1)
        slot_of[id(node)] = ("entry", len(entries) - 1)
    names = tuple(variables) if variables is not None else tuple(found)
    index = {n: i for i, n in enumerate(names)}
    schedule = sorted(range(len(entries)), key=(lambda k: (entries[k][3], k)) if order == "level" else int)
    position = {k: j for j, k in enumerate(schedule)}

    def resolve(slot):
        kind, k = slot
        if kind == "name":
            return ("var", index[k])
        if kind == "entry":
            return ("op", position[k])
        return slot

    ops = [(entries[k][1], tuple(resolve(s) for s in entries[k][2])) for k in schedule]
    return ParsedFunction(text, names, ops, resolve(slot_of[id(tree.body)]), cse, order)
