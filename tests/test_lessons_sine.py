"""The sine page's lessons, each checked on the page's default settings and on other seeds:

- under the defaults, multi-step (recursive) error exceeds single-step error at the page's
  horizon (80 test points) and grows with the horizon: tutorial A's "multi-step prediction
  accumulates error";
- the tutorial's exact recipe (one ordered pass over the 310 windows, SGD lr 0.01, hidden 12)
  reproduces its own figures (single-step ~0.056, multi-step ~0.52, near the 0.525 of always
  saying 0), and its multi-step forecast is a flat line, which the page says;
- the verdict picks the sentence the run supports: a good model gets "does not compound";
- each recipe reads the windows its name says.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from rnnviz import forecast as F
from rnnviz import sine as S
from rnnviz.data.sine import SeriesConfig, make_series, windows
from rnnviz.i18n import CATALOGUES
from rnnviz.models import SeqRegressor
from rnnviz.train import seeded

SEEDS = (0, 1, 2)  # the page's default seed and two others
HORIZON = 80  # the page's test part: points 320 .. 399


def verdict_of(cfg: S.SineConfig) -> F.Verdict:
    model, snapshots = S.build(cfg)
    history = list(snapshots)
    assert history[-1].step == cfg.steps and not history[-1].stopped
    return S.forecast(model, make_series(cfg.series), cfg.series.window).verdicts[cfg.kinds[0]]


# ---------------------------------------------------------------- multi-step accumulates error


@pytest.mark.parametrize("seed", SEEDS)
def test_default_run_multi_step_error_exceeds_single_step_and_grows(seed: int):
    cfg = replace(S.SineConfig(), seed=seed)  # the page's defaults: RNN, hidden 12, fast recipe, 400 steps
    assert (cfg.kinds, cfg.hidden_size, cfg.recipe, cfg.steps) == (("RNN",), 12, "fast", 400)
    v = verdict_of(cfg)
    assert v.horizon == HORIZON
    assert v.kind == "compounds", v  # the page then says "the errors accumulate"
    assert v.multi > F.COMPOUND_FACTOR * v.single and v.ratio > 2, v  # measured 6.8, 9.6, 5.0
    assert v.single < 0.03  # single-step follows the sine (about the noise's +0.1 offset)
    assert v.grows and v.late > 1.5 * v.early, v  # the error grows with the horizon
    assert v.crossing is not None and v.crossing < HORIZON, v
    assert v.spread > F.FLAT_SPREAD  # it drifts while it oscillates: not a flat line


# ---------------------------------------------------------------- the tutorial's own figures


@pytest.mark.parametrize("seed", SEEDS)
def test_tutorial_recipe_reproduces_its_figures(seed: int):
    """TUTORIALS.md, 5 seeds: single-step 0.056, multi-step 0.52, always-0 0.525. Measured here
    (seeds 0..4): single 0.061, 0.071, 0.098, 0.038, 0.044; multi 0.497, 0.507, 0.506, 0.477, 0.502.
    A broken recipe fails: random windows or more passes give single-step <= 0.025, the fast one 0.012."""
    cfg = S.SineConfig(kinds=("RNN",), recipe="tutorial", steps=S.one_pass(SeriesConfig()),
                       lr=S.DEFAULT_LR["tutorial"], seed=seed)
    assert cfg.steps == 310 and cfg.lr == 0.01 and cfg.hidden_size == 12
    v = verdict_of(cfg)
    assert v.zero == pytest.approx(0.525, abs=0.005)  # a model that always says 0
    assert 0.03 <= v.single <= 0.12, v
    assert v.multi == pytest.approx(0.52, abs=0.06), v
    assert v.multi > 4 * v.single
    # the figure behind it: the multi-step forecast is a flat line, and the page says so
    assert v.kind == "flat" and v.spread < F.FLAT_SPREAD, v


def test_tutorial_recipe_is_the_hand_written_ordered_pass():
    """The engine's "tutorial" recipe is tutorial A's loop, weight for weight: for i in range(310),
    read y[i:i+10] from a zero state, predict y[i+10], one SGD step (lr 0.01) on the MSE."""
    cfg = S.SineConfig(kinds=("RNN",), recipe="tutorial", steps=310, lr=0.01, seed=3)
    model, snapshots = S.build(cfg)
    list(snapshots)
    y = make_series(cfg.series).y
    with seeded(cfg.seed):
        ref = SeqRegressor("RNN", 12)
    opt = torch.optim.SGD(ref.parameters(), lr=0.01)
    for i in range(320 - 10):
        x = torch.from_numpy(y[i:i + 10]).view(1, 10, 1)
        target = torch.from_numpy(y[i + 10:i + 11]).view(1, 1)
        opt.zero_grad()
        nn.functional.mse_loss(ref(x), target).backward()
        opt.step()
    for (name, a), b in zip(model.models["RNN"].named_parameters(), ref.parameters()):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0, msg=name)


# ---------------------------------------------------------------- the sentence fits the run


@pytest.mark.parametrize(("kind", "hidden", "steps", "seed"), [
    ("LSTM", 12, 400, 0),  # the page's old default: multi 0.0109 vs single 0.0115
    ("LSTM", 12, 400, 2),  # ratio 1.3
    ("LSTM", 32, 800, 0),  # ratio 0.81
    ("LSTM", 32, 800, 1),  # ratio 1.16
])
def test_a_good_model_gets_the_does_not_compound_verdict(kind, hidden, steps, seed):
    v = verdict_of(S.SineConfig(kinds=(kind,), hidden_size=hidden, steps=steps, seed=seed))
    assert v.kind in ("holds", "close"), v
    assert v.ratio <= F.COMPOUND_FACTOR and v.spread > 0.7
    assert (v.kind == "holds") == (v.multi <= v.single)


@pytest.mark.parametrize("knob", [{"hidden_size": 4}, {"steps": 100},
                                  {"recipe": "tutorial", "steps": 310, "lr": 0.01}])
def test_the_knobs_the_does_not_compound_sentence_suggests_make_errors_compound(knob):
    """The "holds" sentence suggests hidden size 4, fewer steps or the tutorial's recipe: on its
    run (LSTM, hidden 12, fast, seed 0; ratio 0.95) each of them brings the lesson back."""
    v = verdict_of(replace(S.SineConfig(kinds=("LSTM",)), **knob))
    assert v.kind in ("compounds", "flat") and v.multi > F.COMPOUND_FACTOR * v.single, v


def test_verdict_rules_on_made_up_forecasts():
    x = np.linspace(28.9, 36, HORIZON)
    clean = np.sin(x).astype(np.float32)
    single = clean + 0.1  # the noise's +0.1 offset, nothing else
    drifting = np.sin(x * 1.08 - 0.2) * np.linspace(1, 0.6, HORIZON)  # phase and amplitude drift
    flat = np.full(HORIZON, -0.2, dtype=np.float32)
    v = F.verdict(single, drifting, clean)
    assert v.kind == "compounds" and v.grows and v.crossing is not None
    v = F.verdict(single, flat, clean)
    assert v.kind == "flat" and v.level == pytest.approx(-0.2) and v.spread < 1e-6
    v = F.verdict(single, clean + 0.05, clean)
    assert v.kind == "holds" and v.crossing is None and v.multi < v.single
    v = F.verdict(single, clean + 0.11, clean)
    assert v.kind == "close" and 1 < v.ratio <= F.COMPOUND_FACTOR
    for lang in CATALOGUES:  # every verdict has its sentence and its word in the comparison
        for kind in ("compounds", "close", "holds", "flat"):
            assert f"sine.verdict.{kind}" in CATALOGUES[lang] and f"sine.compare.{kind}" in CATALOGUES[lang]


# ---------------------------------------------------------------- each recipe does what its name says


def recorded_windows(cfg: S.SineConfig, monkeypatch) -> list[list[int]]:
    """The window starts each optimiser step of real training read, recovered from its inputs."""
    X, _, _ = windows(make_series(cfg.series).y, cfg.series.window, cfg.series.split)
    first = {float(v): i for i, v in enumerate(X[:, 0, 0])}
    assert len(first) == len(X)  # the noise makes every window's first value unique
    seen: list[list[int]] = []
    original = S.Forecasters.losses

    def spy(self, x, y):
        seen.append([first[float(v)] for v in x[:, 0, 0]])
        return original(self, x, y)

    monkeypatch.setattr(S.Forecasters, "losses", spy)
    list(S.build(cfg)[1])
    monkeypatch.undo()
    return seen


def test_recipes_read_the_windows_their_names_say(monkeypatch):
    n = S.one_pass(SeriesConfig())
    tut = recorded_windows(S.SineConfig(kinds=("RNN",), recipe="tutorial", steps=n, lr=0.01), monkeypatch)
    assert tut == [[i] for i in range(n)]  # windows 0 .. 309, in order, each exactly once
    epochs = recorded_windows(S.SineConfig(kinds=("RNN",), recipe="epochs", steps=3 * n, lr=0.01), monkeypatch)
    assert epochs == [[i] for i in range(n)] * 3  # the same ordered pass, three times
    rnd = recorded_windows(S.SineConfig(kinds=("RNN",), recipe="random", steps=n, lr=0.01), monkeypatch)
    starts = [s[0] for s in rnd]
    assert all(len(s) == 1 for s in rnd) and starts != sorted(starts)
    assert len(set(starts)) < n  # n random draws repeat some windows and miss others
    assert rnd == recorded_windows(S.SineConfig(kinds=("RNN",), recipe="random", steps=n, lr=0.01), monkeypatch)
    fast = recorded_windows(S.SineConfig(kinds=("RNN",), recipe="fast", steps=3), monkeypatch)
    assert fast == [list(range(n))] * 3  # every window, every step
    assert S.windows_used(S.SineConfig(recipe="tutorial", steps=n), steps=n)["start"].tolist() == list(range(n))
