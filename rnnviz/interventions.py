"""Interventions on the gates page's trained model: switch a part off and re-measure the task.

An **intervention** changes one part of a trained model while it runs, at inference (its
weights stay as trained); to **clamp** a gate is to hold it at a fixed value instead of the one
its equation computes. Here: clamp a gate (LSTM forget, input, output; GRU update, reset) of
chosen units to 0, 1, or that gate's mean over the untouched run, or silence the units' hidden
state (set it to 0), from a chosen time step on. The model runs step by step through the
transparent cells (rnnviz.cells.step, whose `edit` hook changes a gate before it acts), so the
untouched run is torch's own forward (tests/test_interventions.py: to 1e-5, accuracy exactly).

Numbers, frames with the engine's names and verdicts as Messages; the page (section
"interventions" of pages/3_LSTM_Gates.py, rnnviz/ui/gates.py) says them in the learner's
language. A new target: its name in TARGETS (a gate computed in cells.step, or a state set
after the step in _forward), its words gates.intervene.target.<name>.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd
import torch
from torch import Tensor

from rnnviz import cells, gates
from rnnviz.data.tasks import Batch
from rnnviz.i18n import Message
from rnnviz.inspect import trace_frame

TARGETS = {"LSTM": ("forget", "input", "output", "hidden"),  # what each kind lets the learner act on;
           "GRU": ("update", "reset", "hidden"),  # "hidden": silence the units (h = 0)
           "RNN": ("hidden",)}
VALUES = ("0", "1", "mean")  # a clamp's value: 0, 1, or the gate's mean over the untouched run
HELD_OUT_SEED = 10_000  # gates.build scores on sample(cfg, EVAL_SIZE, Generator(10_000 + seed)): the same batch
AFTER_SYMBOL = 2  # the memory task's symbol is step 1: "after the symbol" starts at step 2
MOVED = 0.02  # an accuracy that moved less than this (2 points) did not change
MSE_MOVED = 0.1  # an MSE that moved less than this share of itself did not change
NEAR_CHANCE = 0.1  # within this of chance a recall model answers by guessing
CHUNK = 8192  # sequences per batched pass of the ranking (all units' copies of the held-out batch)


@dataclass(frozen=True)
class Intervention:
    """What to change while the trained model runs; each field with why it is there."""

    target: str  # a gate of the model's kind (TARGETS) or "hidden": silence the units
    units: tuple[int, ...]  # 1-based units it acts on (the others run as trained)
    value: str = "0"  # a clamp's value (VALUES); silencing always sets 0
    start: int = 1  # 1-based step from which on it acts (AFTER_SYMBOL: after the memory task's symbol)


def held_out(cfg: gates.GateConfig) -> Batch:
    """The held-out batch gates.build scores the run on (the training curve's last point)."""
    return gates.sample(cfg, gates.EVAL_SIZE, torch.Generator().manual_seed(HELD_OUT_SEED + cfg.seed))


def _forward(model: gates.GateNet, x: Tensor, target: str | None = None, mask: Tensor | None = None,
             value: Tensor | float = 0.0, start: int = 1, keep: bool = True) -> tuple[Tensor, dict[str, Tensor]]:
    """Run the model through the transparent cells, step by step: (its output, its trace
    (T, B, H) per name, {} unless keep). From step `start` (1-based) on, the target gate of
    the units in mask ((H,) or (B, H) bool) is held at value (a number or (H,) per unit), or
    their hidden state set to 0 (target "hidden"). target None: the untouched run."""
    w = cells.weights_from(model.rnn)
    state, steps, hs = cells.zero_state(w, x.shape[0]), [], []
    for t, x_t in enumerate(x.transpose(0, 1), start=1):  # x (B, T, I)
        acting = target is not None and t >= start
        edit = (lambda name, g: torch.where(mask, value, g) if name == target else g) if acting else None
        state, trace = cells.step(w, x_t, state, edit)
        if acting and target == "hidden":
            h = trace["hidden"].masked_fill(mask, 0.0)
            state = (h, state[1]) if w.kind == "LSTM" else h
            trace = {**trace, "hidden": h}
        hs.append(trace["hidden"])
        if keep:
            steps.append(trace)
    h = torch.stack(hs, dim=1)  # (B, T, H)
    out = model.out(h if model.every_step else h[:, -1])
    names = cells.TRACE_NAMES[w.kind]
    return out, ({name: torch.stack([s[name] for s in steps]) for name in names} if keep else {})


def _mask(model: gates.GateNet, units: tuple[int, ...]) -> Tensor:
    m = torch.zeros(model.rnn.hidden_size, dtype=torch.bool)
    m[[u - 1 for u in units if 1 <= u <= len(m)]] = True
    return m


@torch.no_grad()
def gate_means(model: gates.GateNet, cfg: gates.GateConfig) -> dict[str, Tensor]:
    """Each gate's per-unit mean (H,) over the untouched run on the held-out batch (all steps,
    all sequences): the "mean" a clamp may hold it at."""
    trace = _forward(model, held_out(cfg).x)[1]
    return {g: trace[g].mean(dim=(0, 1)) for g in cells.SIGMOID_GATES if g in trace}


def clamp_value(iv: Intervention, means: dict[str, Tensor]) -> Tensor | float:
    """The number (or per-unit (H,) means) the target is held at."""
    if iv.target == "hidden":
        return 0.0
    return means[iv.target] if iv.value == "mean" else float(iv.value)


@torch.no_grad()
def run(model: gates.GateNet, x: Tensor, iv: Intervention | None,
        means: dict[str, Tensor] | None = None) -> tuple[Tensor, dict[str, Tensor]]:
    """The model's output on x (B, T, I) under the intervention (None: untouched), and its trace.
    means: gate_means(), for a clamp at the mean."""
    if iv is None or not iv.units:
        return _forward(model, x)
    return _forward(model, x, iv.target, _mask(model, iv.units), clamp_value(iv, means or {}), iv.start)


def score(cfg: gates.GateConfig, out: Tensor, b: Batch) -> float:
    """The task's held-out score of an output: gates.loss_and_score's (accuracy, or the sine's MSE)."""
    return gates.loss_and_score(lambda _x: out, cfg, b)[1]


@dataclass(frozen=True)
class Effect:
    """The task re-measured under an intervention, beside the untouched model."""

    score: str  # "accuracy" or "MSE" (gates.score_name)
    before: float  # the untouched model's held-out score (as the training curve's last point)
    after: float  # the same batch's score under the intervention
    chance: float  # recall tasks: the accuracy of guessing (1/symbols); else NaN
    state_before: float  # the units' memory (LSTM cell, else hidden) at the last step, mean |value|, untouched
    state_after: float  # ... under the intervention
    clamp: tuple[float, ...]  # the value each unit's gate was held at (its mean, or 0/1); () when silenced


class Baseline(NamedTuple):
    """The untouched model on the held-out batch: what an intervention is measured against."""

    score: float  # its held-out score
    memory: Tensor  # (B, H) its memory (LSTM cell, else hidden state) at the last step


@torch.no_grad()
def baseline(model: gates.GateNet, cfg: gates.GateConfig) -> Baseline:
    """The untouched run's score and last memory (the page computes it once per model)."""
    b = held_out(cfg)
    out, trace = run(model, b.x, None)
    return Baseline(score(cfg, out, b), trace[gates.STATE[model.kind]][-1])


@torch.no_grad()
def measure(model: gates.GateNet, cfg: gates.GateConfig, iv: Intervention,
            means: dict[str, Tensor] | None = None, base: Baseline | None = None) -> Effect:
    """The held-out score with and without the intervention, and what it did to the units'
    memory. means: gate_means() (a clamp at the mean); base: baseline() (else computed here)."""
    b = held_out(cfg)
    means = gate_means(model, cfg) if means is None and iv.value == "mean" else means or {}
    base = base or baseline(model, cfg)
    out, trace = run(model, b.x, iv, means)
    idx = [u - 1 for u in iv.units]
    held = lambda memory: float(memory[:, idx].abs().mean()) if idx else float("nan")
    value = clamp_value(iv, means) if iv.target != "hidden" and idx else None
    clamp = () if value is None else tuple(float(value[i]) if isinstance(value, Tensor) else value for i in idx)
    chance = gates.chance(cfg) if cfg.task in gates.RECALL_TASKS else float("nan")
    return Effect(gates.score_name(cfg), base.score, score(cfg, out, b), chance, held(base.memory),
                  held(trace[gates.STATE[model.kind]][-1]), clamp)


@torch.no_grad()
def frame(model: gates.GateNet, b: Batch, iv: Intervention | None,
          means: dict[str, Tensor] | None = None) -> pd.DataFrame:
    """Every gate and state of one sequence under the intervention, as gates.gate_frame draws
    the untouched run: t, layer, unit, gate, value, token."""
    trace = run(model, b.x, iv, means)[1]
    df = trace_frame([trace], cells.weights_from(model.rnn).kind)
    df["token"] = df["t"].map(lambda t: b.tokens[0][t - 1])
    return df


@torch.no_grad()
def silencing_ranking(model: gates.GateNet, cfg: gates.GateConfig, start: int = 1) -> pd.DataFrame:
    """Every unit with what silencing it alone (h = 0 from step `start` on) costs on the
    held-out batch, costliest first: unit, score (under silencing), cost (accuracy lost, or
    MSE gained). One batched pass: the batch repeated once per unit, each copy silencing its own."""
    b, H = held_out(cfg), model.rnn.hidden_size
    before = score(cfg, run(model, b.x, None)[0], b)
    B, per = b.x.shape[0], max(1, CHUNK // b.x.shape[0])
    rows = []
    for first in range(0, H, per):
        units = list(range(first, min(H, first + per)))
        x = b.x.repeat(len(units), 1, 1)  # copy k: the batch with unit units[k] silenced
        mask = torch.zeros(len(units) * B, H, dtype=torch.bool)
        for k, u in enumerate(units):
            mask[k * B:(k + 1) * B, u] = True
        out = _forward(model, x, "hidden", mask, 0.0, start, keep=False)[0]
        for k, u in enumerate(units):
            s = score(cfg, out[k * B:(k + 1) * B], b)
            rows.append((u + 1, s, (before - s) if cfg.task != "sine" else (s - before)))
    df = pd.DataFrame(rows, columns=["unit", "score", "cost"])
    return df.sort_values(["cost", "unit"], ascending=[False, True], ignore_index=True)


# ---------------------------------------------------------------- suggested experiments


def experiments(kind: str) -> tuple[str, ...]:
    """The page's one-click experiments for a kind: the keep gate (LSTM forget, GRU update)
    to 0 and to 1 after the symbol, and silencing the memory units (the plain RNN: only that)."""
    return ("keep_zero", "keep_one", "silence") if kind in gates.KEEP else ("silence",)


def experiment(name: str, kind: str, hidden_size: int, memory: tuple[int, ...]) -> Intervention:
    """One suggested experiment as the settings it puts in the widgets. The keep gate acts on
    every unit: a trained model spreads the symbol over many of them (gates.unit_ranking), so
    clamping a few leaves it in the others. Silencing acts on the memory units."""
    if name == "silence":
        return Intervention("hidden", tuple(memory), "0", 1)
    return Intervention(gates.KEEP[kind], tuple(range(1, hidden_size + 1)), "0" if name == "keep_zero" else "1",
                        AFTER_SYMBOL)


def verdict(effect: Effect) -> str:
    """What the intervention did to the task: "chance" (a recall task fell to guessing), "fell",
    "rose" or "kept" (accuracy moved by less than MOVED); the sine: "worse", "better", "kept_mse"."""
    if effect.score == "MSE":
        ratio = effect.after / max(effect.before, 1e-12)
        return "worse" if ratio > 1 + MSE_MOVED else "better" if ratio < 1 - MSE_MOVED else "kept_mse"
    change = effect.after - effect.before
    if effect.chance == effect.chance and effect.after <= effect.chance + NEAR_CHANCE and change <= -MOVED:
        return "chance"
    return "fell" if change <= -MOVED else "rose" if change >= MOVED else "kept"


def _units(units: tuple[int, ...], every: int) -> Message:
    """"unit 3", "units 1, 9, 3", or (all `every` of them, more than one) "all 16 units"."""
    if len(units) == every > 1:
        return Message("gates.intervene.every", n=every)
    return Message(f"gates.intervene.{'one' if len(units) == 1 else 'some'}", units=gates.Listing(units))


def described(iv: Intervention, effect: Effect, hidden_size: int) -> Message:
    """The intervention in words: which part of which units, held at what, from which step."""
    units = _units(iv.units, hidden_size)
    if iv.target == "hidden":
        return Message("gates.intervene.what_silence", units=units, start=iv.start)
    held = gates.Listing(f"{v:.3f}" for v in effect.clamp) if len(effect.clamp) <= 4 else \
        f"{min(effect.clamp):.3f} … {max(effect.clamp):.3f}"
    return Message(f"gates.intervene.what_{'mean' if iv.value == 'mean' else 'clamp'}",
                   gate=Message(f"gates.eq.{iv.target}"), units=units, value=iv.value, start=iv.start, held=held)


def result_note(cfg: gates.GateConfig, iv: Intervention, effect: Effect) -> Message:
    """What the intervention did, in the run's numbers."""
    return Message(f"gates.intervene.result_{verdict(effect)}", what=described(iv, effect, cfg.hidden_size),
                   before=effect.before,
                   after=effect.after, chance=effect.chance, change=abs(effect.after - effect.before),
                   ratio=effect.after / max(effect.before, 1e-12))


def state_note(cfg: gates.GateConfig, iv: Intervention, effect: Effect) -> Message | None:
    """What the intervention did to the units' memory at the last step (None: no units)."""
    if not iv.units:
        return None
    return Message("gates.intervene.state", state=Message(f"gates.gate.{gates.STATE[cfg.kind]}"),
                   units=_units(iv.units, cfg.hidden_size),
                   before=effect.state_before, after=effect.state_after)


def ranking_note(ranking: pd.DataFrame, score: str) -> Message:
    """The costliest unit to silence and how many others cost under MOVED."""
    top = ranking.iloc[0]
    if score == "MSE":  # cost = MSE under silencing - untouched MSE
        small = MSE_MOVED * float((ranking["score"] - ranking["cost"]).iloc[0])
    else:
        small = MOVED
    return Message(f"gates.intervene.ranking_{'mse' if score == 'MSE' else 'accuracy'}", unit=int(top["unit"]),
                   cost=float(top["cost"]), harmless=int((ranking["cost"].abs() < small).sum()), of=len(ranking))


@torch.no_grad()
def memory_note(model: gates.GateNet, cfg: gates.GateConfig, ranking: pd.DataFrame, units: list[int],
                n: int) -> Message:
    """Recall tasks: where the memory units (section n's, gates.memory_units, best first) rank
    among the costliest to silence, what each costs alone and all of them together, and how many
    units hold the symbol (gates.unit_ranking's share at least gates.STRONG): "top" when the best
    of them is among the costliest len(units), else "spread" (the others still carry the symbol);
    less: a sentence when silencing them together costs less than the costliest of them alone."""
    order, cost = list(ranking["unit"]), ranking.set_index("unit")["cost"]
    ranks = [order.index(u) + 1 for u in units]
    together = measure(model, cfg, Intervention("hidden", tuple(units)))
    strong = sum(share >= gates.STRONG for _, share in gates.unit_ranking(model, cfg))
    top = "top" if ranks[0] <= len(units) else "spread"
    lost = together.before - together.after
    costliest = max(units, key=lambda u: float(cost[u]))  # silencing is not additive: the set can cost less
    less = Message("gates.intervene.together_less", unit=costliest, alone=float(cost[costliest])) \
        if lost < float(cost[costliest]) - MOVED else ""
    return Message(f"gates.intervene.memory_{top}", n=n, units=gates.Listing(units), ranks=gates.Listing(ranks),
                   best=units[0], rank=ranks[0],
                   of=len(order), costs=gates.Listing(f"{float(cost[u]):.1%}" for u in units),
                   together=lost, strong=strong, less=less,
                   state=Message(f"gates.gate.{gates.STATE[cfg.kind]}"))
