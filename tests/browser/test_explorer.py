"""The explorer page in headless Chromium: every step of both sweeps of the course's example shows the
sweep's own numbers, the controls and keys work, and no page logs a JavaScript error."""

import numpy as np
import pytest

import autodiff as ad
from autodiff.__main__ import main
from autodiff.render import dot_available
from autodiff.tables import value_text

from .conftest import SHOTS, console_errors, open_file

pytest.importorskip("selenium", reason="selenium is not installed (the test extra)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

COURSE = "x1*x2 + exp(x1*x2) - sin(x2)"
# Course order: v3 = v1·v2, v4 = sin v2, v5 = exp v3, v6 = v3 − v4, v7 = v5 + v6 (README, `autodiff` command).
EDGES = {"v3": ["v1", "v2"], "v4": ["v2"], "v5": ["v3"], "v6": ["v3", "v4"], "v7": ["v5", "v6"]}


@pytest.fixture(scope="module")
def course_page(tmp_path_factory):
    path = SHOTS / "explorer.html"
    assert main([COURSE, "--at", "x1=1.5", "x2=0.5", "--no-compare", "--html", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def course_trace():
    return ad.trace(ad.parse(COURSE), 1.5, 0.5)


def _by(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css)


def _all(driver, css):
    return driver.find_elements(By.CSS_SELECTOR, css)


def _state(driver, table: str) -> dict:
    """What the page shows now: step, current variable, the current row's number, the equation's result,
    the highlighted graph node and edges."""
    root = _by(driver, ".adx")
    rows = _all(driver, f".adx-{table} tr.adx-current")
    assert len(rows) == 1, "exactly one highlighted row"
    cell = rows[0].find_element(By.CSS_SELECTOR, ".adx-num")
    svg = f".adx-svg-{root.get_attribute('data-mode')}"
    nodes = [g.get_attribute("id").split("-n-")[-1] for g in _all(driver, f"{svg} g.node.adx-current")]
    edges = sorted(g.get_attribute("id").split("-e-")[-1] for g in _all(driver, f"{svg} g.edge.adx-read"))
    return {"step": int(root.get_attribute("data-step")), "var": rows[0].get_attribute("data-var"),
            "value": cell.get_attribute("data-value"), "text": cell.text,
            "result": _by(driver, ".adx-eq .adx-result").text if _all(driver, ".adx-eq .adx-result") else None,
            "eq": _by(driver, ".adx-eq").text, "nodes": nodes, "edges": edges}


def _expected_edges(var: str, mode: str) -> list[str]:
    """Forward: the edges into the variable (what it reads); reverse: the edges out of it (what it hears back)."""
    if mode == "forward":
        return sorted(f"{var}-{k}" for k in range(len(EDGES.get(var, []))))
    return sorted(f"{child}-{k}" for child, parents in EDGES.items() for k, p in enumerate(parents) if p == var)


def _check(state, var, value, mode):
    assert state["var"] == var
    assert state["value"] == repr(float(value)), (var, state)
    assert float(state["text"].replace("\u2212", "-")) == pytest.approx(value, rel=1e-9)
    shown = value_text(value, 4).replace("-", "\u2212")
    assert state["result"] in (shown, None) and state["eq"].endswith(shown), state["eq"]
    if dot_available():
        assert state["nodes"] == [var]
        assert state["edges"] == _expected_edges(var, mode)


def test_every_step_of_both_sweeps_shows_the_sweeps_numbers(browser, course_page, course_trace):
    open_file(browser, course_page)
    nodes = course_trace.nodes
    for seed in ("x1", "x2"):  # forward mode, clicking "next", for each seeded input
        Select(_by(browser, ".adx-seed")).select_by_value(seed)
        _by(browser, ".adx").send_keys(Keys.HOME)
        sweep = course_trace.forward(seed)
        for i, v in enumerate(nodes):
            state = _state(browser, "tangent")
            assert state["step"] == i + 1
            _check(state, v.name, sweep[v], "forward")
            primal = _by(browser, f'.adx-primal tr[data-var="{v.name}"] .adx-num')
            assert primal.get_attribute("data-value") == repr(float(v.value))
            if i < len(nodes) - 1:
                _by(browser, ".adx-next").click()
        assert not _by(browser, ".adx-next").is_enabled()
    assert console_errors(browser) == []

    _by(browser, 'input[value="reverse"]').click()  # reverse mode, by the arrow key
    sweep = course_trace.reverse()
    order = list(reversed(nodes))
    root = _by(browser, ".adx")
    shots = []
    for i, v in enumerate(order):
        state = _state(browser, "adjoint")
        assert state["step"] == i + 1
        _check(state, v.name, sweep[v], "reverse")
        shot = SHOTS / f"explorer_reverse_step_{i + 1}.png"
        browser.save_screenshot(str(shot))
        shots.append(shot)
        if i < len(order) - 1:
            root.send_keys(Keys.ARROW_RIGHT)
    # the row the issue quotes: v̄2 = v̄3·v1 + v̄4·cos v2 = 3.117·1.5 + (−1)·0.8776 = 3.798
    root.send_keys(Keys.ARROW_LEFT)
    assert _by(browser, ".adx-eq").text == "v̄2 = v̄3·v1 + v̄4·cos(v2) = 3.117·1.5 + (−1)·0.8776 = 3.798"
    if dot_available():
        labels = sorted(t.text for t in _all(browser, ".adx-svg-reverse g.edge.adx-read text"))
        assert labels == ["v̄3·v1 = 4.676", "v̄4·cos(v2) = −0.8776"]
    assert all(s.stat().st_size > 10_000 for s in shots)
    assert console_errors(browser) == []


def test_slider_play_and_keys(browser, course_page):
    open_file(browser, course_page)
    root = _by(browser, ".adx")
    root.send_keys(Keys.END)
    assert root.get_attribute("data-step") == "7" and root.get_attribute("data-var") == "v7"
    root.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    assert root.get_attribute("data-var") == "v5"
    slider = _by(browser, ".adx-slider")
    browser.execute_script("arguments[0].value = 3; arguments[0].dispatchEvent(new Event('input'))", slider)
    assert root.get_attribute("data-var") == "v3"
    root.send_keys(Keys.HOME)
    _by(browser, ".adx-play").click()
    assert _by(browser, ".adx-play").get_attribute("aria-label") == "pause"
    WebDriverWait(browser, 5).until(lambda d: int(root.get_attribute("data-step")) >= 2)
    _by(browser, ".adx-play").click()
    assert _by(browser, ".adx-play").get_attribute("aria-label") == "play"
    assert console_errors(browser) == []


@pytest.mark.parametrize("case", ["function", "expression"])
def test_other_traces_step_without_errors(browser, case, tmp_path):
    """A Python function's trace (constants, a repeated operand, a division) and another parsed expression."""
    if case == "function":
        def g(x, y):
            return ad.tanh(2.0 * x * x) / (1.0 + y) - ad.log(y)

        explorer, args = ad.explore(g, 0.3, 2.0), (0.3, 2.0)
        t = ad.trace(g, *args)
    else:
        explorer = ad.explore("sqrt(a**2 + b**2) * sigmoid(a - b)", 3.0, 4.0)
        t = explorer.trace
    path = explorer.save(SHOTS / f"explorer_{case}.html")
    open_file(browser, path)
    root = _by(browser, ".adx")
    _by(browser, 'input[value="reverse"]').click()
    sweep = t.reverse()
    for v in reversed(t.nodes):
        state = _state(browser, "adjoint")
        assert state["var"] == v.name and state["value"] == repr(float(sweep[v]))
        root.send_keys(Keys.ARROW_RIGHT)
    assert np.allclose([float(x) for x in np.atleast_1d(sweep.gradient)],
                       [float(_by(browser, f'.adx-adjoint tr[data-var="{x.name}"] .adx-num').get_attribute(
                           "data-value")) for x in t.inputs])
    browser.save_screenshot(str(SHOTS / f"explorer_{case}.png"))
    assert console_errors(browser) == []



def test_two_explorers_on_one_page_step_independently(browser, tmp_path):
    """As in a notebook that displays two traces: each explorer answers its own controls only."""
    from autodiff.explorer import fragment

    first, second = ad.trace(ad.parse("x*y"), 2.0, 3.0), ad.trace(ad.parse("sin(x)"), 1.0)
    path = tmp_path / "two.html"
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><link rel='icon' href='data:,'></head><body>"
                    f"{fragment(first)}{fragment(second)}</body></html>", encoding="utf-8")
    open_file(browser, path)
    roots = _all(browser, ".adx")
    assert len(roots) == 2
    roots[0].find_element(By.CSS_SELECTOR, ".adx-next").click()
    roots[0].find_element(By.CSS_SELECTOR, ".adx-next").click()
    assert roots[0].get_attribute("data-var") == "v3" and roots[1].get_attribute("data-var") == "v1"
    roots[1].send_keys(Keys.END)
    assert roots[1].get_attribute("data-var") == "v2" and roots[0].get_attribute("data-var") == "v3"
    assert console_errors(browser) == []
