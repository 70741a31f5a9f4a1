"""Bad input gets a clear exception that names the problem."""

import numpy as np
import pytest

import autodiff as ad

from .conftest import course_f


def test_shapes_that_cannot_broadcast_are_named():
    with pytest.raises(ad.ShapeError, match=r"add.*\(2, 3\).*\(4,\)"):
        ad.trace(lambda a, b: a + b, np.ones((2, 3)), np.ones(4))
    with pytest.raises(ad.ShapeError, match=r"mul.*\(3,\).*\(2,\)"):
        ad.exp(np.ones(3)) * ad.Node(np.ones(2))


def test_shapes_that_cannot_broadcast_are_named_in_forward_mode():
    # one tangent (Dual._apply's direct path) and a batch of four (its general path) alike
    for tangent in (np.ones(2), np.ones((4, 2))):
        with pytest.raises(ad.ShapeError, match=r"add.*\(2,\).*\(3,\)"):
            ad.jvp(lambda x: x + np.ones(3), (np.ones(2),), (tangent,))


def test_shapes_that_cannot_multiply_are_named():
    with pytest.raises(ad.ShapeError, match=r"matmul.*\(2, 3\).*\(2, 4\)"):
        ad.trace(lambda a, b: a @ b, np.ones((2, 3)), np.ones((2, 4)))
    assert issubclass(ad.ShapeError, ValueError)


def test_grad_of_a_non_scalar_output():
    with pytest.raises(TypeError, match=r"scalar output.*\(3,\).*jacrev"):
        ad.grad(lambda x: x * 2)(np.ones(3))


def test_functions_that_return_untraced_values():
    with pytest.raises(TypeError, match="does not depend"):
        ad.trace(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match="does not depend"):
        ad.grad(lambda x: 3.0)(1.0)
    with pytest.raises(TypeError, match="does not depend"):
        ad.vjp(lambda x: np.ones(2), 1.0)


def test_wrong_number_of_seeds():
    t = ad.trace(course_f, 1.5, 0.5)
    with pytest.raises(ValueError, match="got 3 seed tangents for 2 inputs"):
        t.forward((1.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="2 inputs"):
        t.forward()
    with pytest.raises(ValueError, match="unknown input"):
        t.forward({"x3": 1.0})
    multi = ad.trace(lambda x: (x * 2, x * 3), 1.0)
    with pytest.raises(ValueError, match="got 3 seeds for 2 outputs"):
        multi.reverse((1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="shape"):
        ad.trace(lambda x: x * 2, np.ones(3)).reverse()
    with pytest.raises(ValueError, match=r"seed for output 1 has shape \(2,\)"):
        ad.trace(lambda x: x * 2, np.ones(3)).reverse(np.ones(2))
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        ad.jvp(course_f, (1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match=r"tangent for argument 1 has shape \(2,\)"):
        ad.jvp(lambda x: x, (np.ones(3),), (np.ones(2),))


def test_inputs_must_be_numbers_or_arrays():
    with pytest.raises(TypeError, match="must be a number or a numpy array, not str"):
        ad.trace(lambda x: x, "1.5")
    with pytest.raises(TypeError, match="not bool"):
        ad.trace(lambda x: x, True)


def test_a_value_recorded_outside_the_trace_is_a_constant_in_it():
    outside = ad.Node(2.0, name="outside")
    t = ad.trace(lambda x: x * outside, 1.0)
    assert len(t) == 2 and float(t.reverse().gradient) == 2.0  # (a node of the eager level: it depends on outside)
    assert t.nodes[1].expression() == "v1·2"


def test_a_graph_whose_leaf_is_not_an_input_is_refused():
    a, b = ad.Node(2.0, name="a"), ad.Node(3.0, name="b")
    with pytest.raises(ValueError, match="not an input"):
        ad.Trace.from_outputs(a * b, inputs=[a])
