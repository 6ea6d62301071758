"""Typed parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from restorer.errors import ModelError
from restorer.models import Model, Param, bool_param, choice_param, float_param, int_param


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


def test_an_out_of_range_whole_number_is_shown_as_typed():
    with pytest.raises(ModelError, match=r"^n must be between 1 and 256, got 100000000$"):
        int_param("n", 16, 1, 256).parse("100000000")


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


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "+Infinity", "1e999"])
def test_non_finite_numbers_are_refused_when_parsed(text):
    p = float_param("strength", 1.0, 0.0, 1.0)
    with pytest.raises(ModelError, match="strength must be a finite number"):
        p.parse(text)
    unbounded = float_param("gain", 1.0, -1e308, 1e308)
    with pytest.raises(ModelError, match="gain must be a finite number"):
        unbounded.parse(text)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float32("nan"), np.float64("inf")])
def test_non_finite_typed_values_are_refused(value):
    class Tiny(Model):
        name = "tiny"
        params = (float_param("strength", 1.0, 0.0, 1.0), int_param("steps", 3, 1, 10))

    model = Tiny()
    with pytest.raises(ModelError, match="strength must be a finite number"):
        model.resolve_params({"strength": value})
    # an int parameter given a non-finite float is refused too, not an internal ValueError/OverflowError
    with pytest.raises(ModelError, match="steps must be a finite number"):
        model.resolve_params({"steps": value})


def test_numpy_numbers_are_accepted():
    p = int_param("steps", 3, 1, 10)
    assert p.validate(np.int64(4)) == 4 and type(p.validate(np.int64(4))) is int
    q = float_param("strength", 1.0, 0.0, 1.0)
    assert q.validate(np.float32(0.5)) == 0.5 and type(q.validate(np.float32(0.5))) is float


def test_non_finite_bounds_are_plugin_bugs():
    with pytest.raises(ValueError, match="finite"):
        float_param("x", 0.5, math.nan, 1.0)
    with pytest.raises(ValueError, match="finite"):
        Param("y", "float", 0.5, min=0.0, max=math.inf)


@pytest.mark.parametrize("command", [
    ["reconstruct", "--model", "vae", "--set", "strength=nan"],
    ["sample", "--model", "vae-sample", "--set", "temperature=nan"],
    ["sample", "--model", "vae-sample", "--set", "temperature=inf"],
])
def test_cli_refuses_non_finite_settings(tmp_path, capsys, command):
    from PIL import Image

    from restorer.cli import main

    Image.fromarray(np.full((8, 8, 3), 128, np.uint8)).save(tmp_path / "in.png")
    args = [*command[:1], *([str(tmp_path / "in.png")] if command[0] == "reconstruct" else []),
            "-o", str(tmp_path / "out.png"), *command[1:]]
    assert main(args) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "finite number" in lines[0], lines
    assert not (tmp_path / "out.png").exists()


def test_one_sided_range_is_reported_in_one_line():
    low_only = Param("steps", "int", 3, min=1)
    with pytest.raises(ModelError, match="steps must be at least 1, got 0"):
        low_only.validate(0)
    high_only = Param("gain", "float", 0.5, max=1.0)
    with pytest.raises(ModelError, match="gain must be at most 1, got 2"):
        high_only.parse("2")
