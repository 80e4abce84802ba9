"""The experiments of the "LSTM gates" page: train an LSTM (or GRU, or vanilla RNN) on a task
where gates have something to do, then read every gate through the transparent cells.

Numbers, frames with stable names ("forget", "memory", "LSTM") and verdicts as Messages; the
page (pages/3_LSTM_Gates.py, rnnviz/ui/gates.py) says them in the learner's language.
Where a change goes:
- a new task: its name in TASKS, its sampler in rnnviz/data/tasks.py called from sample(),
  its shapes in make_model(), its words gates.task.<name> and gates.task_caption.<name>;
- a new cell type: its torch module name in CELL_TYPES (GateNet builds getattr(nn, name)),
  its gates in rnnviz/cells.py, its keep gate in KEEP and its memory in STATE;
- a new verdict: a function returning Message("gates.<section>.<verdict>", ...) here, tested
  in tests/test_gates.py (and on several seeds in tests/test_lessons.py), its words in
  rnnviz/locales/{en,zh}.gates.toml;
- a new gate chart: a function in rnnviz/charts.py that takes a frame from here and its titles.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from functools import lru_cache, partial
from typing import NamedTuple

import pandas as pd
import torch
from torch import nn

from rnnviz import cells
from rnnviz.checkpoint import Reveal
from rnnviz.data.sine import SeriesConfig, make_series
from rnnviz.data.tasks import (
    SYMBOLS,
    Batch,
    counting_batch,
    memory_batch,
    memory_input_size,
    replace_batch,
    replaced_at,
)
from rnnviz.i18n import Message, Problem
from rnnviz.inspect import trace_frame
from rnnviz.train import Snapshot, seeded, train

TASKS = ("memory", "replace", "counting", "sine")  # their names and captions: gates.task.*, gates.task_caption.*
CELL_TYPES = ("LSTM", "GRU", "RNN")  # the torch modules the page offers (GateConfig.kind)
MAX_GAP = 200  # beyond this a live run takes minutes on two cores
MIN_REPLACE_GAP = 3  # replace: a distractor before and after the second symbol
RECALL_TASKS = ("memory", "replace")  # one answer at the cue, chance 1/symbols
KEEP = {"LSTM": "forget", "GRU": "update"}  # the gate whose value near 1 keeps the memory
KEEP_BIAS = {"LSTM": "b_f", "GRU": "b_z"}  # its bias, as the page's equations name it
STATE = {"LSTM": "cell", "GRU": "hidden", "RNN": "hidden"}  # where each kind holds its memory
EVAL_SIZE = 500  # sequences in the held-out batch that scores the memory and counting tasks
SOLVED = 0.995  # held-out accuracy at which training stops early: nothing left to learn
CLIP = 1.0  # gradient norm clipping: keeps the vanilla RNN from blowing up


@dataclass(frozen=True)
class GateConfig:
    """One gates experiment; each knob with the reason for its default."""

    task: str = "memory"  # one of TASKS
    kind: str = "LSTM"  # LSTM, GRU, or the vanilla RNN for contrast
    gap: int = 20  # memory: distractors between the symbol and the cue; 20 trains in seconds
    symbols: int = 4  # memory: chance is 1/4
    length: int = 30  # counting: brackets per string
    max_depth: int = 4  # counting: deepest nesting
    hidden_size: int = 16  # enough units to read one by one
    steps: int = 400  # Adam steps: gates solve gap 50 well before; a vanilla RNN given more (600) starts to creep up
    lr: float | None = None  # Adam; None: the task's own, TASK_LR
    forget_bias: float = 4.0  # LSTM: b_f = 4 keeps f near 1 at the start, so memory survives the gap
    update_bias: float = 4.0  # GRU: b_z = 4 keeps z near 1 at the start (h is kept), the GRU's b_f
    batch_size: int = 128  # fresh random sequences every step; 64 leaves more seeds on a 3-of-4 plateau
    seed: int = 0  # same seed, same weights, same sequences


TASK_LR = {  # Adam's learning rate per task, measured on seeds 0-11 (memory) and 0-3 (replace):
    "memory": 0.005,  # at 0.01 the LSTM sat on a 3-of-4 plateau at gap 50 for 800 steps on seeds 0 and 5 of 6 (AMD
    #                   EPYC); at 0.005 12 of 12 seeds solved it within 200 steps, the GRU too, the RNN stays at chance
    "replace": 0.0125,  # the forget gate must learn to drop: at 0.005 it moved by 0.01-0.04 in 400 steps; at 0.01
    #                     seed 0 learnt little after solving; at 0.0125 seeds 0-3 learnt to drop after solving
    "counting": 0.01,
    "sine": 0.01,
}


def learning_rate(cfg: GateConfig) -> float:
    """The run's Adam learning rate: cfg.lr when set, else its task's (TASK_LR)."""
    return TASK_LR[cfg.task] if cfg.lr is None else cfg.lr


def keep_bias(cfg: GateConfig) -> float:
    """The initial bias of the keep gate (LSTM b_f, GRU b_z); the vanilla RNN has none (0)."""
    return {"LSTM": cfg.forget_bias, "GRU": cfg.update_bias}.get(cfg.kind, 0.0)


def problem(cfg: GateConfig) -> Problem | None:
    """Why the settings cannot train, for the learner to fix (str() says it), or None."""
    if cfg.task in RECALL_TASKS and not 1 <= cfg.gap <= MAX_GAP:
        return Problem("gates.check.gap", max_gap=MAX_GAP, gap=cfg.gap)
    if cfg.task == "replace" and cfg.gap < MIN_REPLACE_GAP:
        return Problem("gates.check.replace_gap", min_gap=MIN_REPLACE_GAP, gap=cfg.gap)
    if cfg.task == "counting" and cfg.length < 2:
        return Problem("gates.check.length")
    if cfg.hidden_size < 1:
        return Problem("gates.check.hidden")
    return None


class GateNet(nn.Module):
    """A recurrent layer and a linear read-out, at the last step or at every step."""

    def __init__(self, kind: str, input_size: int, hidden_size: int, n_out: int, every_step: bool):
        super().__init__()
        self.kind, self.every_step = kind, every_step
        self.rnn = getattr(nn, kind)(input_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.rnn(x)  # (B, T, H)
        return self.out(h if self.every_step else h[:, -1])


def _sine_batch(noise_seed: int) -> Batch:
    """The forecasting page's series as one sequence: read y[t], predict y[t+1]. Training and
    held-out series differ in their noise (the generator's seed picks it)."""
    s = make_series(replace(SeriesConfig(), seed=noise_seed))
    y = torch.from_numpy(s.y)
    return Batch(y[:-1].view(1, -1, 1), y[1:].view(1, -1, 1), [[f"{v:+.2f}" for v in s.y[:-1]]])


def sample(cfg: GateConfig, batch: int, g: torch.Generator, at: int | None = None) -> Batch:
    """A batch of cfg's task (replace: at fixes the second symbol's step, else random)."""
    if cfg.task == "memory":
        return memory_batch(batch, cfg.gap, cfg.symbols, g)
    if cfg.task == "replace":
        return replace_batch(batch, cfg.gap, cfg.symbols, g, at)
    if cfg.task == "counting":
        return counting_batch(batch, cfg.length, cfg.max_depth, g)
    return _sine_batch(g.initial_seed())


def make_model(cfg: GateConfig) -> GateNet:
    recall = (memory_input_size(cfg.symbols), cfg.symbols, False)
    shapes = {"memory": recall, "replace": recall,
              "counting": (2, cfg.max_depth + 1, True), "sine": (1, 1, True)}[cfg.task]
    with seeded(cfg.seed):
        model = GateNet(cfg.kind, shapes[0], cfg.hidden_size, shapes[1], shapes[2])
    if cfg.kind in KEEP:  # the keep gate starts near 1 (σ(4) ≈ 0.98): the memory survives the gap
        cells.set_gate_bias(model.rnn, KEEP[cfg.kind], keep_bias(cfg))
    return model


def loss_and_score(model: GateNet, cfg: GateConfig, b: Batch) -> tuple[torch.Tensor, float]:
    """Cross-entropy and accuracy (memory, counting) or MSE and MSE (sine)."""
    out = model(b.x)
    if cfg.task == "sine":
        loss = nn.functional.mse_loss(out, b.y)
        return loss, float(loss.detach())
    logits = out.reshape(-1, out.shape[-1])
    target = b.y.reshape(-1)
    return nn.functional.cross_entropy(logits, target), float((logits.argmax(-1) == target).float().mean())


def score_name(cfg: GateConfig) -> str:
    """The held-out score of cfg's task (the key in the snapshots' info, gates.score.<name>)."""
    return "MSE" if cfg.task == "sine" else "accuracy"


def build(cfg: GateConfig) -> tuple[GateNet, Iterator[Snapshot]]:
    """The model and the generator that trains it; snapshots carry the held-out score (and, on
    the replace task with gates, info["when_solved"]: the step it was first solved and the keep
    gate's drop at the second symbol then, see after_solved)."""
    model = make_model(cfg)
    g = torch.Generator().manual_seed(cfg.seed)
    held_out = sample(cfg, EVAL_SIZE, torch.Generator().manual_seed(10_000 + cfg.seed))
    opt = torch.optim.Adam(model.parameters(), lr=learning_rate(cfg))
    log_every = max(1, cfg.steps // 60)
    track = cfg.task == "replace" and cfg.kind in KEEP
    seen = {"calls": 0}

    def loss_at(step: int) -> torch.Tensor:
        return loss_and_score(model, cfg, sample(cfg, cfg.batch_size, g))[0]

    def describe() -> dict:
        seen["calls"] += 1
        with torch.no_grad():
            info = {score_name(cfg): loss_and_score(model, cfg, held_out)[1]}
        if track and "when_solved" not in seen and info["accuracy"] >= SOLVED:
            drop = keep_gate_drop(model, cfg, memory_units(model, cfg).units)
            seen["when_solved"] = {"step": min(seen["calls"] * log_every, cfg.steps),
                                   "drop": drop.elsewhere - drop.at_replace}
        if "when_solved" in seen:
            info["when_solved"] = seen["when_solved"]
        return info

    # the replace task (with gates) trains all its steps: it is solved by overwriting the cell
    # (input gate) first; the forget gate learns to drop at the second symbol only in the steps
    # after that (measured at lr 0.0125 on an AMD EPYC: seeds 0-3 drop by 0.13, 0.05, 0.01, 0.02
    # when first solved, 0.35, 0.24, 0.16, 0.09 at step 400); the page says so with the run's own
    # numbers (after_solved)
    return model, train(model, loss_at, opt, cfg.steps, log_every=log_every,
                        clip=CLIP, describe=describe, done=None if track else solved)


@dataclass(frozen=True)
class AfterSolved:
    """Replace task with gates: the step it was first solved, the keep gate's drop at the second
    symbol then and now (the same read-out as keep_gate_drop), and the verdict: "learnt_after"
    when the drop grew by at least DROP after solving, else "already"."""

    solved_step: int
    drop_then: float
    drop_now: float
    verdict: str


def after_solved(cfg: GateConfig, info: dict, model: GateNet) -> AfterSolved | None:
    """Why training went on after the task was solved (info: the last snapshot's); None when it
    was never solved."""
    when = info.get("when_solved")
    if when is None:
        return None
    drop = keep_gate_drop(model, cfg, memory_units(model, cfg).units)
    now = drop.elsewhere - drop.at_replace
    verdict = "learnt_after" if now >= when["drop"] + DROP else "already"
    return AfterSolved(when["step"], when["drop"], now, verdict)


def solved(info: dict) -> Message | None:
    """Why training stopped early (held-out accuracy high enough), or None."""
    if info.get("accuracy", 0.0) >= SOLVED:
        return Message("gates.check.solved", accuracy=info["accuracy"])
    return None


# ---------------------------------------------------------------- reading the gates


def example(cfg: GateConfig, index: int = 0) -> Batch:
    """One fixed sequence to look at (index picks another one)."""
    seed = 20_000 + cfg.seed  # examples never drawn in training
    if cfg.task == "sine":  # one series per draw: another example is the same sine with other noise
        return _sine_batch(seed + index)
    b = sample(cfg, index + 1, torch.Generator().manual_seed(seed))
    return Batch(b.x[index:index + 1], b.y[index:index + 1], b.tokens[index:index + 1])


def gate_frame(model: GateNet, b: Batch) -> pd.DataFrame:
    """Every gate, the candidate, the cell and the hidden state of one sequence:
    t, layer, unit, gate, value, token (the input shown at t)."""
    with torch.no_grad():
        run = cells.run(model.rnn, b.x)
    df = trace_frame(run.traces, cells.weights_from(model.rnn).kind)
    df["token"] = df["t"].map(lambda t: b.tokens[0][t - 1])
    return df


def proof(model: GateNet, b: Batch) -> float:
    """Largest |transparent cells - torch module| over outputs and final states."""
    with torch.no_grad():
        ours = cells.run(model.rnn, b.x)
        out, state = model.rnn(b.x)
    h_n = state[0] if isinstance(state, tuple) else state
    diffs = [(ours.output - out).abs().max(), (ours.h_n - h_n).abs().max()]
    if isinstance(state, tuple):
        diffs.append((ours.c_n - state[1]).abs().max())
    return float(max(diffs))


def step_values(frame: pd.DataFrame, t: int, unit: int) -> dict[str, float]:
    """Each gate's value at step t for one unit, and the previous cell/hidden state."""
    at = frame[(frame["t"] == t) & (frame["unit"] == unit)].set_index("gate")["value"].to_dict()
    before = frame[(frame["t"] == t - 1) & (frame["unit"] == unit)].set_index("gate")["value"].to_dict()
    at["cell_prev"] = before.get("cell", 0.0)
    at["hidden_prev"] = before.get("hidden", 0.0)
    return at


def saturation(frame: pd.DataFrame, low: float = 0.1, high: float = 0.9) -> pd.DataFrame:
    """Per gate (sigmoid gates only): the share of values below `low`, between, above `high`."""
    gates = frame[frame["gate"].isin(cells.SIGMOID_GATES)]
    rows = []  # in the frame's order (the equations' order: forget, input, output), the same in every language
    for gate, v in gates.groupby("gate", sort=False)["value"]:
        rows += [(gate, f"< {low}", float((v < low).mean())), (gate, "between", float(v.between(low, high).mean())),
                 (gate, f"> {high}", float((v > high).mean()))]
    return pd.DataFrame(rows, columns=["gate", "range", "share"])


class MemoryUnits(NamedTuple):
    """The units that hold the symbol best, and their keep gate over time."""

    units: list[int]  # 1-based, best first
    keep_gate: pd.DataFrame  # t, unit, <gate> (no gate column for the vanilla RNN)


@torch.no_grad()
def memory_units(model: GateNet, cfg: GateConfig, k: int = 3, n: int = 256, at: int | None = None) -> MemoryUnits:
    """The k units that hold the symbol best (the first k of hold_ranking: the page's chart, the
    checkpoint's reveal and the unit box all use this one ranking), and their keep gate (LSTM
    forget, GRU update) averaged over n sequences at every step: t, unit, <gate> (no gate
    column for the vanilla RNN). at: the replace task's second symbol at that step in all n."""
    units = [u for u, _ in hold_ranking(model, cfg, n)[:k]]
    gate = KEEP.get(cfg.kind)
    if gate is None:
        return MemoryUnits(units, pd.DataFrame({"t": [], "unit": []}))
    f = cells.run(model.rnn, _probe(cfg, n, at).x).traces[0][gate].mean(dim=1)  # (T, H)
    rows = [(t + 1, u, float(f[t, u - 1])) for u in units for t in range(f.shape[0])]
    return MemoryUnits(units, pd.DataFrame(rows, columns=["t", "unit", gate]))


@torch.no_grad()
def hold_ranking(model: GateNet, cfg: GateConfig, n: int = 256) -> list[tuple[int, float]]:
    """Every unit (1-based) with how well it holds the symbol across the gap, best first: at each
    step inside the gap (after the symbol to recall, before the cue), the share of n sequences
    whose symbol is read back from that unit's memory (LSTM cell state, else hidden state) alone,
    by the nearest of the symbols' mean values there; averaged over those steps (chance
    1/symbols). At the cue nearly every unit of a trained model separates the symbols; inside
    the gap one unit alone does so only if it keeps the symbol."""
    b = _probe(cfg, n)
    v = cells.run(model.rnn, b.x).traces[0][STATE[cfg.kind]]  # (T, n, H)
    start = replaced_at(b.x, cfg.symbols)  # (n,) 0-based step of the symbol to recall
    read = []
    for step in range(v.shape[0] - 1):  # the last step is the cue
        held = start < step  # sequences whose symbol was written before this step
        if held.sum() < 2 * cfg.symbols:
            continue
        x, y = v[step, held], b.y[held]  # (m, H), (m,)
        present = [s for s in range(cfg.symbols) if (y == s).any()]
        means = torch.stack([x[y == s].mean(0) for s in present])  # (S, H)
        guess = torch.tensor(present)[(x[:, None, :] - means[None]).abs().argmin(1)]  # (m, H)
        read.append((guess == y[:, None]).float().mean(0))
    share = torch.stack(read).mean(0) if read else torch.full((v.shape[2],), chance(cfg))
    return sorted(((u + 1, float(share[u])) for u in range(v.shape[2])), key=lambda r: -r[1])


def _probe(cfg: GateConfig, n: int, at: int | None = None) -> Batch:
    """n fixed sequences, never trained on, that the read-outs below average over."""
    return sample(cfg, n, torch.Generator().manual_seed(30_000 + cfg.seed), at)


def memory_unit(model: GateNet, cfg: GateConfig, n: int = 256) -> int | None:
    """The (1-based) unit that holds the symbol best (hold_ranking), the unit box's unit once
    checkpoint gates_2 is revealed; None when no unit holds it (below UNIT_HOLDS) or the task
    has no symbol to hold."""
    if cfg.task not in RECALL_TASKS:
        return None
    unit, share = hold_ranking(model, cfg, n)[0]
    return unit if share >= UNIT_HOLDS else None


def replace_step(cfg: GateConfig) -> int:
    """The step (1-based) of the second symbol in the sequences the memory chart shows."""
    return cfg.gap // 2 + 2


@torch.no_grad()
def memory_traces(model: GateNet, cfg: GateConfig, units: list[int], n: int = 24) -> pd.DataFrame:
    """One line per sequence and unit: the unit's memory (LSTM cell state, else hidden state)
    at every step, with the symbol the sequence must recall: unit, example, t, value, symbol,
    first. On the replace task every shown sequence has its second symbol at replace_step(cfg)."""
    at = replace_step(cfg) if cfg.task == "replace" else None
    b = sample(cfg, n, torch.Generator().manual_seed(40_000 + cfg.seed), at)
    v = cells.run(model.rnn, b.x).traces[0][STATE[cfg.kind]]  # (T, n, H)
    first = b.x[:, 0, :cfg.symbols].argmax(-1)
    rows = [(u, e + 1, t + 1, float(v[t, e, u - 1]), SYMBOLS[int(b.y[e])], SYMBOLS[int(first[e])])
            for u in units for e in range(n) for t in range(v.shape[0])]
    return pd.DataFrame(rows, columns=["unit", "example", "t", "value", "symbol", "first"])


@dataclass(frozen=True)
class Separation:
    """How often the symbol is read back from the memory units (chance 1/symbols)."""

    lowest: float  # the lowest share over the steps from the symbol to the cue
    at_cue: float  # the share at the cue


@torch.no_grad()
def separation(model: GateNet, cfg: GateConfig, units: list[int], n: int = 256) -> Separation:
    """How well the units' memory (LSTM cell state, else hidden state) keeps the symbols
    apart across the gap: at each step from the symbol to recall (the last marked one) to the
    cue, the share of n sequences whose symbol is read back by the nearest per-symbol mean of
    those units (chance 1/symbols); its lowest over those steps and its value at the cue."""
    b = _probe(cfg, n)
    v = cells.run(model.rnn, b.x).traces[0][STATE[cfg.kind]][:, :, [u - 1 for u in units]]  # (T, n, k)
    start = replaced_at(b.x, cfg.symbols)  # (n,) 0-based step of the symbol to recall
    read = []
    for step in range(v.shape[0]):
        held = start <= step  # sequences whose symbol is already in
        if held.sum() < 2 * cfg.symbols:
            continue
        x, y = v[step, held], b.y[held]  # (m, k), (m,)
        present = [s for s in range(cfg.symbols) if (y == s).any()]
        means = torch.stack([x[y == s].mean(0) for s in present])  # (S, k)
        guess = torch.tensor(present)[torch.cdist(x, means).argmin(-1)]
        read.append(float((guess == y).float().mean()))
    return Separation(min(read), read[-1])


def memory_held(sep: Separation, cfg: GateConfig) -> bool:
    """Whether the units held the symbol: read back at the cue (at least HELD_CUE) and, on the
    memory task, all across the gap (at least HELD_GAP; on the replace task the steps just
    after the second symbol are still settling)."""
    return sep.at_cue >= HELD_CUE and (cfg.task == "replace" or sep.lowest >= HELD_GAP)


@torch.no_grad()
def keep_gate_frame(model: GateNet, cfg: GateConfig, units: list[int], n: int = 256,
                    at: int | None = None) -> pd.DataFrame:
    """The units' keep gate (LSTM forget, GRU update) averaged over n sequences at every
    step: t, unit, <gate>. at: the replace task's second symbol at that step in all n."""
    gate = KEEP[cfg.kind]
    f = cells.run(model.rnn, _probe(cfg, n, at).x).traces[0][gate].mean(dim=1)  # (T, H)
    rows = [(t + 1, u, float(f[t, u - 1])) for u in units for t in range(f.shape[0])]
    return pd.DataFrame(rows, columns=["t", "unit", gate])


@dataclass(frozen=True)
class Spread:
    """How far apart the units' keep-gate lines lie. Lines closer than OVERLAP at every step
    are drawn on top of each other; the page says so."""

    spread: float  # the largest gap between units at any one step
    lo: float  # the lowest value drawn
    hi: float  # the highest value drawn


def keep_gate_spread(rows: pd.DataFrame, gate: str) -> Spread:
    """The spread of the keep-gate lines in rows (from keep_gate_frame)."""
    by_step = rows.groupby("t")[gate]
    return Spread(float((by_step.max() - by_step.min()).max()), float(rows[gate].min()), float(rows[gate].max()))


def keep_axis_low(spread: Spread) -> float:
    """Where the keep-gate chart's y axis starts: 0, or (every value at or above 0.5) the
    multiple of 0.05 at least 0.01 below the lowest value, so lines near 1 are drawn apart
    instead of on top of each other (0.984 -> 0.95: a 0.01 gap is 5 % of the axis)."""
    return 0.0 if spread.lo < 0.5 else math.floor(round((spread.lo - 0.01) * 20, 9)) / 20


@dataclass(frozen=True)
class KeepGateLearnt:
    """The memory units' keep gate over the gap's distractor steps, before and after training."""

    trained: float  # its mean after training
    init: float  # its mean in the same model before training (same sequences)
    sigma_b: float  # σ(b) of its initial bias


@torch.no_grad()
def keep_gate_learnt(model: GateNet, cfg: GateConfig, units: list[int], n: int = 256) -> KeepGateLearnt:
    """The keep gate (LSTM forget, GRU update) of the memory units over the gap's distractor
    steps: its mean after training, its mean in the same model before training (same
    sequences), and sigma(b) of its initial bias."""
    gate = KEEP[cfg.kind]
    b = _probe(cfg, n)
    distractor = (b.x[:, :, cfg.symbols:2 * cfg.symbols].sum(-1) > 0).T  # (T, n)
    idx = [u - 1 for u in units]

    def mean_gate(m: GateNet) -> float:
        g = cells.run(m.rnn, b.x).traces[0][gate][:, :, idx]  # (T, n, k)
        return float(g[distractor].mean())

    return KeepGateLearnt(mean_gate(model), mean_gate(make_model(cfg)), float(torch.sigmoid(torch.tensor(keep_bias(cfg)))))


@dataclass(frozen=True)
class KeepGateDrop:
    """Replace task: the keep gate at the step where the second symbol arrives vs at the
    distractor steps (means over the probe sequences)."""

    unit: int  # the memory unit whose gate drops most there
    at_replace: float  # its gate at the second symbol
    elsewhere: float  # its gate at the distractors
    mean_at: float  # all memory units' gate at the second symbol
    mean_elsewhere: float  # ... and at the distractors


@torch.no_grad()
def keep_gate_drop(model: GateNet, cfg: GateConfig, units: list[int], n: int = 256) -> KeepGateDrop:
    """Replace task: each memory unit's keep gate (LSTM forget, GRU update) at the second
    symbol vs at the distractors, over n sequences."""
    gate = KEEP[cfg.kind]
    b = _probe(cfg, n)
    g = cells.run(model.rnn, b.x).traces[0][gate][:, :, [u - 1 for u in units]]  # (T, n, k)
    at = replaced_at(b.x, cfg.symbols)  # (n,)
    distractor = (b.x[:, :, cfg.symbols:2 * cfg.symbols].sum(-1) > 0).T  # (T, n)
    at_replace = g[at, torch.arange(n)].mean(0)  # (k,)
    elsewhere = g[distractor].mean(0)  # (k,)
    best = int(torch.argmax(elsewhere - at_replace))
    return KeepGateDrop(units[best], float(at_replace[best]), float(elsewhere[best]), float(at_replace.mean()),
                        float(elsewhere.mean()))


@dataclass(frozen=True)
class SweepRow:
    """One model of the comparison: a cell type trained on the memory task at one gap."""

    kind: str  # one of CELL_TYPES
    gap: int  # distractors between the symbol and the cue
    accuracy: float  # its final held-out accuracy
    seconds: float  # how long it trained


def gap_sweep(base: GateConfig, kinds: tuple[str, ...], gaps: tuple[int, ...],
              stop: Callable[[], bool] = lambda: False) -> Iterator[SweepRow]:
    """Train every kind at every gap from the same seed (base's other settings), one SweepRow
    each. stop() turning True ends the sweep between two training steps."""
    for gap in gaps:
        for kind in kinds:
            cfg = replace(base, task="memory", kind=kind, gap=gap)
            t0 = time.perf_counter()
            _, snaps = build(cfg)
            last = None
            for last in snaps:
                if last.stopped or stop():
                    break
            if stop():
                return
            acc = last.info.get("accuracy", float("nan")) if last else float("nan")
            yield SweepRow(kind, gap, acc, time.perf_counter() - t0)


HELD_CUE = 0.9  # memory units hold the symbol when it is read back from them this often at the cue
HELD_GAP = 0.7  # ... and (memory task) at least this often at every step of the gap (chance 0.25)
DROP = 0.05  # the keep gate "drops" at the second symbol when it is lower there by at least this
OVERLAP = 0.02  # keep-gate lines closer than this (5 px of a 0..1 axis) lie on top of each other
MOVED = 0.02  # a keep gate whose mean moved less than this from its start learnt nothing new


def keep_verdict(learnt: KeepGateLearnt) -> str:
    """"stayed" when training left the keep gate where its initial bias put it, else "up" / "down"."""
    change = learnt.trained - learnt.init
    return "stayed" if abs(change) < MOVED else ("up" if change > 0 else "down")


def chance(cfg: GateConfig) -> float:
    """The accuracy of guessing on the recall tasks: one of cfg.symbols."""
    return 1.0 / cfg.symbols


COINCIDE = 0.01  # two accuracies closer than this are drawn on top of each other
FADED = 1e-3  # a keep gate whose start keeps less than this of the symbol across the gap (σ(b)^gap) fails for its bias
CARRIED = 0.9  # a model at or above this accuracy carried the symbol
NEAR_CHANCE = 0.15  # within this of chance a model carried nothing
CLEAR = 0.1  # "the RNN below the GRU" means by at least this much
SHORT_GAP = 10  # at or below this gap even a plain RNN carries the symbol


SWEEP_GAPS = (5, 10, 20, 50, 100)  # the gaps a learner may compare
DEFAULT_GAPS = (5, 20, 50)  # the comparison shown by default: short, section 1's default gap, long


@dataclass(frozen=True)
class Sweep:
    """A finished comparison: the settings it was trained with and its rows."""

    config: GateConfig  # section 1's settings (the sweep trains the memory task at each gap)
    gaps: tuple[int, ...]  # sorted
    rows: tuple[SweepRow, ...]

    @property
    def frame(self) -> pd.DataFrame:
        return sweep_frame(self.rows)


def sweep_frame(rows) -> pd.DataFrame:
    """The comparison's rows (SweepRows) as a frame: kind, gap, accuracy, seconds."""
    return pd.DataFrame(rows, columns=["kind", "gap", "accuracy", "seconds"])


def sweep_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Accuracy by gap (index) and kind (columns), the models not yet trained NaN."""
    return rows.pivot(index="gap", columns="kind", values="accuracy")


@dataclass(frozen=True)
class SweepLesson:
    """What the comparison shows at its longest gap (see sweep_lesson)."""

    gap: int  # the longest gap
    lstm: float  # each kind's accuracy there (NaN when it was not trained)
    gru: float
    rnn: float
    chance: float
    coincide: tuple[int, ...]  # the gaps where the LSTM's and GRU's lines lie on top of each other
    verdict: str  # holds, short_gap, rnn_carried, no_steps, lstm_stuck, gru_stuck, partial


def sweep_lesson(rows: pd.DataFrame, cfg: GateConfig) -> SweepLesson:
    """What the comparison shows at its longest gap: verdict "holds" when RNN < GRU <= LSTM
    (the RNN below the GRU by a clear margin, the GRU not above the LSTM beyond COINCIDE), else
    the likely reason the order broke ("short_gap", "rnn_carried", "no_steps", "lstm_stuck",
    "gru_stuck"); with the accuracies at that gap and the gaps where LSTM and GRU coincide."""
    acc = rows.pivot_table(index="gap", columns="kind", values="accuracy")
    gap = int(acc.index.max())
    at = {k: float(acc.loc[gap, k]) for k in acc.columns}
    coincide = tuple(int(g) for g in acc.index if {"LSTM", "GRU"} <= set(acc.columns)
                     and abs(acc.loc[g, "LSTM"] - acc.loc[g, "GRU"]) < COINCIDE)
    lesson = partial(SweepLesson, gap, *(at.get(k, math.nan) for k in ("LSTM", "GRU", "RNN")), chance(cfg), coincide)
    if not {"LSTM", "GRU", "RNN"} <= set(at):
        return lesson("partial")
    rnn, gru, lstm = at["RNN"], at["GRU"], at["LSTM"]
    near = lambda a: a <= chance(cfg) + NEAR_CHANCE
    if rnn + CLEAR < gru <= lstm + COINCIDE:
        return lesson("holds")
    if gap <= SHORT_GAP and rnn >= CARRIED:
        return lesson("short_gap")
    if rnn >= CARRIED:
        return lesson("rnn_carried")
    if near(lstm) and near(gru):
        return lesson("no_steps")
    return lesson("lstm_stuck" if gru > lstm + COINCIDE else "gru_stuck")


# ---------------------------------------------------------------- what the page says


class Listing(tuple):
    """Numbers said as a list in the learner's language: 3, 5, 7 / 3、5、7 (gates.list_sep)."""

    def __str__(self) -> str:
        return str(Message("gates.list_sep")).join(map(str, self))


def sections(cfg: GateConfig | None) -> dict[str, int]:
    """The page's sections for a trained config (None: no model yet), numbered 1, 2, ... with no
    gaps whichever task and cell type are chosen: train, heat, eq, held, numbers, intervene, sweep."""
    names = ["train"]
    if cfg is not None:
        names += ["heat", "eq"] + (["held"] if cfg.task in RECALL_TASKS else []) + \
                 (["numbers"] if cfg.kind != "RNN" else []) + ["intervene"]
    return {name: n for n, name in enumerate(names + ["sweep"], start=1)}


def score_frame(history: list[Snapshot], cfg: GateConfig) -> pd.DataFrame:
    """The held-out score while training: step, <score_name(cfg)> (snapshots that have it)."""
    score = score_name(cfg)
    return pd.DataFrame([{"step": s.step, score: s.info[score]} for s in history if score in s.info])


def recall_note(cfg: GateConfig, last: Snapshot) -> Message | None:
    """A recall task's run near chance, or a plain RNN's only partly above it: why, in its numbers."""
    acc, guess = last.info.get("accuracy", 0.0), chance(cfg)
    if acc <= guess + NEAR_CHANCE:
        sigma = float(torch.sigmoid(torch.tensor(keep_bias(cfg))))
        faded = cfg.kind in KEEP and sigma ** cfg.gap < FADED  # the keep gate's start lets the symbol fade
        why = "rnn" if cfg.kind == "RNN" else "bias" if faded else "gated"  # the RNN's limit, the bias, too few steps
        return Message(f"gates.train.at_chance_{why}", kind=cfg.kind, accuracy=acc, gap=cfg.gap, chance=guess,
                       steps=last.step, default=GateConfig.steps, bias=KEEP_BIAS.get(cfg.kind, ""),
                       b=keep_bias(cfg), sigma=sigma, keep=percent(sigma ** cfg.gap),
                       gate=Message(f"gates.eq.{KEEP.get(cfg.kind, 'forget')}"), b_default=GateConfig.forget_bias)
    if cfg.kind == "RNN" and acc < CARRIED:  # above chance, far from solved: say what that means
        return Message("gates.train.partial_rnn", accuracy=acc, gap=cfg.gap, chance=guess)
    return None


def went_on_note(cfg: GateConfig, last: Snapshot, model: GateNet) -> Message | None:
    """The replace task with gates trained past solved: why, with the run's numbers."""
    went_on = after_solved(cfg, last.info, model) if cfg.task == "replace" and cfg.kind in KEEP else None
    if went_on is None:
        return None
    return Message(f"gates.train.went_on_{went_on.verdict}", step=last.step, gate=Message(f"gates.eq.{KEEP[cfg.kind]}"),
                   n=sections(cfg)["numbers"], **asdict(went_on))


def held_note(cfg: GateConfig, units: list[int], sep: Separation) -> Message:
    """Whether the memory units held the symbol across the gap, with the read-back figures."""
    held = "held" if memory_held(sep, cfg) else "lost"
    return Message(f"gates.held.{held}_{cfg.task}", units=Listing(units), state=Message(f"gates.gate.{STATE[cfg.kind]}"),
                   lowest=sep.lowest, cue=sep.at_cue, kind=cfg.kind, chance=chance(cfg))


def keep_axis_note(spread: Spread, low: float, units: list[int], gate: str) -> Message | None:
    """The keep-gate lines lie on top of each other, or the axis does not start at 0: said."""
    close = spread.spread < OVERLAP  # closer than a few pixels of a 0..1 axis
    if not close and low == 0:
        return None
    key = "overlap_zoomed" if close and low > 0 else "overlap" if close else "zoomed"
    return Message(f"gates.numbers.{key}", units=Listing(units), gate=Message(f"gates.eq.{gate}"), low=low,
                   **asdict(spread))


def learnt_note(cfg: GateConfig, units: list[int], learnt: KeepGateLearnt) -> Message:
    """Did the keep gate learn anything, from where its initial bias put it?"""
    return Message(f"gates.numbers.learnt_{keep_verdict(learnt)}", units=Listing(units),
                   gate=Message(f"gates.eq.{KEEP[cfg.kind]}"), bias=KEEP_BIAS[cfg.kind], b=keep_bias(cfg),
                   **asdict(learnt))


def drop_note(cfg: GateConfig, drop: KeepGateDrop) -> Message:
    """Replace task: does the keep gate drop where the second symbol arrives?"""
    dropped = "dropped" if drop.at_replace < drop.elsewhere - DROP else "no_drop"
    return Message(f"gates.numbers.{dropped}", gate=Message(f"gates.eq.{KEEP[cfg.kind]}"),
                   diff=drop.elsewhere - drop.at_replace, **asdict(drop))


def coincide_note(lesson: SweepLesson) -> Message | None:
    """The gaps where the LSTM's and GRU's lines lie on top of each other, said (or None)."""
    return Message("gates.sweep.coincide", gaps=Listing(lesson.coincide)) if lesson.coincide else None


def sweep_verdict(lesson: SweepLesson, rows: pd.DataFrame, cfg: GateConfig) -> Message:
    """What the finished comparison of rows (trained with cfg's settings) shows, and why."""
    return Message(f"gates.sweep.verdict_{lesson.verdict}", **asdict(lesson) | {"coincide": Listing(lesson.coincide)},
                   hidden=cfg.hidden_size, steps=cfg.steps, ub=cfg.update_bias, seconds=float(rows["seconds"].sum()))


# ---------------------------------------------------------------- checkpoints (rnnviz.checkpoint)

KEEP_OPTIONS = {"LSTM": ("forget_high", "forget_low", "input_high", "output_low"),  # quiz.gates_1.o.*
                "GRU": ("update_high", "update_low", "reset_high", "reset_low")}
QUIZ_GAP = 50  # gates_4 asks about the vanilla RNN at this gap of the comparison
TRY_BIAS = {"high": -2.0, "low": 4.0}  # gates_1's nudge: a keep bias that starts the gate the other way


def skipped_checkpoints(cfg: GateConfig) -> dict[str, Message]:
    """The lesson's checkpoints this config does not ask, each with why (checkpoint_ui.path's
    skipped): gates_1 needs a gated cell on a recall task, gates_2 a recall task, gates_3 an LSTM."""
    skipped = {}
    if cfg.kind not in KEEP:
        skipped["gates_1"] = Message("quiz.gates_1.skip_rnn")
    elif cfg.task not in RECALL_TASKS:
        skipped["gates_1"] = Message("quiz.gates_1.skip_task")
    if cfg.task not in RECALL_TASKS:
        skipped["gates_2"] = Message("quiz.gates_2.skip_task")
    if cfg.kind != "LSTM":
        skipped["gates_3"] = Message("quiz.gates_3.skip_kind", kind=cfg.kind)
    return skipped


def keep_gate_reveal(model: GateNet, cfg: GateConfig) -> Reveal:
    """gates_1: which gate, near 0 or near 1, keeps the memory across the gap. The right option is
    the keep gate (LSTM forget, GRU update) high or low as the memory units' mean over the gap's
    distractor steps lies above or below 0.5 in the learner's model; why quotes that mean, its
    start and what is left of the memory after the gap (mean ** gap)."""
    gate = KEEP[cfg.kind]
    units = memory_units(model, cfg).units
    learnt = keep_gate_learnt(model, cfg, units)
    level = "high" if learnt.trained >= 0.5 else "low"
    bias_key = {"LSTM": "gates_fb", "GRU": "gates_ub"}[cfg.kind]
    return Reveal(f"{gate}_{level}",
                  Message(f"quiz.gates_1.why_{level}", gate=Message(f"gates.eq.{gate}"), units=Listing(units),
                          mean=learnt.trained, init=learnt.init, sigma_b=learnt.sigma_b, gap=cfg.gap,
                          left=percent(learnt.trained ** cfg.gap), bias=KEEP_BIAS[cfg.kind], b=keep_bias(cfg)),
                  Message(f"quiz.gates_1.try_{level}", bias=KEEP_BIAS[cfg.kind], b=TRY_BIAS[level]),
                  {bias_key: str(TRY_BIAS[level]), "gates_kind": cfg.kind})


def percent(x: float) -> str:
    """A share as a percentage, or (below 0.1 %, where "0.0 %" would hide it) in scientific
    notation: 0.391 ** 50 -> "4.4e-21", not "0.0%"."""
    return f"{x:.1%}" if x >= 0.001 else f"{x:.1e}"


def rnn_gap_reveal(rows: pd.DataFrame, gap: int = QUIZ_GAP, source: str = "mine") -> Reveal | None:
    """gates_4: does the vanilla RNN solve (reach CARRIED) the memory task at this gap? Read from
    the comparison's own rows (kind, gap, accuracy); None when they have no RNN at that gap. The
    nudge: the nearest gap of the comparison where the answer differs (else a shorter or longer
    one), trained in section 1. source: "mine" (the learner's comparison) or "default" (the page's)."""
    acc = rows.pivot_table(index="gap", columns="kind", values="accuracy")
    if "RNN" not in acc.columns or gap not in acc.index or math.isnan(acc.loc[gap, "RNN"]):
        return None
    at = {k: float(acc.loc[gap, k]) if k in acc.columns else math.nan for k in CELL_TYPES}
    solved = at["RNN"] >= CARRIED
    other = [int(g) for g in acc.index if not math.isnan(acc.loc[g, "RNN"]) and (acc.loc[g, "RNN"] >= CARRIED) != solved]
    if other:
        other_gap = min(other, key=lambda g: abs(g - gap))
        other_acc = float(acc.loc[other_gap, "RNN"])
    else:
        other_gap, other_acc = (max(SWEEP_GAPS) if solved else min(SWEEP_GAPS)), math.nan
    answer = "yes" if solved else "no"
    try_key = f"try_seen_{answer}" if other else "try_unseen"
    return Reveal(answer,
                  Message(f"quiz.gates_4.why_{answer}", gap=gap, rnn=at["RNN"], lstm=at["LSTM"], gru=at["GRU"],
                          source=Message(f"quiz.gates_4.source_{source}"), carried=CARRIED, chance=1 / GateConfig.symbols),
                  Message(f"quiz.gates_4.{try_key}", gap=other_gap, accuracy=other_acc),
                  {"gates_kind": "RNN", "gates_gap": str(other_gap), "gates_task": "memory"})


@torch.no_grad()
def unit_ranking(model: GateNet, cfg: GateConfig, n: int = 256) -> list[tuple[int, float]]:
    """Every unit (1-based) with the share of its memory's variance at the cue that lies between
    the symbols (1: its value alone names the symbol, 0: it says nothing), best first. At the
    cue a trained model's units nearly all score near 1 (the interventions' note counts them);
    which units hold the symbol across the gap is hold_ranking."""
    b = _probe(cfg, n)
    state = cells.run(model.rnn, b.x).traces[0][STATE[cfg.kind]][-1]  # (n, H)
    centred = state - state.mean(0)
    between = sum(float((b.y == s).sum()) * (state[b.y == s].mean(0) - state.mean(0)) ** 2
                  for s in range(cfg.symbols) if (b.y == s).any())
    share = between / ((centred ** 2).sum(0) + 1e-9)  # between-symbol sum of squares over the total
    return sorted(((u + 1, float(share[u])) for u in range(state.shape[1])), key=lambda r: -r[1])


STRONG = 0.9  # a unit whose share at the cue (unit_ranking) is at least this names the symbol almost alone
UNIT_HOLDS = 0.7  # gates_2: a unit holds the symbol when it alone reads it back this often inside the gap (chance 0.25)
UNIT_STRONG = 0.9  # gates_2: ... and holds it firmly at this share
TIE = 0.01  # gates_2: a unit within this of the best read-back holds the memory as well as the best


def unit_reveal(model: GateNet, cfg: GateConfig, picked: int | str | None, k: int = 3) -> Reveal:
    """gates_2: which unit holds the memory, by hold_ranking (the one ranking the chart below and
    the unit box use). Right: a pick among the k the chart shows, or within TIE of the best; else
    the best unit. When no unit reads the symbol back at least UNIT_HOLDS of the time the right
    answer is "none". why: the top k and the last with their read-back, how many units hold it,
    where the pick ranks."""
    ranking = hold_ranking(model, cfg)
    share, (top, best) = dict(ranking), ranking[0]
    shown = [u for u, _ in ranking[:k]]
    state, rnn = Message(f"gates.gate.{STATE[cfg.kind]}"), cfg.kind not in KEEP
    tops = Listing(f"{u} ({v:.0%})" for u, v in ranking[:k])
    if best < UNIT_HOLDS:  # a model that did not carry the symbol: no unit holds it
        why = Message("quiz.gates_2.why_none", state=state, best=best, unit=top, chance=chance(cfg), at=UNIT_HOLDS,
                      of=len(ranking))
        try_key, link = _none_try(cfg)
        return Reveal("none", why, try_key, link)
    pick = int(picked) if picked not in (None, "none") else None
    right = pick if pick in shown or share.get(pick, -1.0) >= best - TIE else top
    why = Message("quiz.gates_2.why", state=state, tops=tops, last=f"{ranking[-1][0]} ({ranking[-1][1]:.0%})",
                  strong=sum(v >= UNIT_STRONG for _, v in ranking), of=len(ranking), at=UNIT_STRONG,
                  chance=chance(cfg), shown=Listing(shown))
    if pick in share:
        rank = [u for u, _ in ranking].index(pick) + 1
        tie = right == pick and pick not in shown
        why = Joined((why, Message(f"quiz.gates_2.mine_{'tie' if tie else 'rank'}", unit=pick, rank=rank,
                                   of=len(ranking), share=share[pick], best=best)))
    elif picked == "none":
        why = Joined((why, Message("quiz.gates_2.mine_none", unit=top, best=best, at=UNIT_HOLDS)))
    return Reveal(str(right), why, Message(f"quiz.gates_2.try_{'rnn' if rnn else 'gated'}", unit=top),
                  {"gates_unit": str(top)})


def _none_try(cfg: GateConfig) -> tuple[Message, dict[str, str]]:
    """gates_2 with no unit holding the symbol: the knob most likely to make one hold it (a
    gated cell whose keep gate starts below the default: that bias; else an LSTM, or more steps)."""
    if cfg.kind not in KEEP:
        return Message("quiz.gates_2.try_none_rnn"), {"gates_kind": "LSTM"}
    default = GateConfig.forget_bias if cfg.kind == "LSTM" else GateConfig.update_bias
    if keep_bias(cfg) < default:
        key = {"LSTM": "gates_fb", "GRU": "gates_ub"}[cfg.kind]
        return (Message("quiz.gates_2.try_none_bias", bias=KEEP_BIAS[cfg.kind], b=default,
                        gate=Message(f"gates.eq.{KEEP[cfg.kind]}")), {key: str(default)})
    steps = min(5000, 2 * cfg.steps)
    return Message("quiz.gates_2.try_none_steps", steps=steps), {"gates_steps": str(steps)}


@lru_cache(maxsize=16)
def final_accuracy(cfg: GateConfig) -> float:
    """The held-out accuracy a recall-task run of cfg ends with (trained once per process)."""
    last = None
    for last in build(cfg)[1]:
        pass
    return float(last.info.get("accuracy", math.nan)) if last else math.nan


def bias_reveal(cfg: GateConfig, gap: int = QUIZ_GAP) -> Reveal:
    """gates_3: what an LSTM whose forget bias starts at 0 does at this gap of the memory task (the
    learner's other settings): "solves" (reaches CARRIED) or "fails". Trained here (a few seconds),
    beside the same LSTM with the page's b_f; why quotes both accuracies and what the initial
    gate keeps across the gap (sigma(b) ** gap)."""
    base = replace(cfg, task="memory", kind="LSTM", gap=gap)
    zero, high = replace(base, forget_bias=0.0), replace(base, forget_bias=GateConfig.forget_bias)
    acc0, acc4 = final_accuracy(zero), final_accuracy(high)
    answer = "solves" if acc0 >= CARRIED else "fails"
    keep = lambda b: float(torch.sigmoid(torch.tensor(b))) ** gap
    return Reveal(answer,
                  Message(f"quiz.gates_3.why_{answer}", gap=gap, acc0=acc0, acc4=acc4, b4=GateConfig.forget_bias,
                          keep0=keep(0.0), keep4=keep(GateConfig.forget_bias), chance=chance(base), steps=base.steps),
                  Message("quiz.gates_3.try", gap=gap),
                  {"gates_task": "memory", "gates_kind": "LSTM", "gates_gap": str(gap), "gates_fb": "0.0"})


class Joined(tuple):
    """Messages said one after the other (str() joins them: a space in English, none after a
    Chinese full stop; gates.sentence_sep)."""

    def __str__(self) -> str:
        return str(Message("gates.sentence_sep")).join(str(m) for m in self)
