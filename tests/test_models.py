"""Typed parameters."""

from __future__ import annotations

import pytest

from restorer.errors import ModelError
from restorer.models import Param, bool_param, choice_param, float_param


def test_bool_parsing():
    p = bool_param("sharpen", False)
    assert p.parse("yes") is True and p.parse("off") is False
    with pytest.raises(ModelError):
        p.parse("maybe")


def test_float_range():
    p = float_param("beta", 1.0, 0.0, 4.0)
    assert p.parse("2.5") == 2.5
    with pytest.raises(ModelError, match="between 0 and 4"):
        p.parse("5")
    with pytest.raises(ModelError, match="a number"):
        p.parse("lots")


def test_choice():
    p = choice_param("direction", "AtoB", ("AtoB", "BtoA"))
    assert p.parse("BtoA") == "BtoA"
    with pytest.raises(ModelError, match="one of AtoB, BtoA"):
        p.parse("sideways")


def test_bad_declarations_are_plugin_bugs():
    with pytest.raises(ValueError):
        Param("Bad-Name", "int", 1)
    with pytest.raises(ModelError):
        float_param("x", 9.0, 0.0, 1.0)  # default outside its range
    with pytest.raises(ValueError):
        Param("c", "choice", "a")
