"""The experiments of the "Sine forecasting" page: train window forecasters by one of four
recipes, then compare single-step and multi-step (free-running) forecasts, look at the hidden
state, and train every recipe side by side.

Every frame here has stable column names and values ("model", "how": "single_step" /
"multi_step"); the page says them in the learner's words (rnnviz/ui/sine.py). Where a change goes:
- a new recipe: add it to RECIPES (and DEFAULT_LR, DEFAULT_STEPS), say which windows its steps
  read in window_schedule and which optimiser it uses in build; its label and caption are
  sine.train.<recipe>[_caption] and its FAQ answer sine.faq.passes_<recipe> in both catalogues.
- a new forecaster (model kind): rnnviz/models.py (FORECASTERS, SeqRegressor).
- a new claim about the forecasts: rnnviz/forecast.py (Verdict) and tests/test_lessons.py.
- a new chart: a pure builder in rnnviz/charts.py fed by a frame from here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd
import torch
from torch import nn

from rnnviz import cells
from rnnviz.checkpoint import Reveal
from rnnviz.data.sine import Series, SeriesConfig, check, make_series, windows
from rnnviz.forecast import Verdict, direction, free_run, single_step, verdict
from rnnviz.i18n import Message, Problem
from rnnviz.models import SeqRegressor
from rnnviz.train import Snapshot, seeded, train

# How each optimiser step picks its windows. Labels and captions: sine.train.<recipe>[_caption].
# tutorial: tutorial A exactly, ONE ordered pass (step k reads window k-1), one window per SGD step;
# epochs: the FAQ's first alternative, that ordered pass repeated; random: its second, num_iter
# steps each on one window with a random start; fast: ours, every window per step, Adam.
RECIPES = ("tutorial", "epochs", "random", "fast")
ORDERED = ("tutorial", "epochs")  # step k reads window (k-1) mod n
DEFAULT_LR = {"tutorial": 0.01, "epochs": 0.01, "random": 0.01, "fast": 0.02}  # SGD's 0.01; Adam's peak lr
DEFAULT_PASSES = 10  # the epochs recipe: TUTORIALS.md measured ten ordered passes
# the default series' steps: one pass of 310 windows; ten passes; as many random windows; 400 batches
DEFAULT_STEPS = {"tutorial": 310, "epochs": DEFAULT_PASSES * 310, "random": DEFAULT_PASSES * 310, "fast": 400}


def one_pass(series: SeriesConfig) -> int:
    """Windows in the training part: the tutorial's whole training is one step on each."""
    return series.split - series.window


@dataclass(frozen=True)
class SineConfig:
    """One forecasting experiment: the series, the models, the recipe."""

    series: SeriesConfig = field(default_factory=SeriesConfig)
    kinds: tuple[str, ...] = ("RNN",)  # the tutorial's nn.RNN; several train side by side from the same seed
    hidden_size: int = 12  # the tutorial's 12 units
    recipe: str = "fast"  # one of RECIPES
    steps: int = 400  # optimiser steps; the tutorial's recipe takes one_pass(series) of them
    lr: float = 0.02  # DEFAULT_LR has each recipe's
    seed: int = 0  # same seed: same weights for every kind, same random windows


def problem(cfg: SineConfig) -> Problem | None:
    """Why the settings cannot train (said in the learner's language when shown), or None."""
    if not cfg.kinds:
        return Problem("sine.train.no_model")
    if cfg.hidden_size < 1:
        return Problem("sine.check.hidden")
    return check(cfg.series)


class Forecasters(nn.Module):
    """Several forecasters trained side by side; their losses are summed, so one optimiser
    step is one independent step for each (Adam and SGD treat every parameter alone)."""

    def __init__(self, kinds: tuple[str, ...], hidden_size: int, seed: int):
        super().__init__()
        models = {}
        for kind in kinds:
            with seeded(seed):  # every kind starts from the same seed
                models[kind] = SeqRegressor(kind, hidden_size)
        self.models = nn.ModuleDict(models)

    def losses(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: nn.functional.mse_loss(m(x), y) for k, m in self.models.items()}


def window_schedule(cfg: SineConfig) -> Iterator[list[int]]:
    """The window starts each optimiser step reads, step 1 first: what the recipe's name says."""
    n = one_pass(cfg.series)
    if cfg.recipe in ORDERED:
        for step in range(cfg.steps):
            yield [step % n]  # window 0, 1, ..., n-1, then again from 0
    elif cfg.recipe == "random":
        pick = torch.Generator().manual_seed(cfg.seed)
        for _ in range(cfg.steps):
            yield [int(torch.randint(n, (1,), generator=pick))]
    else:
        for _ in range(cfg.steps):
            yield list(range(n))  # every window, every step


def build(cfg: SineConfig) -> tuple[Forecasters, Iterator[Snapshot]]:
    """The models and the generator that trains them."""
    series = make_series(cfg.series)
    X, Y, _ = windows(series.y, cfg.series.window, cfg.series.split)  # (S, W, 1), (S, 1)
    model = Forecasters(cfg.kinds, cfg.hidden_size, cfg.seed)
    last: dict[str, float] = {}
    schedule = None
    if cfg.recipe == "fast":
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.steps, pct_start=0.1)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=cfg.lr)
    reads = window_schedule(cfg)

    def loss_at(step: int) -> torch.Tensor:
        s = next(reads)
        xb, yb = (X, Y) if len(s) == len(X) else (X[s[0]:s[0] + 1], Y[s[0]:s[0] + 1])  # all, or one window
        per_model = model.losses(xb, yb)
        last.update({k: float(v.detach()) for k, v in per_model.items()})
        return sum(per_model.values())

    log_every = max(1, cfg.steps // 200)  # about 200 points on the loss curve
    return model, train(model, loss_at, opt, cfg.steps, log_every=log_every,
                        describe=lambda: {"losses": dict(last)}, scheduler=schedule)


# ---------------------------------------------------------------- what the page draws


def windows_used(cfg: SineConfig, steps: int = 12) -> pd.DataFrame:
    """step, start: the windows each of the first training steps reads (the training's own schedule)."""
    rows = []
    for k, starts in enumerate(window_schedule(cfg), start=1):
        if k > steps:
            break
        rows += [(k, s) for s in starts]
    return pd.DataFrame(rows, columns=["step", "start"])


def series_frame(series: Series) -> pd.DataFrame:
    """i, x, value, curve ("noisy": sin(x) + noise / "clean": sin(x)), part ("train" / "test")."""
    n = len(series.x)
    part = np.where(np.arange(n) < series.split, "train", "test")
    noisy = pd.DataFrame({"i": range(n), "x": series.x, "value": series.y, "curve": "noisy", "part": part})
    clean = pd.DataFrame({"i": range(n), "x": series.x, "value": series.clean, "curve": "clean", "part": part})
    return pd.concat([noisy, clean], ignore_index=True)


def sample_frame(series: Series, start: int, window: int) -> pd.DataFrame:
    """The training part's noisy points (series_frame's columns) and each one's role in the
    training sample whose window starts at `start`: "series", "input" (the window) or "target"."""
    frame = series_frame(series)
    w = frame[(frame["curve"] == "noisy") & (frame["i"] < series.split)].copy()
    w["role"] = "series"
    w.loc[w["i"].between(start, start + window - 1), "role"] = "input"
    w.loc[w["i"] == start + window, "role"] = "target"
    return w


def loss_frame(history: list[Snapshot]) -> pd.DataFrame:
    """step, model, loss: every model's training loss at each logged step."""
    rows = [(s.step, k, v) for s in history for k, v in s.info["losses"].items()]
    return pd.DataFrame(rows, columns=["step", "model", "loss"])


HOW = ("single_step", "multi_step")  # the two ways to forecast: from true values, or from its own outputs


@dataclass(frozen=True)
class Forecast:
    """Every model's test-part forecasts, and how the free run was fed."""

    frame: pd.DataFrame  # i, x, model, how (HOW), value
    inputs: dict[str, list[list[str]]]  # per model: the labels each free-running prediction read
    scores: pd.DataFrame  # model, how, mse_noisy (vs the noisy truth), mse_clean (vs the clean sine)
    horizon: pd.DataFrame  # model, how, h (steps ahead), abs_error vs the clean sine
    verdicts: dict[str, Verdict]  # per model: what its forecasts show (the lesson, from this run)


@torch.no_grad()
def forecast(model: Forecasters, series: Series, window: int) -> Forecast:
    """Single-step and free-running forecasts of the whole test part for every model."""
    start, end = series.split, len(series.y)
    rows, scores, horizon, inputs, verdicts = [], [], [], {}, {}
    h = np.arange(1, end - start + 1)
    for kind, m in model.models.items():
        m.eval()
        single = single_step(m, series.y, start, end, window)
        multi, inputs[kind] = free_run(m, series.y, start, end, window)
        verdicts[kind] = verdict(single, multi, series.clean[start:end])
        for how, pred in zip(HOW, (single, multi)):
            rows.append(pd.DataFrame({"i": range(start, end), "x": series.x[start:end], "model": kind,
                                      "how": how, "value": pred}))
            scores.append((kind, how, float(np.mean((pred - series.y[start:end]) ** 2)),
                           float(np.mean((pred - series.clean[start:end]) ** 2))))
            horizon.append(pd.DataFrame({"model": kind, "how": how, "h": h,
                                         "abs_error": np.abs(pred - series.clean[start:end])}))
    return Forecast(pd.concat(rows, ignore_index=True), inputs,
                    pd.DataFrame(scores, columns=["model", "how", "mse_noisy", "mse_clean"]),
                    pd.concat(horizon, ignore_index=True), verdicts)


def horizon_lines(fc: Forecast) -> pd.DataFrame:
    """fc.horizon and, per model, its threshold (Verdict.threshold: twice its single-step mean
    error) as a flat line of its own (how "threshold") over the whole horizon."""
    last = int(fc.horizon["h"].max())
    levels = [pd.DataFrame({"model": k, "how": "threshold", "h": [1, last], "abs_error": v.threshold})
              for k, v in fc.verdicts.items()]
    return pd.concat([fc.horizon, *levels], ignore_index=True)


def feed_frame(fc: Forecast, kind: str, first: int, rows: int = 12) -> pd.DataFrame:
    """prediction, reads: what the first free-running predictions of `kind` read (first: the
    index of the first test point), as the tutorial prints them."""
    inputs = fc.inputs[kind][:rows]
    return pd.DataFrame({"prediction": [f"pred[{first + k}]" for k in range(len(inputs))],
                         "reads": [", ".join(r) for r in inputs]})


def largest_gap(frame: pd.DataFrame, a: str, b: str) -> float:
    """The largest difference between two models' forecasts (frame: Forecast.frame)."""
    pa, pb = (frame[frame["model"] == k].sort_values(["how", "i"])["value"].to_numpy() for k in (a, b))
    return float(np.max(np.abs(pa - pb)))


@dataclass(frozen=True)
class HiddenStates:
    """The last hidden state of every window along the series: the state each prediction reads."""

    heat: pd.DataFrame  # i (the index it predicts), unit, value: a heatmap, units x time
    pca: pd.DataFrame  # i, pc1, pc2, part ("train" / "test"): its path on its 2 principal components


@torch.no_grad()
def hidden_over_time(m: SeqRegressor, series: Series, window: int) -> HiddenStates:
    """h_T of every window in the series, through the transparent cells, and its PCA projection."""
    X, _, starts = windows(series.y, window, len(series.y))  # every window in the series
    run = cells.run(m.recurrent(), X)  # the transparent cells, same weights
    H = run.traces[-1]["hidden"][-1].numpy()  # (S, H): h_T of each window, time first -> last step
    i = starts.numpy() + window  # the index each state predicts
    heat = pd.DataFrame({"i": np.repeat(i, H.shape[1]), "unit": np.tile(np.arange(1, H.shape[1] + 1), len(i)),
                         "value": H.reshape(-1)})
    centred = H - H.mean(axis=0)
    _, _, Vt = np.linalg.svd(centred, full_matrices=False)
    pcs = centred @ Vt[:2].T if Vt.shape[0] >= 2 else np.c_[centred @ Vt[:1].T, np.zeros(len(H))]
    part = np.where(i < series.split, "train", "test")
    return HiddenStates(heat, pd.DataFrame({"i": i, "pc1": pcs[:, 0], "pc2": pcs[:, 1], "part": part}))


def loop_message(v: Verdict) -> Message:
    """What the hidden state's loop shows for this run: a model that keeps the rhythm, or one that settles."""
    return Message("sine.inside.loop_flat" if v.kind == "flat" else "sine.inside.loop_learnt",
                   spread=v.spread, level=v.level)


def weight_shapes(m: SeqRegressor) -> pd.DataFrame:
    """parameter, shape: every parameter's name and shape, where input_size 1 and hidden_size show up."""
    return pd.DataFrame([(n, "(" + ", ".join(map(str, p.shape)) + ")") for n, p in m.named_parameters()],
                        columns=["parameter", "shape"])


def passes_message(cfg: SineConfig, steps_done: int) -> Message:
    """How many passes over the training windows the steps trained so far read, in the recipe's terms."""
    n = one_pass(cfg.series)
    return Message(f"sine.faq.passes_{cfg.recipe}", steps=steps_done, passes=steps_done / n, n=n)


# ---------------------------------------------------------------- the recipes side by side


@dataclass(frozen=True)
class CompareConfig:
    """Every recipe trained on the same series, model and seed, each with its default steps."""

    series: SeriesConfig = field(default_factory=SeriesConfig)
    kind: str = "RNN"  # the tutorial's model
    hidden_size: int = 12  # the tutorial's 12 units
    seed: int = 0  # the same initial weights for every recipe
    passes: int = DEFAULT_PASSES  # the epochs recipe's passes; the random one reads as many windows


def recipe_configs(cmp: CompareConfig) -> list[SineConfig]:
    """One SineConfig per recipe: the tutorial's single pass, `passes` ordered passes, as many
    random windows, and the fast recipe's default steps; each with its default learning rate."""
    n = one_pass(cmp.series)
    steps = {"tutorial": n, "epochs": cmp.passes * n, "random": cmp.passes * n, "fast": DEFAULT_STEPS["fast"]}
    return [SineConfig(series=cmp.series, kinds=(cmp.kind,), hidden_size=cmp.hidden_size, recipe=r,
                       steps=steps[r], lr=DEFAULT_LR[r], seed=cmp.seed) for r in RECIPES]


@dataclass(frozen=True)
class RecipeResult:
    """One recipe's run in the comparison."""

    recipe: str
    steps: int  # optimiser steps taken
    windows_read: int  # windows read in all (steps x windows per step)
    seconds: float  # wall time of its training
    verdict: Verdict  # its single- and multi-step MSE vs the clean sine, and what its free run shows
    first_loss: float = float("nan")  # its training loss at its first logged step: did its own training
    last_loss: float = float("nan")  # make the loss fall (learnt, maybe the noise) or rise (diverged)?


def compare(cmp: CompareConfig) -> tuple[dict[str, Forecasters], Iterator[Snapshot]]:
    """Train every recipe in turn; the snapshots count steps over all of them, and their info
    holds the finished recipes' RecipeResults ("results") and the one training ("recipe")."""
    configs = recipe_configs(cmp)
    total = sum(c.steps for c in configs)
    series = make_series(cmp.series)
    models: dict[str, Forecasters] = {}

    def run() -> Iterator[Snapshot]:
        done, results = 0, {}
        for c in configs:
            model, snapshots = build(c)
            models[c.recipe] = model
            t0, first = time.perf_counter(), None
            for snap in snapshots:
                first = snap.loss if first is None else first
                if snap.stopped:
                    yield Snapshot(done + snap.step, total, snap.loss, snap.grad_norm, {}, snap.stopped)
                    return
                if snap.step == c.steps:
                    seconds = time.perf_counter() - t0
                    fc = forecast(model, series, c.series.window)
                    per_step = one_pass(c.series) if c.recipe == "fast" else 1
                    results[c.recipe] = RecipeResult(recipe=c.recipe, steps=c.steps, windows_read=c.steps * per_step,
                                                     seconds=seconds, verdict=fc.verdicts[cmp.kind],
                                                     first_loss=first, last_loss=snap.loss)
                yield Snapshot(done + snap.step, total, snap.loss, snap.grad_norm,
                               {"recipe": c.recipe, "results": dict(results)})
            done += c.steps

    return models, run()


def compare_frame(results: dict[str, RecipeResult]) -> pd.DataFrame:
    """recipe, steps, windows, seconds, single, multi, ratio, shows (the verdict's kind): a row
    per finished recipe, and a last row (recipe "zero") with the MSE of a model that always says 0."""
    rows = [{"recipe": r.recipe, "steps": r.steps, "windows": r.windows_read, "seconds": r.seconds,
             "single": r.verdict.single, "multi": r.verdict.multi, "ratio": r.verdict.ratio, "shows": r.verdict.kind}
            for r in results.values()]
    zero = next(iter(results.values())).verdict.zero
    return pd.DataFrame([*rows, {"recipe": "zero", "single": zero, "multi": zero}])


def recipe_forecasts(models: dict[str, Forecasters], series: Series, window: int) -> pd.DataFrame:
    """x, value, recipe: the clean sine over the test part (recipe "clean"), then each recipe's
    multi-step forecast of it."""
    start = series.split
    lines = [pd.DataFrame({"x": series.x[start:], "value": series.clean[start:], "recipe": "clean"})]
    for recipe, model in models.items():
        f = forecast(model, series, window).frame
        f = f[f["how"] == "multi_step"]
        lines.append(pd.DataFrame({"x": f["x"], "value": f["value"], "recipe": recipe}))
    return pd.concat(lines, ignore_index=True)


# ---------------------------------------------------------------- checkpoints: the answers, from the run


DAMPED, WIDE = 0.8, 1.25  # a free run swinging under 0.8 of the sine's std is damped, over 1.25 too wide


def multi_step_reveal(fc: Forecast, kind: str) -> Reveal:
    """sine_1: is the free run's error at the whole horizon larger than single-step's, and how
    many times (this run's verdict)."""
    v = fc.verdicts[kind]
    right = direction(v.ratio, "larger", "smaller")
    shape = "damped" if v.spread < DAMPED else "wide" if v.spread > WIDE else "drift"  # what the chart shows
    why = Message(f"quiz.sine_1.why_{right}", kind=kind, single=v.single, multi=v.multi, ratio=v.ratio,
                  horizon=v.horizon, shape=Message(f"quiz.sine_1.shape_{shape}", spread=v.spread))
    if kind == "LSTM":
        return Reveal(right, why, Message("quiz.sine_1.try_rnn"), {"sine_kinds": "RNN"})
    return Reveal(right, why, Message("quiz.sine_1.try_lstm"), {"sine_kinds": "LSTM"})


def with_window(cfg: SineConfig, kind: str, window: int) -> SineConfig:
    """The learner's run of model `kind`, reading `window` values instead: same series, recipe, seed,
    and the steps the page's knobs would give at that window (the ordered recipes count passes of
    one_pass(series) windows, which the window changes; the others keep the learner's steps)."""
    series = replace(cfg.series, window=window)
    steps = cfg.steps
    if cfg.recipe in ORDERED:  # tutorial: one pass; epochs: the same number of passes
        steps = max(1, round(cfg.steps / max(1, one_pass(cfg.series)))) * max(1, one_pass(series))
    return replace(cfg, series=series, kinds=(kind,), steps=steps)


@lru_cache(maxsize=8)
def trained_forecast(cfg: SineConfig) -> Forecast:
    """Train cfg to the end and forecast the test part with it (a checkpoint's second run)."""
    model, snapshots = build(cfg)
    for _ in snapshots:
        pass
    return forecast(model, make_series(cfg.series), cfg.series.window)


def trained_verdict(cfg: SineConfig) -> Verdict:
    """What cfg's single model's forecasts show, once trained (trained_forecast)."""
    return trained_forecast(cfg).verdicts[cfg.kinds[0]]


def free_runs(runs: dict[int, Forecast], kind: str) -> pd.DataFrame:
    """Model `kind`'s multi-step forecasts from runs keyed by window: i, x, model (the window), how, value."""
    return pd.concat([fc.frame[(fc.frame["model"] == kind) & (fc.frame["how"] == "multi_step")].assign(model=w)
                      for w, fc in runs.items()], ignore_index=True)


def window_one_reveal(cfg: SineConfig, kind: str, yours: Verdict) -> Reveal:
    """sine_2: the same model, trained the same way on windows of 1 value: does its free-running
    error grow? Trains that twin (cheap: each window is one step long), once per config. Asked
    only of a window longer than 1 (at 1 the twin would be the learner's own run)."""
    one = trained_verdict(with_window(cfg, kind, 1))
    ratio = one.multi / max(yours.multi, 1e-12)
    right = direction(ratio, "grows", "shrinks")
    why = Message(f"quiz.sine_2.why_{right}", kind=kind, window=cfg.series.window, multi=yours.multi,
                  multi_one=one.multi, ratio=ratio, single=yours.single, single_one=one.single, spread=one.spread)
    if cfg.series.window == 2:
        return Reveal(right, why, Message("quiz.sine_2.try_back"), {"sine_window": str(SeriesConfig.window)})
    return Reveal(right, why, Message("quiz.sine_2.try_two"), {"sine_window": "2"})


def recipes_reveal(results: dict[str, RecipeResult]) -> Reveal:
    """sine_3: of the tutorial's one pass and the fast recipe (each a few seconds), which ends
    with the lower free-running error (the comparison's own results). When the tutorial's wins,
    why is picked from the fast recipe's own run: its loss rose (it diverged), or it fell while
    its single-step error against the clean sine is worse than always saying 0 (it learnt the noise)."""
    tut, fast = results["tutorial"], results["fast"]
    right = direction(tut.verdict.multi / max(fast.verdict.multi, 1e-12), "fast", "tutorial")
    key = right
    if right == "tutorial" and fast.last_loss > fast.first_loss:
        key = "tutorial_diverged"
    elif right == "tutorial" and fast.verdict.single > fast.verdict.zero:
        key = "tutorial_noise"
    why = Message(f"quiz.sine_3.why_{key}", tut=tut.verdict.multi, fast=fast.verdict.multi,
                  fast_single=fast.verdict.single, first=fast.first_loss, last=fast.last_loss,
                  tut_s=tut.seconds, fast_s=fast.seconds, tut_windows=tut.windows_read,
                  fast_windows=fast.windows_read, zero=tut.verdict.zero)
    if right == "tutorial":
        return Reveal(right, why, Message("quiz.sine_3.try_default"), {"sine_noise": str(SeriesConfig.noise),
                                                                        "sine_noise_kind": SeriesConfig.noise_kind})
    return Reveal(right, why, Message("quiz.sine_3.try_noise"), {"sine_noise": "2.0", "sine_noise_kind": "gaussian"})
