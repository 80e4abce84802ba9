"""The lessons each page teaches, computed from real runs: every claim a page's text makes is
checked on the page's default settings and on at least two other seeds.

Page 1, RNN unrolling:

The RNN-unrolling page's lessons, checked on the runs the page makes: on its default
settings and on two other seeds each. The page states each lesson only when its run shows it
(otherwise it says what happened); these tests pin that the default runs do show them.

- Section 2: the three ways to run one set of weights (the equations in a loop, an RNNCell
  loop, one nn.RNN call) give the same outputs, to float32 rounding.
- Section 4: the notes' hello -> ohlol recipes reach "ohlol" within their 15 epochs, and the
  trained model says different letters at the two l's (the same input), which a model
  without memory cannot do. (The notes' one-hot nn.RNN recipe, Adam lr 0.05, misses on some
  seeds, 0, 1 and 4 among 0-4; the page says so in words on such a seed.)
- Section 5: at the default weight scale the RNN's gradient vanishes on its way back over 49
  steps while the LSTM keeps at least KEEPS_MORE times more of its own.
- Section 6: walked back step by step (its defaults: tanh, weight scale 1, 3 units, 12 steps),
  the gradient shrinks, each step by at most its Jacobian's largest singular value, and the
  numbers are torch.autograd's; clipping rescales the finished gradient only.

Page 2, sine forecasting:

The sine page's lessons, each checked on the page's default settings and on other seeds:

- under the defaults, multi-step (recursive) error exceeds single-step error at the page's
  horizon (80 test points) and grows with the horizon: tutorial A's "multi-step prediction
  accumulates error";
- the tutorial's exact recipe (one ordered pass over the 310 windows, SGD lr 0.01, hidden 12)
  reproduces its own figures (single-step ~0.056, multi-step ~0.52, near the 0.525 of always
  saying 0), and its multi-step forecast is a flat line, which the page says;
- the verdict picks the sentence the run supports: a good model gets "does not compound";
- each recipe reads the windows its name says.

Page 3, LSTM gates:

The LSTM gates page's lessons, each on the default seed and two others: what the page's
text states is what these runs show.

- One setting: section 1's default run is the comparison's point for the same setting.
- The comparison's default (section 1's settings at gaps 5, 20, 50): at the long gaps the
  plain RNN fails (near chance at 50) where the LSTM and the GRU succeed: RNN < GRU <= LSTM.
- The memory units' cell states keep the symbols apart across the gap (the LSTM's), and the
  plain RNN's hidden state does not.
- On the memory task the LSTM's forget gate stays where b_f = 4 put it (nothing to learn).
- On the replace (Alice -> Bob) task the LSTM's forget gate drops at the replacing symbol.

Page 4, char-level generation:

The char page's lessons, computed from real runs, each on the default seed and two others.

1. The chapter's recipe (d2l's "RNN from scratch" on the Jay Chou lyrics' first 10,000
   characters: one-hot, tanh RNN 256, SGD lr 100, θ 0.01, batch 32 × 35, 250 epochs, final
   weights) reaches a training perplexity <= 1.3, while its held-out perplexity is far above
   train and above the bigram baseline: memorisation, and the page's verdict says so.
2. "final weights" hands over epoch 250's weights (generation from 分开 is the printout's last
   sample, the held-out score its last); "best held-out" hands over the best epoch's.
3. The verdict function picks the sentence the run supports: memorised at epoch 250, not yet
   at epoch 10 of the same run, no memorisation for the page's fast default on the grammar.

The lyrics come through the page's real download path (rnnviz.data.text.fetch), served from
127.0.0.1 by tests/test_text.py's server into a tmp cache; they are never copied into the
project. The three 250-epoch runs are the cost of this file (about 2 minutes each on one
torch thread of this machine).
"""

from __future__ import annotations

import random
from dataclasses import replace
from functools import cache

import numpy as np
import pandas as pd
import pytest
import torch
from test_text import reference_routes, serve
from torch import nn

import rnnviz.bptt
import rnnviz.checkpoint
import rnnviz.i18n
from rnnviz import charlm, forecast, gates, sincos, sine, unrolling
from rnnviz.data import grammar, text
from rnnviz.data.sine import SeriesConfig, make_series, windows
from rnnviz.i18n import CATALOGUES
from rnnviz.models import SeqRegressor
from rnnviz.train import seeded

SEEDS = (0, 1, 2)  # each page's default seed (0) and two others


# ==================== Page 1, RNN unrolling ====================

HELLO_SEEDS = (unrolling.HelloConfig.seed, 6, 7)  # the page's default hello seed, and two others


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("sizes", [{}, {"seq_len": 20, "batch_size": 3, "hidden_size": 16, "num_layers": 2},
                                   {"nonlinearity": "relu", "input_size": 8}], ids=["notes", "larger", "relu"])
def test_the_three_ways_give_the_same_outputs(seed, sizes):
    cfg = unrolling.UnrollConfig(seed=seed, **sizes)
    ex = unrolling.worked_example(cfg)
    three = unrolling.three_ways(ex)
    assert three.max_diff() < 1e-5
    assert three.agree()  # the page then says "they agree", with this number
    # ... "over all n numbers of layer 1 (seq_len × batch × hidden_size = T × B × H)": the run's shapes
    counts = three.counts()
    assert (counts["T"], counts["B"], counts["H"]) == (cfg.seq_len, cfg.batch_size, cfg.hidden_size)
    assert counts["n"] == cfg.seq_len * cfg.batch_size * cfg.hidden_size == three.by_module.numel()
    # the unrolled picture is one set of weights: T steps do not multiply the parameters
    shared = unrolling.shared_weights(ex)
    assert shared["real"] == unrolling.parameter_count(ex.rnn) + unrolling.parameter_count(ex.readout)
    assert shared["if_unshared"] == shared["real"] * ex.x.shape[0]


@pytest.mark.parametrize("seed", HELLO_SEEDS)
@pytest.mark.parametrize("variant", list(unrolling.VARIANTS))
def test_the_notes_hello_recipe_reaches_ohlol_within_15_epochs_with_memory(variant, seed):
    cfg = unrolling.HelloConfig(variant, unrolling.LR_OF_VARIANT[variant], 15, seed)  # the notes' recipe
    model = unrolling.hello_model(cfg)
    predicted = [s.info["predicted"] for s in unrolling.train_hello(cfg, model)]
    assert len(predicted) == 15
    first = unrolling.first_solved(predicted)
    assert first is not None and first <= 15, predicted
    assert predicted[-1] == unrolling.HELLO_OUT  # and it keeps it to the last printed line
    mem = unrolling.memory_check(model)
    assert (mem.first, mem.second, mem.letter) == (2, 3, "l")
    # the trained model: different letters at the two l's, "l" then "o", from different hidden states
    assert mem.told_apart and (mem.predicted[mem.first], mem.predicted[mem.second]) == ("l", "o")
    assert mem.h_distance > 0.1
    # with its memory cut, the same weights give one letter at both l's: at most 4 of 5 right
    assert mem.without_memory[mem.first] == mem.without_memory[mem.second]
    assert mem.right_without_memory <= mem.best_without_memory == 4 < mem.right == 5


@pytest.mark.parametrize("seed", SEEDS)
def test_the_rnn_gradient_vanishes_where_the_lstm_keeps_it(seed):
    cfg = unrolling.GradConfig(seed=seed)  # the page's defaults: 50 steps, weight scale 1.0, tanh, forget bias 3
    verdict = unrolling.gradient_verdict(unrolling.gradient_norms(cfg), cfg)
    assert verdict.lesson == "shown"
    assert verdict.rnn.kind == "vanished" and verdict.rnn.ratio < unrolling.VANISHED
    assert verdict.lstm.ratio > unrolling.KEEPS_MORE * verdict.rnn.ratio
    # smaller weights vanish faster still; the LSTM keeps its gradient there too
    small = unrolling.GradConfig(weight_scale=0.5, seed=seed)
    v_small = unrolling.gradient_verdict(unrolling.gradient_norms(small), small)
    assert v_small.lesson == "shown" and v_small.rnn.ratio < verdict.rnn.ratio


@pytest.mark.parametrize("seed", SEEDS)
def test_backpropagation_through_time_step_by_step_shrinks_the_gradient_as_the_page_says(seed):
    cfg = rnnviz.bptt.BpttConfig(seed=seed)  # section 6's defaults
    run = rnnviz.bptt.backward(cfg)
    assert run.max_diff < rnnviz.bptt.AUTOGRAD_TOL  # the page's "same numbers as torch.autograd"
    assert run.kind == "shrank" and run.reach < 0.05 and run.sentence().key == "unrolling.bptt.overall_shrank"
    f = run.frame()
    assert (f["change"].dropna() <= f["sigma"].shift(-1)[f["change"].notna()] + 1e-12).all()
    clipped = rnnviz.bptt.backward(replace(cfg, clip=True, max_norm=run.norm / 2))
    assert torch.equal(clipped.grad_h, run.grad_h) and abs(clipped.norm * clipped.coef - run.norm / 2) < 1e-5


# ---- page 1's checkpoints: each reveal follows the run (two settings whose right answers differ)


def test_checkpoint_weights_counts_the_modules_own_matrices():
    answers = {}
    for sizes in ({}, {"num_layers": 2}, {"seq_len": 12}):
        cfg = unrolling.UnrollConfig(**sizes)
        ex = unrolling.worked_example(cfg)
        reveal = unrolling.weights_reveal(ex)
        matrices = [p for m in (ex.rnn, ex.readout) for p in m.parameters() if p.dim() == 2]
        assert reveal.right == str(len(matrices))  # read from the module, not a formula
        assert reveal.right in unrolling.weights_options(cfg)  # the right one is among the choices
        assert str((len(matrices)) * cfg.seq_len) in unrolling.weights_options(cfg)  # "one set per step", T > 1
        assert f"**{len(matrices)}**" in str(reveal.why) and f"{cfg.seq_len} steps" in str(reveal.why)
        answers[tuple(sizes.items())] = reveal.right
    assert list(answers.values()) == ["3", "5", "3"]  # a second layer adds its own W_ih, W_hh; more steps add none
    # the count is the module's: a readout without weights of its own (Identity) holds one fewer
    ex = unrolling.worked_example(unrolling.UnrollConfig())
    ex.readout = torch.nn.Identity()
    assert unrolling.weights_reveal(ex).right == "2"


def test_checkpoint_weights_question_does_not_hand_over_the_answer():
    """The right count is not always the first choice, the hint names no formula, and one step
    is not 'every one of the 1 steps'."""
    firsts = set()
    for T, L in ((3, 1), (5, 2), (3, 3), (10, 1), (1, 1)):
        cfg = unrolling.UnrollConfig(seq_len=T, num_layers=L)
        options = unrolling.weights_options(cfg)
        assert options == unrolling.weights_options(cfg)  # the same order for the same sizes (a rerun)
        firsts.add(next(iter(options)) == str(2 * L + 1))
        assert all("1 steps" not in str(m) for m in options.values()), options
    assert firsts == {True, False}
    for lang in CATALOGUES:
        assert "W_hy" not in CATALOGUES[lang]["quiz.unrolling_1.q"]


def test_checkpoint_three_ways_reads_the_runs_largest_difference():
    exact = unrolling.UnrollConfig()  # the notes' sizes: the three give the same float32 numbers
    wide = unrolling.UnrollConfig(hidden_size=6)  # one nn.RNN call rounds apart from the two loops
    r_exact = unrolling.ways_reveal(unrolling.three_ways(unrolling.worked_example(exact)), exact)
    three = unrolling.three_ways(unrolling.worked_example(wide))
    r_wide = unrolling.ways_reveal(three, wide)
    assert (r_exact.right, r_wide.right) == ("exact", "rounding")
    assert 0 < three.max_diff() < unrolling.AGREE_TOL
    assert f"{three.max_diff():.1e}" in str(r_wide.why) and "nn.RNN (one call)" in str(r_wide.why)
    assert (r_exact.link, r_wide.link) == ({"unroll_hidden": "6"}, {"unroll_hidden": "2"})  # each nudges to the other


def test_checkpoint_shapes_come_from_running_the_module():
    answers = []
    for batch_first in (False, True):
        cfg = unrolling.UnrollConfig(seq_len=5, batch_size=3, hidden_size=6, num_layers=2, batch_first=batch_first)
        ex = unrolling.worked_example(cfg)
        reveal = unrolling.shapes_reveal(ex)
        out, h_n = ex.rnn(ex.x)
        assert reveal.right == unrolling.shapes_pair(tuple(out.shape), tuple(h_n.shape))
        assert reveal.right in unrolling.shapes_options(cfg) and len(unrolling.shapes_options(cfg)) >= 4
        assert reveal.link == {"unroll_batch_first": str(not batch_first).lower()}
        answers.append(reveal.right)
    assert answers == ["(5, 3, 6)|(2, 3, 6)", "(3, 5, 6)|(2, 3, 6)"]  # batch_first moves output's axes, not h_n's
    # the right pair is not always the first choice (it was, for batch_first off), and a rerun keeps the order
    places = set()
    for batch_first in (False, True):
        for seq_len in (3, 5):
            cfg = unrolling.UnrollConfig(seq_len=seq_len, batch_first=batch_first)
            right = unrolling.shapes_reveal(unrolling.worked_example(cfg)).right
            assert unrolling.shapes_options(cfg) == unrolling.shapes_options(cfg)
            places.add(unrolling.shapes_options(cfg).index(right))
    assert len(places) > 1, places


def test_checkpoint_gradient_reads_the_runs_ratio_at_t1():
    answers = {}
    for scale, nl in ((0.5, "tanh"), (1.5, "tanh"), (2.0, "relu")):
        cfg = unrolling.GradConfig(weight_scale=scale, nonlinearity=nl)
        verdict = unrolling.gradient_verdict(unrolling.gradient_norms(cfg), cfg)
        reveal = unrolling.gradient_reveal(verdict)
        assert f"{verdict.rnn.ratio:.2e}" in str(reveal.why)
        answers[(scale, nl)] = reveal.right
    assert answers == {(0.5, "tanh"): "vanish", (1.5, "tanh"): "kept", (2.0, "relu"): "grow"}
    one = unrolling.GradConfig(seq_len=1)  # no step back: nothing vanishes
    r = unrolling.gradient_reveal(unrolling.gradient_verdict(unrolling.gradient_norms(one), one))
    assert r.right == "kept" and "e+00" not in str(r.why)
    assert r.link["gtt_len"] == "50"  # the try lengthens it: at one step it would say "Neither" again
    cfg = unrolling.GradConfig(seq_len=50, weight_scale=float(r.link["gtt_scale"]), nonlinearity=r.link["gtt_nl"])
    assert unrolling.gradient_reveal(unrolling.gradient_verdict(unrolling.gradient_norms(cfg), cfg)).right == "vanish"


# ==================== Page 2, sine forecasting ====================

HORIZON = 80  # the page's test part: points 320 .. 399


def verdict_of(cfg: sine.SineConfig) -> forecast.Verdict:
    model, snapshots = sine.build(cfg)
    history = list(snapshots)
    assert history[-1].step == cfg.steps and not history[-1].stopped
    return sine.forecast(model, make_series(cfg.series), cfg.series.window).verdicts[cfg.kinds[0]]


# ---------------------------------------------------------------- multi-step accumulates error


@pytest.mark.parametrize("seed", SEEDS)
def test_default_run_multi_step_error_exceeds_single_step_and_grows(seed: int):
    cfg = replace(sine.SineConfig(), seed=seed)  # the page's defaults: RNN, hidden 12, fast recipe, 400 steps
    assert (cfg.kinds, cfg.hidden_size, cfg.recipe, cfg.steps) == (("RNN",), 12, "fast", 400)
    v = verdict_of(cfg)
    assert v.horizon == HORIZON
    assert v.kind == "compounds", v  # the page then says "the errors accumulate"
    assert v.multi > forecast.COMPOUND_FACTOR * v.single and v.ratio > 2, v  # measured 6.8, 9.6, 5.0
    assert v.single < 0.03  # single-step follows the sine (about the noise's +0.1 offset)
    assert v.grows and v.late > 1.5 * v.early, v  # the error grows with the horizon
    assert v.crossing is not None and v.crossing < HORIZON, v
    assert v.spread > forecast.FLAT_SPREAD  # it drifts while it oscillates: not a flat line


# ---------------------------------------------------------------- the tutorial's own figures


@pytest.mark.parametrize("seed", SEEDS)
def test_tutorial_recipe_reproduces_its_figures(seed: int):
    """TUTORIALS.md, 5 seeds: single-step 0.056, multi-step 0.52, always-0 0.525. Measured here
    (seeds 0..4): single 0.061, 0.071, 0.098, 0.038, 0.044; multi 0.497, 0.507, 0.506, 0.477, 0.502.
    A broken recipe fails: random windows or more passes give single-step <= 0.025, the fast one 0.012."""
    cfg = sine.SineConfig(kinds=("RNN",), recipe="tutorial", steps=sine.one_pass(SeriesConfig()),
                       lr=sine.DEFAULT_LR["tutorial"], seed=seed)
    assert cfg.steps == 310 and cfg.lr == 0.01 and cfg.hidden_size == 12
    v = verdict_of(cfg)
    assert v.zero == pytest.approx(0.525, abs=0.005)  # a model that always says 0
    assert 0.03 <= v.single <= 0.12, v
    assert v.multi == pytest.approx(0.52, abs=0.06), v
    assert v.multi > 4 * v.single
    # the figure behind it: the multi-step forecast is a flat line, and the page says so
    assert v.kind == "flat" and v.spread < forecast.FLAT_SPREAD, v


def test_tutorial_recipe_is_the_hand_written_ordered_pass():
    """The engine's "tutorial" recipe is tutorial A's loop, weight for weight: for i in range(310),
    read y[i:i+10] from a zero state, predict y[i+10], one SGD step (lr 0.01) on the MSE."""
    cfg = sine.SineConfig(kinds=("RNN",), recipe="tutorial", steps=310, lr=0.01, seed=3)
    model, snapshots = sine.build(cfg)
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
    v = verdict_of(sine.SineConfig(kinds=(kind,), hidden_size=hidden, steps=steps, seed=seed))
    assert v.kind in ("holds", "close"), v
    assert v.ratio <= forecast.COMPOUND_FACTOR and v.spread > 0.7
    assert (v.kind == "holds") == (v.multi <= v.single)


@pytest.mark.parametrize("knob", [{"hidden_size": 4}, {"steps": 100},
                                  {"recipe": "tutorial", "steps": 310, "lr": 0.01}])
def test_the_knobs_the_does_not_compound_sentence_suggests_make_errors_compound(knob):
    """The "holds" sentence suggests hidden size 4, fewer steps or the tutorial's recipe: on its
    run (LSTM, hidden 12, fast, seed 0; ratio 0.95) each of them brings the lesson back."""
    v = verdict_of(replace(sine.SineConfig(kinds=("LSTM",)), **knob))
    assert v.kind in ("compounds", "flat") and v.multi > forecast.COMPOUND_FACTOR * v.single, v


def test_verdict_rules_on_made_up_forecasts():
    x = np.linspace(28.9, 36, HORIZON)
    clean = np.sin(x).astype(np.float32)
    single = clean + 0.1  # the noise's +0.1 offset, nothing else
    drifting = np.sin(x * 1.08 - 0.2) * np.linspace(1, 0.6, HORIZON)  # phase and amplitude drift
    flat = np.full(HORIZON, -0.2, dtype=np.float32)
    v = forecast.verdict(single, drifting, clean)
    assert v.kind == "compounds" and v.grows and v.crossing is not None
    v = forecast.verdict(single, flat, clean)
    assert v.kind == "flat" and v.level == pytest.approx(-0.2) and v.spread < 1e-6
    v = forecast.verdict(single, clean + 0.05, clean)
    assert v.kind == "holds" and v.crossing is None and v.multi < v.single
    v = forecast.verdict(single, clean + 0.11, clean)
    assert v.kind == "close" and 1 < v.ratio <= forecast.COMPOUND_FACTOR
    for lang in CATALOGUES:  # every verdict has its sentence and its word in the comparison
        for kind in ("compounds", "close", "holds", "flat"):
            assert f"sine.verdict.{kind}" in CATALOGUES[lang] and f"sine.compare.{kind}" in CATALOGUES[lang]


# ---------------------------------------------------------------- each recipe does what its name says


def recorded_windows(cfg: sine.SineConfig, monkeypatch) -> list[list[int]]:
    """The window starts each optimiser step of real training read, recovered from its inputs."""
    X, _, _ = windows(make_series(cfg.series).y, cfg.series.window, cfg.series.split)
    first = {float(v): i for i, v in enumerate(X[:, 0, 0])}
    assert len(first) == len(X)  # the noise makes every window's first value unique
    seen: list[list[int]] = []
    original = sine.Forecasters.losses

    def spy(self, x, y):
        seen.append([first[float(v)] for v in x[:, 0, 0]])
        return original(self, x, y)

    monkeypatch.setattr(sine.Forecasters, "losses", spy)
    list(sine.build(cfg)[1])
    monkeypatch.undo()
    return seen


def test_recipes_read_the_windows_their_names_say(monkeypatch):
    n = sine.one_pass(SeriesConfig())
    tut = recorded_windows(sine.SineConfig(kinds=("RNN",), recipe="tutorial", steps=n, lr=0.01), monkeypatch)
    assert tut == [[i] for i in range(n)]  # windows 0 .. 309, in order, each exactly once
    epochs = recorded_windows(sine.SineConfig(kinds=("RNN",), recipe="epochs", steps=3 * n, lr=0.01), monkeypatch)
    assert epochs == [[i] for i in range(n)] * 3  # the same ordered pass, three times
    rnd = recorded_windows(sine.SineConfig(kinds=("RNN",), recipe="random", steps=n, lr=0.01), monkeypatch)
    starts = [s[0] for s in rnd]
    assert all(len(s) == 1 for s in rnd) and starts != sorted(starts)
    assert len(set(starts)) < n  # n random draws repeat some windows and miss others
    assert rnd == recorded_windows(sine.SineConfig(kinds=("RNN",), recipe="random", steps=n, lr=0.01), monkeypatch)
    fast = recorded_windows(sine.SineConfig(kinds=("RNN",), recipe="fast", steps=3), monkeypatch)
    assert fast == [list(range(n))] * 3  # every window, every step
    assert sine.windows_used(sine.SineConfig(recipe="tutorial", steps=n), steps=n)["start"].tolist() == list(range(n))


# ---------------------------------------------------------------- sin -> cos: tutorial C's recipe


def sincos_verdict(cfg: sincos.SinCosConfig) -> sincos.SinCosVerdict:
    pair, snapshots = sincos.build(cfg)
    assert list(snapshots)[-1].step == cfg.steps
    return sincos.verdict(sincos.evaluate(pair, cfg).scores)


@pytest.mark.parametrize("seed", SEEDS)
def test_sincos_tutorial_recipe_the_carried_state_knows(seed: int):
    """Section 6's defaults are tutorial C's recipe (300 steps, nn.RNN(1, 32), Adam lr 0.02, 10
    points per chunk of length pi), and the page says "the carried state knows". Measured at
    chunk starts, carried vs reset (seeds 0, 1, 2): 0.0017, 0.0001, 0.0003 vs 1.00 each."""
    cfg = replace(sincos.SinCosConfig(), seed=seed)
    assert (cfg.steps, cfg.hidden_size, cfg.lr, cfg.chunk) == (300, 32, 0.02, 10)
    v = sincos_verdict(cfg)
    assert v.learnt, v
    assert v.start.reset == pytest.approx(1.0, abs=0.05)  # sin t = 0 and cos t = +-1: reset cannot know
    assert v.start.carried < 0.05 and v.mse.carried < v.mse.reset / 10, v


def test_sincos_a_failed_run_is_called_one():
    """Seed 4 of the same recipe ends badly (carried 0.62 overall, worse than reset's 0.10): the
    page then says this run did not learn it, rather than the tutorial's lesson."""
    v = sincos_verdict(replace(sincos.SinCosConfig(), seed=4))
    assert not v.learnt and v.mse.carried > v.mse.reset, v
    for lang in CATALOGUES:
        assert {"sine.sc.learnt", "sine.sc.not_learnt"} <= set(CATALOGUES[lang])


def test_sincos_recipe_is_the_tutorials_loop():
    """The carried model is tutorial C's loop, weight for weight: 300 steps, step k reads
    sin of the 10 points of [k pi, (k+1) pi] and predicts their cos, h_state carried detached,
    Adam lr 0.02 on the MSE (training the reset twin alongside does not change it)."""
    cfg = sincos.SinCosConfig()
    pair, snapshots = sincos.build(cfg)
    list(snapshots)
    with seeded(cfg.seed):
        ref = sincos.SinToCos(32)
    opt = torch.optim.Adam(ref.parameters(), lr=0.02)
    h_state = None
    for step in range(300):
        steps = np.linspace(step * np.pi, (step + 1) * np.pi, 10, dtype=np.float32)
        x = torch.from_numpy(np.sin(steps)).view(1, 10, 1)
        y = torch.from_numpy(np.cos(steps)).view(1, 10, 1)
        prediction, h_state = ref(x, h_state)
        h_state = h_state.data
        loss = nn.functional.mse_loss(prediction, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    for (name, a), b in zip(pair.carried.named_parameters(), ref.parameters()):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0, msg=name)



# ---------------------------------------------------------------- checkpoints: the reveals follow the run


def forecast_of(cfg: sine.SineConfig) -> sine.Forecast:
    model, snapshots = sine.build(cfg)
    list(snapshots)
    return sine.forecast(model, make_series(cfg.series), cfg.series.window)


def test_checkpoint_path_lists_the_sine_checkpoints_in_page_order():
    assert rnnviz.checkpoint.PATH["sine"] == ("sine_1", "sine_2", "sine_3", "sine_4")
    for lang in CATALOGUES:
        for i in rnnviz.checkpoint.PATH["sine"]:
            assert {f"quiz.{i}.title", f"quiz.{i}.q"} <= set(CATALOGUES[lang]), (lang, i)


def test_sine_1_multi_step_reveal_follows_the_run():
    """The default RNN compounds (multi 0.083 = 6.8x single 0.012); the LSTM with the same recipe
    holds the sine (0.011 vs 0.012, 0.96x): the right answer is each run's own ratio."""
    rnn, lstm = (forecast_of(sine.SineConfig(kinds=(k,))) for k in ("RNN", "LSTM"))
    r = sine.multi_step_reveal(rnn, "RNN")
    v = rnn.verdicts["RNN"]
    assert r.right == "larger" and v.ratio > forecast.SAME, v
    assert f"{v.multi:.4f}" in str(r.why) and f"{v.ratio:.1f}×" in str(r.why)
    assert r.link == {"sine_kinds": "LSTM"}
    # which error: against the clean sine; what the chart shows, from the run: the free run swings
    # 65% of the sine's, damped (not "drifts away")
    assert "MSE against the clean sine" in str(r.why) and v.spread < sine.DAMPED
    assert "free run damped" in str(r.why) and f"{v.spread:.0%}" in str(r.why) and "drifts" not in str(r.why)
    wide = replace(v, spread=1.5)
    assert "wider than the sine" in str(sine.multi_step_reveal(replace(rnn, verdicts={"RNN": wide}), "RNN").why)
    r = sine.multi_step_reveal(lstm, "LSTM")
    v = lstm.verdicts["LSTM"]
    assert r.right == "same" and 1 / forecast.SAME < v.ratio < forecast.SAME, v
    assert f"{v.single:.4f}" in str(r.why) and r.link == {"sine_kinds": "RNN"}
    assert rnnviz.checkpoint.is_right("same", r) and not rnnviz.checkpoint.is_right("larger", r)


def test_sine_2_window_one_reveal_follows_the_run():
    """Window 10 keeps the rhythm (multi 0.083); trained on windows of 1 it settles (0.655): grows.
    A window-2 run is already flat (0.832), so window 1 (0.655) is about the same."""
    ten = sine.SineConfig()
    r = sine.window_one_reveal(ten, "RNN", sine.trained_verdict(ten))
    one = sine.trained_verdict(sine.with_window(ten, "RNN", 1))
    assert r.right == "grows" and one.multi > forecast.SAME * sine.trained_verdict(ten).multi, one
    assert one.kind == "flat" and f"{one.multi:.3f}" in str(r.why)
    assert r.link == {"sine_window": "2"}
    two = replace(ten, series=replace(ten.series, window=2))
    r = sine.window_one_reveal(two, "RNN", sine.trained_verdict(two))
    assert r.right == "same", str(r.why)
    assert f"{sine.trained_verdict(two).multi:.3f}" in str(r.why) and r.link == {"sine_window": "10"}


def test_sine_2_twin_trains_the_steps_the_page_gives_at_window_1():
    """The ordered recipes count passes over one_pass windows (310 at window 10, 319 at window 1):
    the window-1 twin trains 319 steps (tutorial) or as many passes of 319 (epochs); the others keep theirs."""
    n1 = sine.one_pass(SeriesConfig(window=1))
    assert n1 == 319
    for recipe, steps, want in [("tutorial", 310, n1), ("epochs", 3 * 310, 3 * n1), ("random", 500, 500),
                                ("fast", 400, 400)]:
        twin = sine.with_window(sine.SineConfig(recipe=recipe, steps=steps, kinds=("RNN", "LSTM")), "LSTM", 1)
        assert (twin.steps, twin.series.window, twin.kinds, twin.recipe) == (want, 1, ("LSTM",), recipe)


def test_sine_3_recipes_reveal_follows_the_comparison():
    """On the tutorial's series the fast recipe wins (multi 0.083 vs 0.497); with gaussian noise
    of level 2 it learns the noise and its free run wanders (4.4) far past the tutorial's flat line (0.52)."""
    def results(series: SeriesConfig) -> dict[str, sine.RecipeResult]:
        _, snapshots = sine.compare(sine.CompareConfig(series=series, passes=1))  # the reveal reads tutorial and fast
        return list(snapshots)[-1].info["results"]

    default = results(SeriesConfig())
    r = sine.recipes_reveal(default)
    assert r.right == "fast" and default["fast"].verdict.multi < default["tutorial"].verdict.multi / forecast.SAME
    assert f"{default['fast'].verdict.multi:.4f}" in str(r.why) and r.link["sine_noise_kind"] == "gaussian"
    noisy = results(SeriesConfig(noise=2.0, noise_kind="gaussian"))
    r = sine.recipes_reveal(noisy)
    assert r.right == "tutorial", str(r.why)
    assert noisy["fast"].verdict.multi > forecast.SAME * noisy["tutorial"].verdict.multi
    assert f"{noisy['tutorial'].verdict.multi:.3f}" in str(r.why)
    # why, from the fast recipe's own run: its loss fell (4.6 -> 1.25) while its single-step error
    # against the clean sine (2.99) is worse than always 0 (0.525): it learnt the noise, not diverged
    fast = noisy["fast"]
    assert fast.last_loss < fast.first_loss and fast.verdict.single > fast.verdict.zero
    assert r.why.key == "quiz.sine_3.why_tutorial_noise" and f"{fast.verdict.single:.3f}" in str(r.why)
    assert f"{fast.first_loss:.3f} → {fast.last_loss:.3f}" in str(r.why)
    # had its loss risen, the reveal would say it diverged
    rose = dict(noisy, fast=replace(fast, first_loss=fast.last_loss / 2))
    assert sine.recipes_reveal(rose).why.key == "quiz.sine_3.why_tutorial_diverged"
    assert "diverged" in str(sine.recipes_reveal(rose).why)


def test_sine_4_reset_reveal_follows_the_run():
    """After tutorial C's 300 chunks the reset twin is off by about 1 at chunk starts, the carried
    one by 0.002: grows. After 5 chunks neither has learnt (0.88 vs 1.00): about the same."""
    r = sincos.reset_reveal(sincos_verdict(sincos.SinCosConfig()))
    assert r.right == "grows" and r.link == {"sc_steps": "5"}, str(r.why)
    few = sincos.SinCosConfig(steps=5)
    v = sincos_verdict(few)
    r = sincos.reset_reveal(v)
    assert r.right == "same" and r.link == {"sc_steps": "300"}, v
    assert f"{v.start.reset:.3f}" in str(r.why) and f"{v.start.carried:.3f}" in str(r.why)


# ==================== Page 3, LSTM gates ====================

LONG, MIDDLE = 50, 20  # the comparison's longest gap, and section 1's default gap (also shown)
SOLVED = 0.95  # a model that carried the symbol


@cache
def trained(kind: str, gap: int, seed: int, task: str = "memory"):
    """(model, final held-out accuracy) of section 1's defaults with these changes."""
    cfg = replace(gates.GateConfig(), kind=kind, gap=gap, seed=seed, task=task)
    model, snapshots = gates.build(cfg)
    last = None
    for last in snapshots:
        pass
    return cfg, model, last.info["accuracy"]


def accuracies(gap: int, seed: int) -> dict[str, float]:
    return {kind: trained(kind, gap, seed)[2] for kind in gates.CELL_TYPES}


@pytest.mark.parametrize("seed", SEEDS)
def test_section_1_default_run_is_the_comparisons_point(seed: int):
    base = replace(gates.GateConfig(), seed=seed)
    rows = list(gates.gap_sweep(base, ("LSTM",), (gates.GateConfig.gap,)))
    assert rows[0].accuracy == trained("LSTM", gates.GateConfig.gap, seed)[2], "one setting, one number"
    assert gates.GateConfig.gap in (5, MIDDLE, LONG)  # section 1's gap is one of the comparison's


@pytest.mark.parametrize("seed", SEEDS)
def test_comparison_rnn_fails_where_lstm_and_gru_succeed(seed: int):
    chance = gates.chance(gates.GateConfig())
    long, middle = accuracies(LONG, seed), accuracies(MIDDLE, seed)
    # the long gap: the plain RNN near chance, both gated models carry the symbol
    assert long["RNN"] <= chance + gates.NEAR_CHANCE, long
    assert long["LSTM"] >= SOLVED and long["GRU"] >= SOLVED, long
    # gap 20: the order already holds (the RNN partly learns, never solves)
    assert middle["RNN"] + gates.CLEAR < middle["GRU"] <= middle["LSTM"] + gates.COINCIDE, middle
    rows = pd.DataFrame([{"kind": k, "gap": g, "accuracy": a, "seconds": 0.0}
                         for g, accs in ((MIDDLE, middle), (LONG, long)) for k, a in accs.items()])
    lesson = gates.sweep_lesson(rows, gates.GateConfig())
    assert lesson.verdict == "holds", lesson
    assert LONG in lesson.coincide, "LSTM and GRU both solve the long gap: the page says their lines coincide"


@pytest.mark.parametrize("seed", SEEDS)
def test_memory_units_cell_states_keep_the_symbols_apart(seed: int):
    cfg, model, _ = trained("LSTM", MIDDLE, seed)
    units = gates.memory_units(model, cfg).units
    sep = gates.separation(model, cfg, units)
    assert gates.memory_held(sep, cfg), sep
    assert sep.lowest >= gates.HELD_GAP and sep.at_cue >= gates.HELD_CUE
    # the plain RNN's hidden state does not hold them (its colours mix)
    rnn_cfg, rnn, _ = trained("RNN", MIDDLE, seed)
    rnn_sep = gates.separation(rnn, rnn_cfg, gates.memory_units(rnn, rnn_cfg).units)
    assert not gates.memory_held(rnn_sep, rnn_cfg) and rnn_sep.at_cue < sep.at_cue - 0.3, (rnn_sep, sep)


@pytest.mark.parametrize("seed", SEEDS)
def test_forget_gate_stays_at_its_start_on_the_memory_task(seed: int):
    cfg, model, _ = trained("LSTM", MIDDLE, seed)
    learnt = gates.keep_gate_learnt(model, cfg, gates.memory_units(model, cfg).units)
    assert gates.keep_verdict(learnt) == "stayed", learnt
    assert learnt.init == pytest.approx(learnt.sigma_b, abs=0.01)


@pytest.mark.parametrize("seed", SEEDS)
def test_forget_gate_drops_at_the_replacing_symbol(seed: int):
    cfg, model, acc = trained("LSTM", MIDDLE, seed, "replace")
    assert acc >= SOLVED, "the LSTM answers the most recent symbol"
    units = gates.memory_units(model, cfg).units
    drop = gates.keep_gate_drop(model, cfg, units)
    assert drop.elsewhere - drop.at_replace >= 2 * gates.DROP, drop  # the page says "drops"
    assert gates.memory_held(gates.separation(model, cfg, units), cfg)


@pytest.mark.parametrize("seed", SEEDS)
def test_replace_task_trains_past_solved_because_the_forget_gate_learns_after(seed: int):
    # the page: "solved at step N, trained on on purpose: the forget gate dropped by only x then, y now"
    cfg, model, _ = trained("LSTM", MIDDLE, seed, "replace")
    _, snapshots = gates.build(cfg)
    history = list(snapshots)
    assert history[-1].step == cfg.steps, "the replace task trains all its steps"
    solved_at = next(s.step for s in history if s.info["accuracy"] >= gates.SOLVED)
    went_on = gates.after_solved(cfg, history[-1].info, model)
    assert went_on.solved_step == solved_at < cfg.steps
    assert went_on.verdict == "learnt_after", went_on  # the drop grew by at least DROP after solving
    assert went_on.drop_now >= went_on.drop_then + gates.DROP


# ---- Page 3's checkpoints: each reveal follows the learner's model (two settings, two answers)


def test_gates_1_keep_gate_reveal_follows_the_model():
    cfg, model, acc = trained("LSTM", MIDDLE, 0)
    high = gates.keep_gate_reveal(model, cfg)
    assert acc >= SOLVED and high.right == "forget_high"
    units = gates.memory_units(model, cfg).units
    mean = gates.keep_gate_learnt(model, cfg, units).trained
    assert f"**{mean:.3f}**" in str(high.why) and high.link == {"gates_fb": "-2.0", "gates_kind": "LSTM"}
    # the gate started shut (b_f = -5) and trained one step: the model forgot, the answer follows
    shut = replace(cfg, forget_bias=-5.0, steps=1)
    low = gates.keep_gate_reveal(gates.build(shut)[0], shut)
    assert low.right == "forget_low" and low.link["gates_fb"] == "4.0", low
    gru_cfg, gru, _ = trained("GRU", MIDDLE, 0)
    assert gates.keep_gate_reveal(gru, gru_cfg).right == "update_high"
    assert set(gates.KEEP_OPTIONS["LSTM"]) >= {high.right, low.right}


def test_gates_4_rnn_reveal_reads_the_comparison():
    rows = pd.DataFrame([{"kind": k, "gap": g, "accuracy": a, "seconds": 0.0}
                         for g in (5, LONG) for k, a in accuracies(g, 0).items()])
    solved, failed = gates.rnn_gap_reveal(rows, 5), gates.rnn_gap_reveal(rows, LONG)
    assert (solved.right, failed.right) == ("yes", "no"), rows  # a gap the RNN solves and one it cannot
    rnn_long = accuracies(LONG, 0)["RNN"]
    assert f"**{rnn_long:.0%}**" in str(failed.why)
    assert failed.link == {"gates_kind": "RNN", "gates_gap": "5", "gates_task": "memory"}, "where the answer differs"
    assert solved.link["gates_gap"] == str(LONG)
    assert failed.try_this.key == "quiz.gates_4.try_seen_no", "the try says what section 1 shows: it solves gap 5"
    assert solved.try_this.key == "quiz.gates_4.try_seen_yes"
    assert gates.rnn_gap_reveal(rows[rows["kind"] != "RNN"]) is None, "no RNN at that gap: no answer"


def test_gates_2_unit_reveal_ranks_the_units():
    # one ranking (how often one unit alone reads the symbol back inside the gap) for the chart,
    # the reveal and the unit box; on the default run the units differ, so a low pick is wrong
    cfg, model, _ = trained("LSTM", MIDDLE, 0)
    ranking, shown = gates.hold_ranking(model, cfg), gates.memory_units(model, cfg).units
    assert [v for _, v in ranking] == sorted((v for _, v in ranking), reverse=True)
    assert shown == [u for u, _ in ranking[:3]] and gates.memory_unit(model, cfg) == shown[0], "one ranking"
    assert ranking[-1][1] < ranking[0][1] - gates.TIE, ranking  # the units differ: the question has a wrong answer
    worst = ranking[-1][0]
    missed = gates.unit_reveal(model, cfg, worst)
    assert missed.right == str(ranking[0][0]) and missed.right != str(worst), "a low pick is judged wrong"
    assert f"ranks **{cfg.hidden_size} of {cfg.hidden_size}**" in str(missed.why)
    assert f"({', '.join(map(str, shown))})" in str(missed.why), "the reveal names the chart's units"
    assert missed.link == {"gates_unit": str(shown[0])}
    assert gates.unit_reveal(model, cfg, str(shown[2])).right == str(shown[2]), "any unit the chart shows is right"
    assert gates.unit_reveal(model, cfg, "none").right == str(shown[0]), "the memory is held: none is wrong"
    rnnviz.i18n.set_language("zh")
    try:
        said = str(missed.why)
    finally:
        rnnviz.i18n.set_language("en")
    assert ", " not in said and "。 " not in said and "C_t 读回" in said, said
    # a failed model (the forget gate starts shut, b_f = -2): no unit holds the symbol, the answer is none
    failed = replace(cfg, forget_bias=-2.0)
    model, snapshots = gates.build(failed)
    for _ in snapshots:
        pass
    assert gates.hold_ranking(model, failed)[0][1] < gates.UNIT_HOLDS
    none = gates.unit_reveal(model, failed, "8")
    assert none.right == "none" and "No unit holds the symbol" in str(none.why), none
    assert none.link == {"gates_fb": "4.0"} and gates.memory_unit(model, failed) is None
    # a plain RNN has no gates: its try-this says so
    rnn_cfg, rnn, _ = trained("RNN", 5, 0)
    assert gates.unit_reveal(rnn, rnn_cfg, None).try_this.key == "quiz.gates_2.try_rnn"


def test_gates_recall_note_names_the_bias_and_the_path_skips():
    # b_f = 0 at gap 50: section 1 names the bias (as gates_3's reveal does), not "more steps"
    cfg, last = replace(gates.GateConfig(), gap=LONG, forget_bias=0.0), None
    for last in gates.build(cfg)[1]:
        pass
    note = gates.recall_note(cfg, last)
    assert note.key == "gates.train.at_chance_bias" and note.values["keep"] == f"{0.5 ** LONG:.1e}", note
    default = replace(cfg, forget_bias=4.0, steps=1)  # the default bias, too few steps: not the bias
    assert gates.recall_note(default, replace(last, step=1)).key == "gates.train.at_chance_gated"
    assert gates.percent(0.087 ** 20) == "6.2e-22" and gates.percent(0.5) == "50.0%"
    assert set(gates.skipped_checkpoints(replace(cfg, kind="GRU"))) == {"gates_3"}
    assert set(gates.skipped_checkpoints(replace(cfg, kind="RNN"))) == {"gates_1", "gates_3"}
    assert set(gates.skipped_checkpoints(replace(cfg, task="sine"))) == {"gates_1", "gates_2"}
    assert gates.skipped_checkpoints(cfg) == {}


def test_gates_3_forget_bias_0_reveal_trains_it():
    long, short = gates.bias_reveal(gates.GateConfig(), LONG), gates.bias_reveal(gates.GateConfig(), 5)
    assert (long.right, short.right) == ("fails", "solves"), "b_f = 0 cannot reach back 50 steps, 5 it can"
    acc0 = gates.final_accuracy(replace(gates.GateConfig(), gap=LONG, forget_bias=0.0))
    acc4 = gates.final_accuracy(replace(gates.GateConfig(), gap=LONG))
    assert acc0 < gates.CARRIED <= acc4 and f"**{acc0:.0%}**" in str(long.why) and f"**{acc4:.0%}**" in str(long.why)
    assert long.link == {"gates_task": "memory", "gates_kind": "LSTM", "gates_gap": "50", "gates_fb": "0.0"}


# ==================== Page 4, char-level generation ====================

PREFIXES = ("分开", "不分开")  # the chapter's


@pytest.fixture(scope="module")
def lyrics_10k(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The chapter's text: the lyrics through fetch() from a local server, newlines as spaces, first 10,000."""
    cache, text.CACHE = text.CACHE, tmp_path_factory.mktemp("cache")
    try:
        with serve(reference_routes()) as srv:
            src = replace(text.SOURCES["lyrics"], url=srv.url("/jaychou_lyrics.txt.zip"))
            raw = text.read_text(src.name, text.fetch(src).read_bytes())
    finally:
        text.CACHE = cache
    return text.d2l_lyrics(raw, 10_000)


def train_char(cfg: charlm.CharConfig, text: str, prefixes: tuple[str, ...] = PREFIXES):
    corpus = charlm.prepare(text, cfg.held_out)
    trained, snapshots = charlm.build(cfg, corpus, prefixes)
    return trained, list(snapshots), corpus


class Runs(dict):
    """seed -> (charlm.Trained, snapshots, corpus) of the chapter's recipe, each trained to its end on first use
    (so each run's two minutes fall in one test, well inside pytest's per-test timeout)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def __missing__(self, seed: int):
        self[seed] = train_char(replace(charlm.CHAPTER, seed=seed), self.text)
        return self[seed]


@pytest.fixture(scope="module")
def chapter(lyrics_10k: str) -> Runs:
    return Runs(lyrics_10k)


def epochs_of(snaps) -> list[dict]:
    return [s.info for s in snaps if "held_ppl" in s.info]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_chapters_recipe_memorises_the_first_10000_characters(chapter, seed):
    trained, snaps, corpus = chapter[seed]
    assert len(corpus.vocab) == 1_027 and snaps[-1].step == snaps[-1].total == 2_000  # 250 epochs of 8 minibatches
    last = epochs_of(snaps)[-1]
    base = trained.baselines
    assert last["epoch"] == 250 and not any(s.stopped for s in snaps)
    assert last["train_ppl"] <= 1.3, last["train_ppl"]
    # held-out: far above train (100x), above the bigram (and the unigram): memorised, not learnt
    assert last["held_ppl"] > 100 * last["train_ppl"] and last["held_ppl"] > base["unigram"] > base["bigram"], (
        last, base)
    assert charlm.memorisation(last["train_ppl"], last["held_ppl"], base).startswith("memorised")


@pytest.mark.parametrize("seed", SEEDS)
def test_the_printout_is_the_chapters_and_final_weights_are_epoch_250s(chapter, seed):
    trained, snaps, corpus = chapter[seed]
    model, printed = trained.model, [info for info in epochs_of(snaps) if "samples" in info]
    assert [info["epoch"] for info in printed] == [50, 100, 150, 200, 250]
    for info in printed:  # 50 characters written greedily from each of the chapter's prefixes
        assert {p: len(s) - len(p) for p, s in info["samples"].items()} == {"分开": 50, "不分开": 50}
        assert all(s.startswith(p) for p, s in info["samples"].items()) and info["seconds"] > 0
    end = snaps[-1].info
    assert end["kept_epoch"] == 250 and not end["early"]
    # the model handed over writes the printout's last sample, and scores its last held-out figure
    assert charlm.generate(model, trained.vocab, "分开", 50, "greedy").text == printed[-1]["samples"]["分开"]
    assert charlm.perplexity(model, corpus.held_ids) == pytest.approx(end["held_ppl"], rel=1e-6)
    assert end["best_epoch"] < 250 and end["best_ppl"] < end["held_ppl"]  # the best epoch was another, not kept


@pytest.mark.parametrize("seed", SEEDS)
def test_best_held_out_weights_keep_the_best_epoch(lyrics_10k, chapter, seed):
    cfg = replace(charlm.CHAPTER, keep="best", patience=3, seed=seed)
    trained, snaps, corpus = train_char(cfg, lyrics_10k)
    scored = epochs_of(snaps)
    best = min(scored, key=lambda info: info["held_ppl"])
    end = snaps[-1].info
    assert end["early"] and end["epoch"] == best["epoch"] + cfg.patience < 250  # stopped early
    assert end["kept_epoch"] == best["epoch"] and end["kept_ppl"] == best["held_ppl"]
    assert charlm.perplexity(trained.model, corpus.held_ids) == pytest.approx(best["held_ppl"], rel=1e-6)
    # the same epochs as the final-weights run until it stopped: only what is kept differs
    final_run = epochs_of(chapter[seed][1])[:len(scored)]
    assert [i["held_ppl"] for i in final_run] == pytest.approx([i["held_ppl"] for i in scored], rel=1e-6)
    assert best["held_ppl"] < epochs_of(chapter[seed][1])[-1]["held_ppl"] / 10


@pytest.mark.parametrize("seed", SEEDS)
def test_the_verdict_follows_the_run(chapter, seed):
    trained, snaps, _ = chapter[seed]
    base = trained.baselines
    early = epochs_of(snaps)[9]  # epoch 10: the lyrics not learnt yet, nothing beyond pairs either
    assert early["train_ppl"] > charlm.NEAR_ONE and early["held_ppl"] > base["bigram"]
    assert charlm.memorisation(early["train_ppl"], early["held_ppl"], base) == "not_yet"
    # the page's fast default on the built-in grammar predicts held-out text better than the bigram
    text = grammar.corpus()
    fast = replace(charlm.RECIPES["fast"].config, seed=seed)
    trained, snaps, _ = train_char(fast, text, ("B",))
    last = epochs_of(snaps)[-1]
    assert last["held_ppl"] < trained.baselines["bigram"]
    assert charlm.memorisation(last["train_ppl"], last["held_ppl"], trained.baselines) == "generalises"


def test_the_verdicts_thresholds():
    base = {"uniform": 1027.0, "unigram": 684.0, "bigram": 290.0}
    assert charlm.memorisation(1.2, 11_000.0, base) == "memorised_uniform"  # worse than guessing
    assert charlm.memorisation(1.2, 800.0, base) == "memorised"  # far above the bigram, below uniform
    assert charlm.memorisation(1.2, 250.0, base) == "generalises"  # below the bigram: learnt something general
    assert charlm.memorisation(150.0, 700.0, base) == "not_yet"
    assert charlm.memorisation(charlm.NEAR_ONE, 291.0, base) == "memorised" and charlm.memorisation(2.01, 291.0, base) == "not_yet"


# ---- page 4's checkpoints (rnnviz.checkpoint): each reveal computed from a run, on two settings whose answers
# differ: the page's fast default on the grammar (generalises) and a big GRU on the Zen of Python's 856
# characters (final weights after 60 epochs: memorises it, in about 5 seconds)


def zen() -> str:
    import codecs
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # importing `this` prints it
        import this
    return codecs.decode(this.s, "rot13")


MEMORISES = charlm.CharConfig(kind="GRU", hidden_size=256, dropout=0.0, batch_size=4, epochs=60, keep="final",
                              offset=False)


@pytest.fixture(scope="module")
def fast_run():
    return train_char(charlm.RECIPES["fast"].config, grammar.corpus(), ("B",))


@pytest.fixture(scope="module")
def zen_run():
    return train_char(MEMORISES, zen(), ("Beautiful",))


@pytest.mark.parametrize("cfg", [charlm.CharConfig(), replace(charlm.CharConfig(), batch_size=8, num_steps=10,
                                                              sampling="consecutive", epochs=1, hidden_size=8)])
def test_char_1_detach_quotes_the_runs_own_minibatches(cfg):
    # the answer is an estimate computed from the run: without detach the epoch's last backward pass runs back to
    # the epoch's start, num_steps × the minibatches the state is carried through (a run sampled at random is asked
    # about consecutive sampling of the same text); the answer "only its own num_steps" is wrong
    corpus = charlm.prepare(grammar.corpus(), cfg.held_out)
    reveal = charlm.detach_reveal(corpus, cfg)
    carried = replace(cfg, sampling="consecutive", epochs=1)
    _, snaps = charlm.build(carried, corpus)
    steps_run = list(snaps)[-1].step  # one epoch carrying the state: as many steps as minibatches
    values = reveal.why.values
    assert reveal.right == cfg.num_steps * steps_run == values["chain"] and charlm.detach_chain(corpus, cfg) == (
        steps_run, reveal.right)
    assert values["batches"] == steps_run and values["batch"] == cfg.batch_size and values["hidden"] == cfg.hidden_size
    assert values["steps"] == cfg.num_steps
    assert rnnviz.checkpoint.is_right(reveal.right, reveal) and not rnnviz.checkpoint.is_right(cfg.num_steps, reveal)
    assert reveal.why.key == f"quiz.char_1.why_{cfg.sampling}"
    assert reveal.link == {"char_sampling": "random" if cfg.sampling == "consecutive" else "consecutive"}
    # what the right option says, on the model: the next minibatch's loss reaches back into this one's graph
    # only without detach, and the detached state holds the same values
    model = charlm.CharLM(len(corpus.vocab), cfg)
    X = corpus.train_ids[:2 * cfg.num_steps].reshape(2, cfg.num_steps)
    _, state = model(X[:1])
    for cut, reaches in ((charlm.detach, False), (lambda s: s, True)):
        logits, _ = model(X[1:], cut(state))
        grad = torch.autograd.grad(logits.sum(), state, allow_unused=True)[0]
        assert (grad is not None) == reaches
    assert torch.equal(charlm.detach(state), state)


def test_char_2_the_right_answer_is_the_runs_verdict(fast_run, zen_run):
    answers = {}
    for name, (trained, snaps, _) in {"fast": fast_run, "zen": zen_run}.items():
        last = epochs_of(snaps)[-1]
        reveal = charlm.memorisation_reveal(last, trained)
        answers[name] = reveal.right
        verdict = charlm.memorisation(last["train_ppl"], last["held_ppl"], trained.baselines)
        assert reveal.right == ("memorised" if verdict.startswith("memorised") else verdict)
        assert reveal.why.key == f"quiz.char_2.why_{reveal.right}"
        assert reveal.why.values["train"] == charlm.readable(last["train_ppl"])
        assert reveal.why.values["ratio"] == pytest.approx(last["held_ppl"] / trained.baselines["bigram"])
        assert set(reveal.link) <= {"char_recipe", "char_keep"} and reveal.link["char_recipe"] == "d2l"
    assert answers == {"fast": "generalises", "zen": "memorised"}
    last = epochs_of(zen_run[1])[-1]  # memorised: train near 1, held-out far above the bigram
    assert last["train_ppl"] < 1.2 and last["held_ppl"] > 5 * zen_run[0].baselines["bigram"]


def repeated_by_hand(s: str, n: int) -> int:
    """Characters of s inside a stretch of n that also starts somewhere earlier in s (the slow way)."""
    return sum(any(s[j:j + n] in {s[i:i + n] for i in range(j)} for j in range(max(0, k - n + 1), k + 1)
                   if j + n <= len(s)) for k in range(len(s)))


def test_char_2_the_try_and_the_why_say_what_the_page_can_do(fast_run, zen_run, tmp_path, monkeypatch):
    # the chapter's lyrics not at hand (no shipped copy, an empty cache): the try says choosing it downloads them
    monkeypatch.setattr(text, "CACHE", tmp_path)
    assert not charlm.at_hand("lyrics")
    for trained, snaps, _ in (fast_run, zen_run):
        last = epochs_of(snaps)[-1]
        reveal = charlm.memorisation_reveal(last, trained)
        assert reveal.try_this.key.endswith("_download") and reveal.why.values["fallback"] == ""
        assert f"{text.SOURCES['lyrics'].size / 1e3:,.0f} kB" in str(reveal.try_this)
    (tmp_path / text.SOURCES["lyrics"].name).write_bytes(b"cached")
    assert charlm.at_hand("lyrics")
    reveal = charlm.memorisation_reveal(epochs_of(fast_run[1])[-1], fast_run[0])
    assert reveal.try_this.key == "quiz.char_2.try_d2l"
    # the d2l recipe chosen, the lyrics not loaded, the run on the grammar: the why says it is the fallback first
    fell = charlm.memorisation_reveal(epochs_of(fast_run[1])[-1], fast_run[0], chosen="lyrics", used="reber")
    assert str(fell.why).startswith("**This run trained on Embedded Reber grammar (built in), not on Jay Chou lyrics")
    same = charlm.memorisation_reveal(epochs_of(fast_run[1])[-1], fast_run[0], chosen="lyrics", used="lyrics")
    assert same.why.values["fallback"] == ""


def test_char_3_which_sample_repeats_is_measured_on_the_samples(fast_run, zen_run):
    answers = {}
    for name, (trained, _, _), prefix in (("fast", fast_run, "B"), ("zen", zen_run, "Beautiful")):
        writing = charlm.GenerateConfig(prefix=prefix, seed=0)
        samples = charlm.temperature_samples(trained.model, trained.vocab, writing)
        # the page's generate() with its prefix and seed, at each temperature
        assert samples[0.2] == charlm.generate(trained.model, trained.vocab, prefix, charlm.TEMPERATURE_CHARS,
                                               "temperature", 0.2, seed=0).text[len(prefix):]
        reveal = charlm.temperature_reveal(samples)
        v = reveal.why.values
        n = charlm.REPEAT
        assert (v["low_repeated"], v["low_all"]) == (repeated_by_hand(samples[0.2], n), len(samples[0.2]))
        assert (v["high_repeated"], v["high_all"]) == (repeated_by_hand(samples[1.5], n), len(samples[1.5]))
        low, high = v["low"], v["high"]
        assert reveal.right == ("same" if abs(low - high) < charlm.SAME else "low" if low > high else "high")
        answers[name] = reveal.right
        # the answer follows the samples, not the temperatures: the same two samples the other way round, the other answer
        swapped = charlm.temperature_reveal({0.2: samples[1.5], 1.5: samples[0.2]}).right
        assert swapped == {"low": "high", "high": "low", "same": "same"}[reveal.right]
    # the grammar's model loops at 0.2. The memorised one's answer depends on the machine's arithmetic: on one it
    # recited varied text at 0.2 and looped at 1.5 ("Although never."), on another (an AMD EPYC) it looped at 0.2
    # ("Explicitlicitlity counts.") and the answer was "low" too
    assert answers["fast"] == "low"


def test_char_3_the_grammars_small_alphabet_does_not_saturate_the_measure(fast_run):
    # the review's case: on the grammar (8 symbols) the share of distinct 3-grams saturates (at sample seed 2 the
    # two samples are 22 % and 26 %, "the same"), while the samples plainly differ: the repeated share tells them apart
    trained = fast_run[0]
    samples = charlm.temperature_samples(trained.model, trained.vocab, charlm.GenerateConfig(prefix="B", seed=2))
    distinct = {t: len({s[i:i + 3] for i in range(len(s) - 2)}) / (len(s) - 2) for t, s in samples.items()}
    assert abs(distinct[0.2] - distinct[1.5]) < 0.05, distinct
    reveal = charlm.temperature_reveal(samples)
    assert reveal.right == "low", reveal.why.values
    # not capped by the alphabet: text drawn uniformly from 8 symbols repeats almost nothing, a loop almost all
    rng = random.Random(0)
    noise = "".join(rng.choice("BTSXPVE\n") for _ in range(200))
    assert charlm.repeated_share(noise) < (10, 200) and charlm.repeated_share("BTSSXXTVVE\n" * 18)[0] > 180
    assert charlm.repeated_share("abcabcabc", 3) == (6, 9) and charlm.repeated_share("abcdefg", 3) == (0, 7)
    # the same: said as "by this measure", in percentage points, never as the model's certainty
    same = charlm.temperature_reveal({0.2: "BTSSXXTVVE\n" * 18, 1.5: "BPTVVE\n" * 29})
    assert same.right == "same" and same.why.values["points"] < 100 * charlm.SAME
    for lang in ("en", "zh"):
        words = CATALOGUES[lang]["quiz.char_3.why_same"]
        assert "{points" in words and "{same" in words and "so sure" not in words and "确定" not in words
    assert "percentage points" in CATALOGUES["en"]["quiz.char_3.why_same"] and "百分点" in CATALOGUES["zh"]["quiz.char_3.why_same"]


def test_char_4_the_right_unit_is_the_rankings_first(fast_run, zen_run):
    answers = {}
    for name, (trained, _, _) in {"fast": fast_run, "zen": zen_run}.items():
        snippet = trained.held_text[:600]
        acts = charlm.unit_activations(trained.model, trained.vocab, snippet)
        for feature, values in charlm.varying_features(snippet).items():
            ranking = charlm.rank_units(acts, values, top=acts.shape[1])
            candidates = charlm.unit_candidates(acts, values)
            assert len(candidates) == 4 and list(candidates) == sorted(candidates)
            assert ranking[0][0] in candidates and ranking[-1][0] in candidates  # the best and the worst
            reveal = charlm.unit_reveal(acts, values, candidates, "x")
            assert reveal.right == str(ranking[0][0])  # the best overall is among them, so it is the answer
            assert reveal.why.values["r"] == pytest.approx(ranking[0][1])
            answers[name, feature] = reveal.right
            # without the best unit among the candidates, the best of the others is the answer
            rest = tuple(u for u, _ in ranking[1:4])
            assert charlm.unit_reveal(acts, values, rest).right == str(ranking[1][0])
            # the unit box starts on none of the candidates: the first view does not colour the text by the answer
            assert charlm.neutral_unit(acts, values, candidates) not in candidates
    # the answer follows the model and the feature, not a constant
    assert len(set(answers.values())) > 1, answers
    assert {"fast", "zen"} == {m for m, _ in answers}


def test_char_4_the_try_follows_the_width_and_the_list_the_language(fast_run, zen_run):
    from rnnviz.i18n import set_language

    for (trained, _, _), units in ((fast_run, 64), (zen_run, 256)):
        snippet = trained.held_text[:600]
        acts = charlm.unit_activations(trained.model, trained.vocab, snippet)
        feature = next(iter(charlm.varying_features(snippet).values()))
        candidates = charlm.unit_candidates(acts, feature)
        reveal = charlm.unit_reveal(acts, feature, candidates)
        assert acts.shape[1] == units
        # a 64-unit model is offered 256 units; a 256-unit one a narrower model, never its own width again
        assert reveal.link == {"char_hidden": "256" if units < 256 else "16"} and reveal.link["char_hidden"] != str(units)
        assert reveal.try_this.key == ("quiz.char_4.try_wider" if units < 256 else "quiz.char_4.try_narrower")
        r = dict(charlm.rank_units(acts, feature, top=units))
        others = [u for u in candidates if str(u) != reveal.right]
        rendered = {}
        for lang in ("en", "zh"):
            set_language(lang)
            try:
                rendered[lang] = str(reveal.why)
            finally:
                set_language("en")
        assert ", ".join(f"{u} ({r[u]:+.2f})" for u in others) in rendered["en"]
        assert "、".join(f"{u}（{r[u]:+.2f}）" for u in others) in rendered["zh"]
        assert ", " not in rendered["zh"].split("其他候选：")[1].split("。")[0] and "））" not in rendered["zh"]
