"""How long a training run will take, estimated from its config before anything trains.

A run costs its multiply-adds (the forward pass, and about twice that again backward), a
fixed price per optimiser step (Python, the optimiser, the snapshot), a price per time step
of a recurrent layer (a fused layer still walks through time one step after another), and
a price per character generated for the samples. This machine's price for each is measured
once per process, on small recurrent layers, the first time an estimate is asked for.
The estimate decides *whether* to start (train at once, or wait for the learner's Train
button with the estimate shown): it aims at the right order of magnitude, not the second (bench/cost_estimate.py measures how close it gets).
A new page's config: add its multiply-adds and steps to seconds() (and its activations to
memory_mb()); bench/cost_estimate.py and bench/memory_estimate.py then report how close they are.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import cache

import torch
from torch import nn

from rnnviz.models import SeqRegressor

GATES = {"RNN": 1, "MyRNN": 1, "GRU": 3, "LSTM": 4}  # weight blocks per layer: the matmuls a step does
BACKWARD = 3.0  # forward + backward cost about three forward passes
CPU = time.thread_time  # this thread's CPU time: torch runs on the calling thread (rnnviz sets 1 thread)


@dataclass(frozen=True)
class Work:
    """A run's size: optimiser steps, time steps walked, forward multiply-adds, characters sampled."""

    steps: int  # optimiser steps
    train_macs: float  # forward multiply-adds of the training batches, all steps together
    eval_macs: float = 0.0  # forward multiply-adds spent scoring (no backward)
    time_steps: float = 0.0  # recurrent time steps walked in training (forward and backward) and scoring
    tokens: float = 0.0  # single steps taken one by one in Python: a hand-written loop, sampled characters
    kind: str = ""  # the recurrent layer walked, when its speed is measured per kind (the char model)
    input_macs: float = 0.0  # forward multiply-adds of a one-hot input's W_xh: forward and W_xh's gradient only
    eval_time_steps: float = 0.0  # time steps walked forward only, one row at a time (held-out scoring)
    logits: float = 0.0  # vocabulary-wide rows built and scored: the one-hot input, softmax and cross-entropy
    # what one optimiser step holds in memory, in floats (rnnviz.cost.memory_mb):
    weights: float = 0.0  # parameters
    activations: float = 0.0  # what the recurrent layers keep for backward: tokens × layers × units × SAVED
    wide: float = 0.0  # vocabulary-wide rows of one step: its one-hot input, logits and their gradients


def layer_macs(kind: str, input_size: int, hidden_size: int) -> int:
    """Multiply-adds of one recurrent layer for one token: every gate's W_i x + W_h h."""
    return GATES.get(kind, 4) * hidden_size * (input_size + hidden_size)


def work(config, vocab: int | None = None) -> Work:
    """The size of the run `config` asks for (any page's config; the char page's is a
    charlm.RunKey: corpus, length, config); vocab: the char model's vocabulary size when known."""
    name = type(config).__name__
    if name == "RunKey":
        return _char(config.config, config.length, vocab or 100, config.corpus)
    if name == "SineConfig":
        return _sine(config)
    if name == "GateConfig":
        return _gates(config)
    steps = getattr(config, "steps", None) or getattr(config, "epochs", 0)  # 0: a config this module cannot size
    hidden = getattr(config, "hidden_size", 32)
    per_step = getattr(config, "chunk", 10) * layer_macs("RNN", 1, hidden)  # sin->cos, hello: tiny
    return Work(int(steps), steps * per_step)


def _sine(cfg) -> Work:
    window, split = cfg.series.window, cfg.series.split
    batch = split - window if cfg.recipe == "fast" else 1  # every window per step, or one
    H = cfg.hidden_size
    per_window = sum(window * layer_macs(k, 1, H) + H for k in cfg.kinds)
    loops = 3 * window * cfg.kinds.count("MyRNN")  # MyRNN steps through the window in Python, forward and back
    return Work(cfg.steps, cfg.steps * batch * per_window, 0.0, cfg.steps * window * len(cfg.kinds),
                cfg.steps * loops, weights=sum(layer_macs(k, 1, H) + 2 * H + 1 for k in cfg.kinds),
                activations=sum(batch * window * H * SAVED.get(k, 12) for k in cfg.kinds))


def _gates(cfg) -> Work:
    recall = cfg.task in ("memory", "replace")  # a symbol, the gap, the cue
    T = cfg.gap + 2 if recall else cfg.length if cfg.task == "counting" else 400
    inputs = 2 * cfg.symbols + 1 if recall else {"counting": 2, "sine": 1}.get(cfg.task, 9)
    token = layer_macs(cfg.kind, inputs, cfg.hidden_size)
    batch = cfg.batch_size if cfg.task != "sine" else 1
    evals = cfg.steps / max(1, cfg.steps // 60)  # the held-out batch is scored about 60 times
    held = 500 if cfg.task != "sine" else 1
    return Work(cfg.steps, cfg.steps * batch * T * token, evals * held * T * token, (cfg.steps + evals) * T,
                weights=token + cfg.hidden_size * inputs, activations=max(batch, held) * T * cfg.hidden_size
                * SAVED.get(cfg.kind, 12))


def _char(cfg, length: int, vocab: int, name: str = "") -> Work:
    """What charlm.build really does: every optimiser step reads batch × num_steps one-hot (or
    embedded) characters; every epoch scores the held-out tenth (forward only, one row, chunks
    of 200), writes PRINT_CHARS greedy characters from each prefix when it prints (the page's
    prefixes: two on the lyrics, Tiny Shakespeare and The Time Machine, one elsewhere), and on
    the built-in grammar only also samples VALIDITY lines, each one string and its newline."""
    train_chars = int(length * (1 - cfg.held_out))
    per_epoch = max(1, train_chars // (cfg.batch_size * cfg.num_steps))
    steps = per_epoch * cfg.epochs
    H, L, gates = cfg.hidden_size, cfg.num_layers, GATES.get(cfg.kind, 4)
    # a one-hot input times W_xh: torch multiplies the whole one-hot matrix (charlm feeds
    # one_hot(X) to the layer), forward and for W_xh's gradient, but the input needs none
    width = cfg.embedding or vocab
    inputs = gates * H * width
    token = gates * H * H + layer_macs(cfg.kind, H, H) * (L - 1) + H * vocab  # recurrences, deeper layers, read-out
    if cfg.embedding:  # a learnt embedding does need the gradient of its output: a usual layer
        token, inputs = token + inputs, 0
    chars = steps * cfg.batch_size * cfg.num_steps
    held_chars = length - train_chars
    prefixes = 2 if name in ("lyrics", "time_machine", "shakespeare") else 1
    printed = -(-cfg.epochs // max(1, cfg.print_every)) * prefixes * PRINT_CHARS  # every print_every epochs, and the last
    checked = VALIDITY * (REBER_LINE + 1) if name == "reber" else 0  # the page checks the grammar's strings only
    tokens = cfg.batch_size * cfg.num_steps  # one step's characters
    return Work(steps, chars * token, cfg.epochs * held_chars * (token + inputs),
                steps * cfg.num_steps * L, printed + cfg.epochs * checked, kind=cfg.kind, input_macs=chars * inputs,
                eval_time_steps=cfg.epochs * held_chars * L, logits=(chars + cfg.epochs * held_chars) * vocab,
                weights=gates * H * (width + H) + layer_macs(cfg.kind, H, H) * (L - 1) + (H + 1) * vocab
                + cfg.embedding * vocab,
                activations=tokens * L * H * SAVED.get(cfg.kind, 12),
                wide=tokens * vocab * (WIDE + (0 if cfg.embedding else 1)))


PRINT_CHARS = 50  # charlm.PRINT_CHARS: characters written from each prefix in a printout
VALIDITY = 30  # charlm.VALIDITY_SAMPLES: lines sampled per epoch on the built-in grammar
REBER_LINE = 12  # characters in an embedded Reber string, on average (grammar.corpus(): 12.0)


@cache
def recurrent(kind: str) -> tuple[float, float, float]:
    """Seconds per time step of a narrow layer of this kind (forward and backward, in a
    minibatch; forward alone, one row) and per character generated by a char model of it.
    Measured, since the kinds differ: torch runs an LSTM on the CPU in one fused kernel, but
    walks a GRU's or plain RNN's gates op by op, and backward op by op again."""
    from rnnviz.charlm import CharConfig, CharLM, generate
    from rnnviz.data.text import Vocab

    torch.manual_seed(0)
    layer = getattr(nn, kind)(8, 16, batch_first=True)
    X, x = torch.randn(16, 50, 8), torch.randn(1, 100, 8)
    per_time = _best_of(lambda: layer(X)[0].sum().backward(), 5, CPU) / 50
    with torch.no_grad():
        per_eval = _best_of(lambda: layer(x), 5, CPU) / 100
    vocab = Vocab.of("abcdefgh")
    model = CharLM(len(vocab), CharConfig(kind=kind, hidden_size=16))
    per_char = _best_of(lambda: generate(model, vocab, "a", 30), 3, CPU) / 30
    return per_time, per_eval, per_char


@cache
def per_logit() -> float:
    """Seconds per vocabulary entry of a character read and scored: its one-hot row, and the
    softmax and cross-entropy over its logits, forward and backward (memory-bound, not MACs)."""
    torch.manual_seed(0)
    X, Y = torch.randint(0, 512, (32, 35)), torch.randint(0, 512, (32 * 35,))
    logits = torch.randn(32 * 35, 512, requires_grad=True)

    def scored():
        nn.functional.one_hot(X, 512).float()
        nn.functional.cross_entropy(logits, Y).backward()
    return _best_of(scored, 5, CPU) / (32 * 35 * 512)


@cache
def machine(clock=time.perf_counter) -> tuple[float, float, float, float]:
    """Seconds per optimiser step of a tiny model, per time step of a narrow layer, per forward
    multiply-add of a wide one, per token stepped alone; measured here once (per clock: the
    char estimate counts this thread's CPU time, which other sessions' training cannot inflate)."""
    torch.manual_seed(0)
    tiny, x, y = SeqRegressor("RNN", 4), torch.randn(1, 10, 1), torch.randn(1, 1)
    opt = torch.optim.Adam(tiny.parameters())
    per_step = _best_of(lambda: _step(tiny, opt, x, y), 20, clock)
    wide, X = nn.LSTM(128, 128, batch_first=True), torch.randn(32, 35, 128)
    macs = 32 * 35 * layer_macs("LSTM", 128, 128)
    per_mac = _best_of(lambda: wide(X)[0].sum().backward(), 3, clock) / (BACKWARD * macs)
    narrow, x_long = nn.LSTM(8, 16, batch_first=True), torch.randn(8, 200, 8)
    per_time = _best_of(lambda: narrow(x_long)[0].sum().backward(), 3, clock) / 200
    with torch.no_grad():
        one = torch.randn(1, 1, 8)
        per_token = _best_of(lambda: torch.softmax(narrow(one)[0][0, -1], -1).multinomial(1), 50, clock)
    return per_step, per_time, per_mac, per_token


def measure() -> None:
    """Measure every price now (each is measured once per process, then kept): the server's
    warm-up calls it before it starts training, since prices measured while its threads train
    would be too high for the server's whole life, and short runs would wait for Train."""
    machine()
    machine(CPU)
    per_logit()
    for kind in ("RNN", "LSTM", "GRU"):
        recurrent(kind)


def _step(model, opt, x, y) -> None:
    opt.zero_grad()
    nn.functional.mse_loss(model(x), y).backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


def _best_of(fn, repeats: int, clock=time.perf_counter) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return sorted(times)[len(times) // 4]  # a low quantile: this machine's speed drifts


# Memory, measured with bench/memory_estimate.py (peak RSS of a real step): torch keeps about
# 2 floats per gate and unit (its input and output) and 4 more per unit for every token a
# recurrent layer reads; a vocabulary-wide row is kept WIDE times (logits, their softmax, the
# gradient), once more when it is a one-hot input; every parameter COPIES times.
SAVED = {"RNN": 6, "MyRNN": 6, "GRU": 10, "LSTM": 12}  # floats kept per unit and token: 2 × gates + 4
WIDE = 3
COPIES = 6  # the weights, their gradient, Adam's two moments, the rollback copy, the best epoch's
BASE_MB = 10.0  # a step's own bookkeeping, measured on the smallest model


def memory_mb(config, vocab: int | None = None) -> float:
    """The memory (MB) one training step of `config` holds at its peak, from its size alone."""
    w = work(config, vocab)
    return BASE_MB + 4 * (COPIES * w.weights + w.activations + w.wide) / 2**20


# What one run may take of the server: by default sized for a 2-core host with a few GB shared by
# several visitors. A host sets its own limits with these environment variables.
RUN_MEMORY_MB = float(os.environ.get("RNNVIZ_RUN_MEMORY_MB", "1000"))  # one step's peak
STEP_SECONDS = float(os.environ.get("RNNVIZ_STEP_SECONDS", "2"))  # one step: Stop lands within it
RUN_SECONDS = 60 * float(os.environ.get("RNNVIZ_RUN_MINUTES", "30"))  # a whole run


def over_budget(config, vocab: int | None = None, run_seconds: float | None = None) -> dict[str, float]:
    """The limits this run would pass, each with its estimate: "memory" (MB), "step" and "run"
    (seconds); empty when it fits. run_seconds: the run's estimate when the caller has it."""
    run = seconds(config, vocab) if run_seconds is None else run_seconds
    steps = work(config, vocab).steps
    step = run / steps if steps else 0.0  # a config this module cannot size: only its run's length
    memory = memory_mb(config, vocab)
    over = {"memory": memory if memory > RUN_MEMORY_MB else 0, "step": step if step > STEP_SECONDS else 0,
            "run": run if run > RUN_SECONDS else 0}
    return {k: v for k, v in over.items() if v}


def largest(config, vocab: int | None = None) -> str:
    """What takes most of that memory: "activations", "vocabulary" or "weights" (the knob to turn)."""
    w = work(config, vocab)
    parts = {"activations": w.activations, "vocabulary": w.wide, "weights": COPIES * w.weights}
    return max(parts, key=parts.get)


OVERHEAD = 2.5  # the training loop's step (weights kept for rollback, snapshots) over a bare step


def seconds(config, vocab: int | None = None) -> float:
    """Estimated seconds to train `config` on this machine, from its size alone."""
    w = work(config, vocab)
    per_step, per_time, per_mac, per_token = machine()
    per_eval = 0.0
    if w.kind:  # the char model: its layer's own speed, its own generation loop, in CPU time
        per_step, _, per_mac, _ = machine(CPU)
        per_time, per_eval, per_token = recurrent(w.kind)
    return (w.steps * per_step * OVERHEAD + w.time_steps * per_time + w.eval_time_steps * per_eval
            + w.tokens * per_token + (w.logits * per_logit() if w.logits else 0.0) + (BACKWARD * w.train_macs + 2 * w.input_macs + w.eval_macs) * per_mac)
