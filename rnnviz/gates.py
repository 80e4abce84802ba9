"""The experiments of the "LSTM gates" page: train an LSTM (or GRU, or vanilla RNN) on a task
where gates have something to do, then read every gate through the transparent cells.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pandas as pd
import torch
from torch import nn

from rnnviz import cells
from rnnviz.data.sine import SeriesConfig, make_series
from rnnviz.data.tasks import Batch, counting_batch, memory_batch, memory_input_size
from rnnviz.i18n import t
from rnnviz.inspect import trace_frame
from rnnviz.train import Snapshot, seeded, train

TASKS = ("memory", "counting", "sine")  # their names and captions: gates.task.*, gates.task_caption.*
KINDS = ("LSTM", "GRU", "RNN")
MAX_GAP = 200  # beyond this a live run takes minutes on two cores
EVAL_SIZE = 500  # sequences in the held-out batch that scores the memory and counting tasks
SOLVED = 0.995  # held-out accuracy at which training stops early: nothing left to learn


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
    steps: int = 300  # Adam steps; the memory task is solved by then at gap 20
    lr: float = 0.01  # Adam
    forget_bias: float = 4.0  # LSTM: b_f = 4 keeps f near 1 at the start, so memory survives the gap
    batch_size: int = 64  # fresh random sequences every step
    seed: int = 0  # same seed, same weights, same sequences


def problem(cfg: GateConfig) -> str:
    """A learner-readable reason the settings cannot train, or ""."""
    if cfg.task == "memory" and not 1 <= cfg.gap <= MAX_GAP:
        return t("gates.check.gap", max_gap=MAX_GAP, gap=cfg.gap)
    if cfg.task == "counting" and cfg.length < 2:
        return t("gates.check.length")
    if cfg.hidden_size < 1:
        return t("gates.check.hidden")
    return ""


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


def sample(cfg: GateConfig, batch: int, g: torch.Generator) -> Batch:
    if cfg.task == "memory":
        return memory_batch(batch, cfg.gap, cfg.symbols, g)
    if cfg.task == "counting":
        return counting_batch(batch, cfg.length, cfg.max_depth, g)
    return _sine_batch(g.initial_seed())


def make_model(cfg: GateConfig) -> GateNet:
    shapes = {"memory": (memory_input_size(cfg.symbols), cfg.symbols, False),
              "counting": (2, cfg.max_depth + 1, True), "sine": (1, 1, True)}[cfg.task]
    with seeded(cfg.seed):
        model = GateNet(cfg.kind, shapes[0], cfg.hidden_size, shapes[1], shapes[2])
    if cfg.kind == "LSTM":
        H = cfg.hidden_size
        with torch.no_grad():  # torch's gate order i, f, g, o: the forget gate is the second block
            model.rnn.bias_ih_l0[H:2 * H].fill_(cfg.forget_bias)
            model.rnn.bias_hh_l0[H:2 * H].zero_()
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
    return "MSE" if cfg.task == "sine" else "accuracy"


def build(cfg: GateConfig) -> tuple[GateNet, Iterator[Snapshot]]:
    """The model and the generator that trains it; snapshots carry the held-out score."""
    model = make_model(cfg)
    g = torch.Generator().manual_seed(cfg.seed)
    held_out = sample(cfg, EVAL_SIZE, torch.Generator().manual_seed(10_000 + cfg.seed))
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)

    def loss_at(step: int) -> torch.Tensor:
        return loss_and_score(model, cfg, sample(cfg, cfg.batch_size, g))[0]

    def describe() -> dict:
        with torch.no_grad():
            return {score_name(cfg): loss_and_score(model, cfg, held_out)[1]}

    return model, train(model, loss_at, opt, cfg.steps, log_every=max(1, cfg.steps // 60),
                        clip=1.0, describe=describe, done=solved)


def solved(info: dict) -> str:
    """Why training stopped early (held-out accuracy high enough), in the current language; or ""."""
    if info.get("accuracy", 0.0) >= SOLVED:
        return t("gates.check.solved", accuracy=info["accuracy"])
    return ""


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
    gates = frame[frame["gate"].isin(["forget", "input", "output", "update", "reset"])]
    rows = []
    for gate, v in gates.groupby("gate")["value"]:
        rows += [(gate, f"< {low}", float((v < low).mean())), (gate, "between", float(v.between(low, high).mean())),
                 (gate, f"> {high}", float((v > high).mean()))]
    return pd.DataFrame(rows, columns=["gate", "range", "share"])


@torch.no_grad()
def memory_units(model: GateNet, cfg: GateConfig, k: int = 3, n: int = 256) -> tuple[list[int], pd.DataFrame]:
    """The k units whose cell state at the cue best separates the symbols (between-symbol
    share of variance), and their mean forget gate at every step: t, unit, forget."""
    b = sample(cfg, n, torch.Generator().manual_seed(30_000 + cfg.seed))
    tr = cells.run(model.rnn, b.x).traces[0]
    c_end = tr["cell"][-1]  # (n, H), time first
    total = c_end.var(dim=0) + 1e-9
    means = torch.stack([c_end[b.y == s].mean(0) for s in range(cfg.symbols) if (b.y == s).any()])
    units = torch.argsort(means.var(dim=0) / total, descending=True)[:k].tolist()
    f = tr["forget"].mean(dim=1)  # (T, H)
    rows = [(t + 1, u + 1, float(f[t, u])) for u in units for t in range(f.shape[0])]
    return [u + 1 for u in units], pd.DataFrame(rows, columns=["t", "unit", "forget"])


def gap_sweep(base: GateConfig, kinds: tuple[str, ...], gaps: tuple[int, ...],
              stop: Callable[[], bool] = lambda: False) -> Iterator[dict]:
    """Train every kind at every gap from the same seed; yield kind, gap, accuracy, seconds.
    stop() turning True ends the sweep between two training steps."""
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
            yield {"kind": kind, "gap": gap, "accuracy": acc, "seconds": time.perf_counter() - t0}


def chance(cfg: GateConfig) -> float:
    return 1.0 / cfg.symbols


__all__ = ["GateConfig", "build", "gap_sweep", "gate_frame", "memory_units", "proof", "saturation"]
