"""Standalone PyTorch scripts that reproduce each page's experiment outside the app.

script(config) returns the source of a script that needs only torch (and numpy): the same
data, model, optimiser, schedule, clipping and seeding as the engine, so on the same machine
it prints the same loss history as the page, ending with `final loss: <value>`. The config's
values open the script as plain constants, each with its field's one-line reason, so a
learner can edit them. Every script is a template: constants on top, the engine's code
below, written out flat (no rnnviz import). tests/test_export.py runs each one against the
engine and compares the final loss.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import fields, is_dataclass
from string import Template

from rnnviz import charlm, gates, models, sincos, sine, unrolling

# ---------------------------------------------------------------- the settings block


def _reasons(cls: type) -> dict[str, str]:
    """Each field's one-line reason: the comment after it in the dataclass's source."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):  # no source (a frozen build): the constants go without reasons
        return {}
    found = re.findall(r"^\s+(\w+):[^=\n]*=[^#\n]*#\s*(.+)$", source, flags=re.MULTILINE)
    return {name: reason.strip() for name, reason in found}


# reasons for the few fields whose config leaves them without a comment
_FALLBACK = {"seed": "same seed, same weights, same data", "num_layers": "stacked recurrent layers"}


def _settings(cfg, choices: dict[str, tuple] | None = None, extra: tuple = (), names: dict | None = None) -> str:
    """The config as `NAME = value  # reason` lines; a nested config's fields flattened in
    (named PARENT_FIELD when the plain name is taken); extra: (NAME, value, reason) lines;
    names: engine constants a reason mentions, shown with their values (the script has none)."""
    choices, names = choices or {}, names or {}
    rows: list[tuple[str, object, str]] = []
    top = {f.name.upper() for f in fields(cfg)}
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if is_dataclass(value):
            inner = _reasons(type(value))
            for g in fields(value):
                name = g.name.upper() if g.name.upper() not in top else f"{f.name}_{g.name}".upper()
                rows.append((name, getattr(value, g.name), inner.get(g.name, "")))
            continue
        reason = _reasons(type(cfg)).get(f.name, _FALLBACK.get(f.name, ""))
        if f.name in choices:  # the engine's name for the choices means nothing outside it: list them
            listed = "one of " + ", ".join(map(repr, choices[f.name]))
            reason, named = re.subn(r"one of [A-Z_]+", listed, reason)
            reason = reason if named else f"{reason}; {listed}".lstrip("; ")
        for name, shown in names.items():
            reason = reason.replace(name, f"{name} {shown!r}")
        rows.append((f.name.upper(), value, reason))
    rows += list(extra)
    lines = [f"{name} = {value!r}" + (f"  # {reason}" if reason else "") for name, value, reason in rows]
    return "\n".join(lines)


def _fill(template: Template, title: str, settings: str) -> str:
    return template.substitute(title=title, settings=settings, threads=THREADS_NOTE)


THREADS_NOTE = ("# One thread, as the app: small recurrent models run fastest on one, and the sums inside\n"
                "# each matrix product then add up in the same order, so the numbers match the page's.")

# ---------------------------------------------------------------- hello -> ohlol

_HELLO = Template(r'''"""$title

The "RNN unrolling" page's toy task, outside the app: read "hello", emit "ohlol", one letter
per step, trained with Adam on the one sequence. Needs only torch: python this_file.py
On the same machine and torch version it prints the same losses as the page.
"""

import torch
from torch import nn

# ---------------------------------------------------------------- settings (the page's; edit them)
$settings

$threads
torch.set_num_threads(1)


def encode(text):
    """Letters -> their indices in CHARS: (T,)."""
    return torch.tensor([CHARS.index(c) for c in text])


class HelloTagger(nn.Module):
    """The notes' three models behind one interface: letters (T,) -> logits (T, 4)."""

    def __init__(self, variant):
        super().__init__()
        self.variant = variant
        n = len(CHARS)
        if variant == "cell":
            self.rnn = nn.RNNCell(n, n)  # hidden 4: the hidden state is the output
        elif variant == "rnn":
            self.rnn = nn.RNN(n, n)
        elif variant == "embed":
            self.emb = nn.Embedding(n, 10)
            self.rnn = nn.RNN(10, 8, num_layers=2, batch_first=True)
            self.fc = nn.Linear(8, n)
        else:
            raise ValueError(f"unknown variant {variant!r}")

    def rnn_input(self, letters):
        """What the recurrent module reads: one-hot (T, 1, 4), or embeddings (1, T, 10)."""
        if self.variant == "embed":
            return self.emb(letters).unsqueeze(0)
        return nn.functional.one_hot(letters, len(CHARS)).float().unsqueeze(1)

    def forward(self, letters):
        x = self.rnn_input(letters)
        if self.variant == "cell":
            h = torch.zeros(1, self.rnn.hidden_size)
            hs = []
            for x_t in x:  # (1, 4)
                h = self.rnn(x_t, h)
                hs.append(h)
            return torch.cat(hs)  # (T, 4)
        out, _ = self.rnn(x)
        return self.fc(out[0]) if self.variant == "embed" else out[:, 0]  # (T, 4)


def decode(logits):
    """The letter of the largest score at each step."""
    return "".join(CHARS[i] for i in logits.argmax(-1).tolist())


torch.manual_seed(SEED)  # the weights depend on the seed only
model = HelloTagger(VARIANT)
x, y = encode(TEXT_IN), encode(TEXT_OUT)
opt = torch.optim.Adam(model.parameters(), lr=LR)
reduction = "sum" if VARIANT == "cell" else "mean"  # the notes: summed over steps for the RNNCell loop

for epoch in range(1, EPOCHS + 1):  # one epoch = one step on the single sequence
    model.train()
    opt.zero_grad(set_to_none=True)
    logits = model(x)
    predicted = decode(logits.detach())  # as the notes print it: this forward pass, before the update
    loss = nn.functional.cross_entropy(logits, y, reduction=reduction)
    loss.backward()
    opt.step()
    if VARIANT == "cell":  # the notes' own print lines
        print(f"Predicted string: {predicted}, Epoch [{epoch}/{EPOCHS}] loss={loss.item():.4f}")
    else:
        print(f"Predicted:  {predicted}, Epoch [{epoch}/{EPOCHS}] loss = {loss.item():.3f}")

print(f"final loss: {loss.item()}")
''')


def hello_script(cfg: unrolling.HelloConfig) -> str:
    """The hello -> ohlol experiment as a standalone script."""
    extra = (("CHARS", unrolling.HELLO_CHARS, "the notes' idx2char"),
             ("TEXT_IN", unrolling.HELLO_IN, "what the model reads"),
             ("TEXT_OUT", unrolling.HELLO_OUT, "what it should emit, one letter per step"))
    settings = _settings(cfg, {"variant": tuple(unrolling.VARIANTS)}, extra, {"LR_OF_VARIANT": unrolling.LR_OF_VARIANT})
    return _fill(_HELLO, "hello -> ohlol: a standalone reproduction of rnnviz's experiment.", settings)


# ---------------------------------------------------------------- sine forecasting

_SINE = Template(r'''"""$title

The "Sine forecasting" page's experiment, outside the app: a noisy sine, sliding windows of
WINDOW values, and one forecaster per kind in KINDS (all from the same seed) that reads a
window and predicts the next value. Needs torch and numpy: python this_file.py
On the same machine and torch version it prints the same losses as the page.
"""

import numpy as np
import torch
from torch import nn

# ---------------------------------------------------------------- settings (the page's; edit them)
$settings

$threads
torch.set_num_threads(1)

# ---------------------------------------------------------------- the series and its windows
rng = np.random.default_rng(SERIES_SEED)
x = np.linspace(0, X_MAX, N_POINTS)
clean = np.sin(x)
if NOISE_KIND == "uniform":
    noise = rng.uniform(0, NOISE, N_POINTS) if NOISE > 0 else np.zeros(N_POINTS)
else:
    noise = rng.normal(0, NOISE, N_POINTS)
y = (clean + noise).astype(np.float32)  # (N,) what the model sees

# window s reads y[s .. s+WINDOW-1] and predicts y[s+WINDOW]; every target lies before SPLIT
starts = np.arange(0, SPLIT - WINDOW)
idx = starts[:, None] + np.arange(WINDOW)[None, :]  # (S, WINDOW)
X = torch.from_numpy(y[idx]).unsqueeze(-1)  # (S, WINDOW, 1)
Y = torch.from_numpy(y[starts + WINDOW]).unsqueeze(-1)  # (S, 1)


# ---------------------------------------------------------------- the models
class MyRNN(nn.Module):
    """The tutorial's RNN: h_t = tanh(linear_ih(x_t) + linear_hh(h_{t-1})), stepped in Python."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_ih = nn.Linear(input_size, hidden_size)  # W_ih x_t + b_ih
        self.linear_hh = nn.Linear(hidden_size, hidden_size)  # W_hh h_{t-1} + b_hh

    def forward(self, x):
        h = x.new_zeros(x.shape[0], self.hidden_size)  # (B, H)
        outs = []
        for t in range(x.shape[1]):
            h = torch.tanh(self.linear_ih(x[:, t]) + self.linear_hh(h))
            outs.append(h)
        return torch.stack(outs, dim=1), h.unsqueeze(0)


class SeqRegressor(nn.Module):
    """A window (B, T, 1) -> the next value (B, 1), read off the last hidden state."""

    def __init__(self, kind, hidden_size):
        super().__init__()
        fused = getattr(nn, "RNN" if kind == "MyRNN" else kind)(1, hidden_size, 1, batch_first=True)
        if kind == "MyRNN":
            # start from the very weights nn.RNN gets under the same seed, so the two ways
            # train along the same path and differ only in speed
            with torch.random.fork_rng(devices=[]):  # leave the RNG where nn.RNN's path leaves it
                self.rnn = MyRNN(1, hidden_size)
            with torch.no_grad():
                self.rnn.linear_ih.weight.copy_(fused.weight_ih_l0), self.rnn.linear_ih.bias.copy_(fused.bias_ih_l0)
                self.rnn.linear_hh.weight.copy_(fused.weight_hh_l0), self.rnn.linear_hh.bias.copy_(fused.bias_hh_l0)
        else:
            self.rnn = fused
        self.linear_ho = nn.Linear(hidden_size, 1)  # y = W_ho h_T + b_ho

    def forward(self, x):
        out, _ = self.rnn(x)  # (B, T, H)
        return self.linear_ho(out[:, -1])  # (B, 1)


models = {}
for kind in KINDS:
    torch.manual_seed(SEED)  # every kind starts from the same seed
    models[kind] = SeqRegressor(kind, HIDDEN_SIZE)
# one optimiser for all: the losses are summed, and each model still takes its own independent
# step (Adam and SGD treat every parameter alone)
everything = nn.ModuleDict(models)

# ---------------------------------------------------------------- training
# tutorial: one ordered pass, step k reads window k-1 (tutorial A's whole training); epochs: that
# ordered pass repeated; random: each step one window with a random start; all three SGD, one
# window per step, each read from a zero state. fast: every window in one batch per step, Adam.
if RECIPE == "fast":
    opt = torch.optim.Adam(everything.parameters(), lr=LR)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=STEPS, pct_start=0.1)
else:
    opt = torch.optim.SGD(everything.parameters(), lr=LR)
    schedule = None
pick = torch.Generator().manual_seed(SEED) if RECIPE == "random" else None

log_every = max(1, STEPS // 200)  # about 200 lines, as the page's loss curve has points
for step in range(1, STEPS + 1):
    if RECIPE == "fast":
        xb, yb = X, Y  # every window, every step
    else:
        s = int(torch.randint(len(X), (1,), generator=pick)) if pick is not None else (step - 1) % len(X)
        xb, yb = X[s:s + 1], Y[s:s + 1]  # one window
    opt.zero_grad(set_to_none=True)
    losses = {kind: nn.functional.mse_loss(m(xb), yb) for kind, m in models.items()}
    loss = sum(losses.values())  # the page's loss: the sum over the models
    loss.backward()
    opt.step()
    if schedule is not None:
        schedule.step()
    if step % log_every == 0 or step == STEPS:
        each = "  ".join(f"{kind} {v.item():.6f}" for kind, v in losses.items())
        print(f"step {step:5d}  loss {loss.item():.6f}  ({each})")

print(f"final loss: {loss.item()}")
''')


def sine_script(cfg: sine.SineConfig) -> str:
    """The sine forecasting experiment (every kind, either recipe) as a standalone script."""
    settings = _settings(cfg, {"kinds": models.FORECASTERS, "recipe": tuple(sine.RECIPES)}, names={"DEFAULT_LR": sine.DEFAULT_LR})
    return _fill(_SINE, "Sine forecasting: a standalone reproduction of rnnviz's experiment.", settings)


# ---------------------------------------------------------------- sin -> cos

_SINCOS = Template(r'''"""$title

The "Sine forecasting" page's sin -> cos experiment, outside the app: read sin(t) one step at
a time and output cos(t). The series comes in chunks of CHUNK points, each spanning pi. Two
copies of one model from the same seed: one carries its hidden state from chunk to chunk
(detached), one resets it to zero. At a chunk's first step sin is 0 whether cos is +1 or -1:
only a carried state can tell. Needs torch and numpy: python this_file.py
On the same machine and torch version it prints the same losses as the page.
"""

import math

import numpy as np
import torch
from torch import nn

# ---------------------------------------------------------------- settings (the page's; edit them)
$settings

$threads
torch.set_num_threads(1)


class SinToCos(nn.Module):
    """nn.RNN(1, H) and a Linear read-out at every step: (1, T, 1) -> (1, T, 1)."""

    def __init__(self, hidden_size):
        super().__init__()
        self.rnn = nn.RNN(1, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, 1)

    def forward(self, x, h):
        r, h = self.rnn(x, h)  # (1, T, H), (1, 1, H)
        return self.out(r), h


def chunk(k, n):
    """Chunk k: t from k*pi to (k+1)*pi in n points; x = sin t, y = cos t as (1, n, 1)."""
    t = np.linspace(k * math.pi, (k + 1) * math.pi, n, dtype=np.float32)
    return t, torch.from_numpy(np.sin(t)).view(1, n, 1), torch.from_numpy(np.cos(t)).view(1, n, 1)


torch.manual_seed(SEED)
carried = SinToCos(HIDDEN_SIZE)
torch.manual_seed(SEED)  # the same weights again
reset = SinToCos(HIDDEN_SIZE)
opt = torch.optim.Adam([*carried.parameters(), *reset.parameters()], lr=LR)

h = None
log_every = max(1, STEPS // 100)
for step in range(1, STEPS + 1):  # one chunk per step
    _, x, y = chunk(step - 1, CHUNK)
    opt.zero_grad(set_to_none=True)
    pred_c, h = carried(x, h)
    h = h.detach()  # carry the state on, but not the graph: backprop stops at the chunk's start
    pred_r, _ = reset(x, None)
    loss_c, loss_r = nn.functional.mse_loss(pred_c, y), nn.functional.mse_loss(pred_r, y)
    loss = loss_c + loss_r  # the page's loss: the sum of both
    loss.backward()
    opt.step()
    if step % log_every == 0 or step == STEPS:
        print(f"step {step:5d}  loss {loss.item():.6f}  (carried {loss_c.item():.6f}  reset {loss_r.item():.6f})")

# score both on the EVAL_CHUNKS chunks after the training range
carried.eval()
reset.eval()
with torch.no_grad():
    for mode, model in (("carried", carried), ("reset", reset)):
        _, state = model(chunk(STEPS - 1, CHUNK)[1], None)  # warm up on the chunk before, unscored
        errs, start_errs = [], []
        for k in range(STEPS, STEPS + EVAL_CHUNKS):
            _, x, y = chunk(k, CHUNK)
            pred, state = model(x, state if mode == "carried" else None)
            err = ((pred - y).view(-1).numpy()) ** 2
            errs.append(err)
            start_errs.append(err[0])
        print(f"state {mode}: MSE {np.mean(errs):.6f}, MSE at each chunk's first step {np.mean(start_errs):.6f}")

print(f"final loss: {loss.item()}")
''')


def sincos_script(cfg: sincos.SinCosConfig) -> str:
    """The sin -> cos experiment (carried vs reset state) as a standalone script."""
    return _fill(_SINCOS, "sin -> cos: a standalone reproduction of rnnviz's experiment.", _settings(cfg))


# ---------------------------------------------------------------- LSTM gates

_GATES = Template(r'''"""$title

The "LSTM gates" page's experiment, outside the app: a recurrent layer (LSTM, GRU or the
vanilla RNN) and a linear read-out trained with Adam and gradient clipping on a task where
gates have something to do: remember a symbol across a gap (memory), answer the most recent
of two marked symbols, the second replacing the first (replace: tutorial A's Alice -> Bob),
count bracket depth (counting), or predict the next value of the noisy sine (sine). Fresh random sequences every
step from a seeded generator; a fixed held-out batch scores the model, and training stops
early once it is solved. Needs torch and numpy: python this_file.py
On the same machine and torch version it prints the same losses as the page.
"""

import numpy as np
import torch
from torch import nn

# ---------------------------------------------------------------- settings (the page's; edit them)
$settings

$threads
torch.set_num_threads(1)


# ---------------------------------------------------------------- the tasks
def memory_batch(batch, gap, symbols, g):
    """Step 1 shows a symbol, steps 2..gap+1 distractors (other input channels), the last the
    recall cue. x (B, gap+2, 2*symbols+1) one-hot, y (B,) the symbol to recall."""
    K, T = symbols, gap + 2
    sym = torch.randint(K, (batch,), generator=g)  # (B,)
    dis = torch.randint(K, (batch, gap), generator=g)  # (B, gap)
    x = torch.zeros(batch, T, 2 * K + 1)
    x[torch.arange(batch), 0, sym] = 1
    x[:, 1:gap + 1, K:2 * K] = nn.functional.one_hot(dis, K).float()
    x[:, T - 1, 2 * K] = 1
    return x, sym


def replace_batch(batch, gap, symbols, g):
    """memory_batch, then a second marked symbol (never the first) at a random step 3..gap
    (1-based) that replaces it: y is the second symbol."""
    x, first = memory_batch(batch, gap, symbols, g)
    second = (first + torch.randint(1, symbols, (batch,), generator=g)) % symbols  # (B,)
    where = torch.randint(2, gap, (batch,), generator=g)  # (B,) 0-based step
    x = x.clone()
    rows = torch.arange(batch)
    x[rows, where] = 0
    x[rows, where, second] = 1
    return x, second


def counting_batch(batch, length, max_depth, g):
    """Random bracket strings, kept well formed; x (B, T, 2) one-hot "(" / ")", y (B, T) the
    depth after each step."""
    opens = torch.rand(batch, length, generator=g) < 0.5  # (B, T)
    depth = torch.zeros(batch, dtype=torch.long)
    depths = torch.zeros(batch, length, dtype=torch.long)
    for t in range(length):
        o = opens[:, t]
        o = torch.where(depth == 0, torch.ones_like(o), o)  # nothing to close: open
        o = torch.where(depth == max_depth, torch.zeros_like(o), o)  # at the deepest: close
        opens[:, t] = o
        depth = depth + torch.where(o, 1, -1)
        depths[:, t] = depth
    return nn.functional.one_hot((~opens).long(), 2).float(), depths


def sine_batch(noise_seed):
    """The forecasting page's series (400 points of sin on [0, 36] plus U[0, 0.2) noise) as one
    sequence: read y[t], predict y[t+1]. The seed picks the noise."""
    rng = np.random.default_rng(noise_seed)
    x = np.linspace(0, 36.0, 400)
    y = torch.from_numpy((np.sin(x) + rng.uniform(0, 0.2, 400)).astype(np.float32))
    return y[:-1].view(1, -1, 1), y[1:].view(1, -1, 1)


def sample(batch, g):
    if TASK == "memory":
        return memory_batch(batch, GAP, SYMBOLS, g)
    if TASK == "replace":
        return replace_batch(batch, GAP, SYMBOLS, g)
    if TASK == "counting":
        return counting_batch(batch, LENGTH, MAX_DEPTH, g)
    return sine_batch(g.initial_seed())  # the same series every step


# ---------------------------------------------------------------- the model
class GateNet(nn.Module):
    """A recurrent layer and a linear read-out, at the last step or at every step."""

    def __init__(self, kind, input_size, hidden_size, n_out, every_step):
        super().__init__()
        self.every_step = every_step
        self.rnn = getattr(nn, kind)(input_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, n_out)

    def forward(self, x):
        h, _ = self.rnn(x)  # (B, T, H)
        return self.out(h if self.every_step else h[:, -1])


def loss_and_score(model, batch):
    """Cross-entropy and accuracy (memory, counting), or MSE and MSE (sine)."""
    x, y = batch
    out = model(x)
    if TASK == "sine":
        loss = nn.functional.mse_loss(out, y)
        return loss, loss.item()
    logits = out.reshape(-1, out.shape[-1])
    target = y.reshape(-1)
    return nn.functional.cross_entropy(logits, target), (logits.argmax(-1) == target).float().mean().item()


# input size, outputs, read-out at every step
shapes = {"memory": (2 * SYMBOLS + 1, SYMBOLS, False), "replace": (2 * SYMBOLS + 1, SYMBOLS, False), "counting": (2, MAX_DEPTH + 1, True), "sine": (1, 1, True)}
input_size, n_out, every_step = shapes[TASK]
torch.manual_seed(SEED)
model = GateNet(KIND, input_size, HIDDEN_SIZE, n_out, every_step)
if KIND == "LSTM":
    H = HIDDEN_SIZE
    with torch.no_grad():  # torch's gate order i, f, g, o: the forget gate is the second block
        model.rnn.bias_ih_l0[H:2 * H].fill_(FORGET_BIAS)
        model.rnn.bias_hh_l0[H:2 * H].zero_()
if KIND == "GRU":
    H = HIDDEN_SIZE
    with torch.no_grad():  # torch's gate order r, z, n: the update gate is the second block
        model.rnn.bias_ih_l0[H:2 * H].fill_(UPDATE_BIAS)
        model.rnn.bias_hh_l0[H:2 * H].zero_()

# ---------------------------------------------------------------- training
g = torch.Generator().manual_seed(SEED)  # the training sequences
held_out = sample(EVAL_SIZE, torch.Generator().manual_seed(10_000 + SEED))  # scores the model, never trained on
opt = torch.optim.Adam(model.parameters(), lr=LR)
score_name = "MSE" if TASK == "sine" else "accuracy"

log_every = max(1, STEPS // 60)
for step in range(1, STEPS + 1):
    model.train()
    opt.zero_grad(set_to_none=True)
    loss = loss_and_score(model, sample(BATCH_SIZE, g))[0]
    loss.backward()
    nn.utils.clip_grad_norm_(list(model.parameters()), CLIP)
    opt.step()
    if step % log_every == 0 or step == STEPS:
        model.eval()
        with torch.no_grad():
            score = loss_and_score(model, held_out)[1]
        print(f"step {step:5d}  loss {loss.item():.6f}  held-out {score_name} {score:.4f}")
        if TASK not in ("sine", "replace") and score >= SOLVED:  # replace trains all its steps
            print(f"held-out accuracy reached {score:.1%}: solved, so training stopped early")
            break

print(f"final loss: {loss.item()}")
''')


def gates_script(cfg: gates.GateConfig) -> str:
    """The gates experiment (any task and kind) as a standalone script."""
    extra = (("CLIP", 1.0, "gradient norm clipping, as the page: keeps the vanilla RNN from blowing up"),
             ("EVAL_SIZE", gates.EVAL_SIZE, "sequences in the held-out batch that scores memory and counting"),
             ("SOLVED", gates.SOLVED, "held-out accuracy at which training stops early: nothing left to learn"))
    settings = _settings(cfg, {"task": tuple(gates.TASKS), "kind": gates.KINDS}, extra)
    return _fill(_GATES, "LSTM gates: a standalone reproduction of rnnviz's experiment.", settings)


# ---------------------------------------------------------------- char-level generation

_CHAR = Template(r'''"""$title

The "Char-level generation" page's experiment, outside the app (d2l's RNN chapters): a text
file -> a vocabulary of its characters -> minibatches of NUM_STEPS characters (random or
consecutive sampling) -> an RNN / LSTM / GRU that predicts the next character. Every epoch
it scores held-out text (the last HELD_OUT share, never trained on) by perplexity; every
PRINT_EVERY epochs it prints d2l's printout (the training perplexity, the epoch's training
time, PRINT_CHARS characters written greedily from each prefix). With KEEP = "best" it stops
early when the held-out perplexity stops improving and keeps the best epoch's weights; with
KEEP = "final" it trains every epoch and keeps the last weights, as the chapter. Needs only torch:

    python this_file.py your_text.txt

Any UTF-8 text works: the page's built-in Reber grammar, or The Time Machine
(https://www.gutenberg.org/ebooks/35), Tiny Shakespeare
(https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt).
Given the text the page trained on, on the same machine and torch version, it prints the
same losses as the page.
"""

import math
import random
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import torch
from torch import nn

# ---------------------------------------------------------------- settings (the page's; edit them)
$settings

$threads
torch.set_num_threads(1)
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")  # as the app: CUDA when present

# ---------------------------------------------------------------- the text, its vocabulary, the split
if len(sys.argv) < 2:
    sys.exit(__doc__)
# bytes, not text mode: text mode would turn \r\n into \n, and the page reads the bytes as they are
text = Path(sys.argv[1]).read_bytes().decode("utf-8").lstrip("\ufeff")
counts = Counter(text)
chars = sorted(counts, key=lambda c: (-counts[c], c))  # index -> character, most frequent first
index = {c: i for i, c in enumerate(chars)}
V = len(chars)
ids = torch.tensor([index[c] for c in text])
cut = int(len(ids) * (1 - HELD_OUT))
train_ids, held_ids = ids[:cut], ids[cut:]  # the held-out part is the end of the text
need = BATCH_SIZE * NUM_STEPS + NUM_STEPS + 1
if len(train_ids) < need or len(held_ids) < NUM_STEPS + 1:
    sys.exit(f"The text is too short: {len(train_ids):,} training characters (need {need:,}) and "
             f"{len(held_ids):,} held-out ones (need {NUM_STEPS + 1}).")
prefixes = [p for p in (PREFIXES or (text[:2],)) if p and set(p) <= set(text)]


# ---------------------------------------------------------------- baselines: what any model should beat
def baselines():
    """Held-out perplexity of the uniform, the unigram (add-one) and the bigram (Witten-Bell
    interpolated with the unigram) models, fitted on the training part."""
    train, held = train_ids.tolist(), held_ids.tolist()
    uni, n = Counter(train), len(train)

    def p_uni(c):
        return (uni[c] + 1) / (n + V)

    pairs = Counter(pairwise(train))
    after = Counter(train[:-1])  # how often each character is followed by another
    kinds = Counter(a for a, _ in pairs)  # how many different characters follow it

    def p_big(a, b):
        if not after[a]:
            return p_uni(b)
        return (pairs[(a, b)] + kinds[a] * p_uni(b)) / (after[a] + kinds[a])

    ll_uni = sum(math.log(p_uni(c)) for c in held)
    ll_big = sum(math.log(p_big(a, b)) for a, b in pairwise(held))
    return {"uniform": float(V), "unigram": math.exp(-ll_uni / len(held)),
            "bigram": math.exp(-ll_big / max(len(held) - 1, 1))}


# ---------------------------------------------------------------- minibatches
def random_batches(ids, batch, steps, rng):
    """d2l's random sampling: non-overlapping subsequences in random order; the state is
    re-initialised for each minibatch. Yields X, Y (batch, steps)."""
    offset = rng.randint(0, steps - 1) if OFFSET else 0
    n = (len(ids) - offset - 1) // steps
    starts = [offset + i * steps for i in range(n)]
    rng.shuffle(starts)
    for k in range(0, n - batch + 1, batch):
        rows = starts[k:k + batch]
        yield torch.stack([ids[s:s + steps] for s in rows]), torch.stack([ids[s + 1:s + steps + 1] for s in rows])


def consecutive_batches(ids, batch, steps, rng):
    """d2l's consecutive sampling: `batch` parallel streams; row i of minibatch k+1
    continues row i of minibatch k, so the state can be carried over."""
    offset = rng.randint(0, steps - 1) if OFFSET else 0
    usable = ((len(ids) - offset - 1) // batch) * batch
    Xs = ids[offset:offset + usable].view(batch, -1)
    Ys = ids[offset + 1:offset + 1 + usable].view(batch, -1)
    for k in range(0, (Xs.shape[1] // steps) * steps, steps):
        yield Xs[:, k:k + steps], Ys[:, k:k + steps]


# ---------------------------------------------------------------- the model
class CharLM(nn.Module):
    """Characters (B, T) -> logits (B, T, V); one-hot or embedded input."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, EMBEDDING) if EMBEDDING else None
        self.rnn = getattr(nn, KIND)(EMBEDDING or V, HIDDEN_SIZE, NUM_LAYERS, batch_first=True)
        self.out = nn.Linear(HIDDEN_SIZE, V)
        # dropout on the last layer's output, drawn from the model's own generator
        self.masks = torch.Generator(DEVICE).manual_seed(SEED)
        if INIT == "d2l":  # the chapter's get_params: weights from normal(0, 0.01), biases 0
            for name, p in self.named_parameters():
                nn.init.normal_(p, 0.0, 0.01) if "weight" in name else nn.init.zeros_(p)
        self.to(DEVICE)

    def inputs(self, X):
        """What the recurrent layer reads: one-hot (B, T, V) or embeddings (B, T, E)."""
        X = X.to(DEVICE)
        return self.embed(X) if self.embed is not None else nn.functional.one_hot(X, V).float()

    def forward(self, X, state=None):
        h, state = self.rnn(self.inputs(X), state)  # (B, T, H)
        if self.training and DROPOUT > 0:
            keep = torch.empty_like(h).bernoulli_(1 - DROPOUT, generator=self.masks)
            h = h * keep / (1 - DROPOUT)
        return self.out(h), state


def detach(state):
    """Keep the state's values, drop its history: backprop stops at the minibatch's start."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


@torch.no_grad()
def perplexity(model, ids, num_steps=200):
    """exp(mean cross-entropy) over ids, read in order with the state carried."""
    model.eval()
    state, total, count = None, 0.0, 0
    for k in range(0, len(ids) - 1, num_steps):
        X, Y = ids[k:k + num_steps][None], ids[k + 1:k + num_steps + 1][None]
        X = X[:, :Y.shape[1]]
        if X.shape[1] == 0:
            break
        logits, state = model(X, state)
        total += float(nn.functional.cross_entropy(logits[0], Y[0].to(DEVICE), reduction="sum"))
        count += Y.shape[1]
    return math.exp(total / max(count, 1))


@torch.no_grad()
def generate(model, prefix, length):
    """Continue prefix for `length` characters, greedily (the most likely each time), as d2l's predict_rnn."""
    model.eval()
    out, state = model.rnn(model.inputs(torch.tensor([index[c] for c in prefix])[None]))
    logits = model.out(out[0, -1])
    text = list(prefix)
    for _ in range(length):
        nxt = int(torch.softmax(logits, dim=-1).cpu().argmax())
        text.append(chars[nxt])
        h, state = model.rnn(model.inputs(torch.tensor([[nxt]])), state)
        logits = model.out(h[0, -1])
    return "".join(text)


torch.manual_seed(SEED)
model = CharLM()
if INIT == "torch":
    with torch.no_grad():  # start from the unigram: with many characters, uniform is a poor first guess
        unigram = torch.bincount(train_ids, minlength=V).float() + 1
        model.out.bias.copy_((unigram / unigram.sum()).log().to(DEVICE))
params = list(model.parameters())
opt = torch.optim.SGD(params, lr=LR) if OPTIMIZER == "sgd" else torch.optim.Adam(params, lr=LR)
sampler = random_batches if SAMPLING == "random" else consecutive_batches

print(f"{len(text):,} characters, {V} distinct; {len(train_ids):,} to train on, {len(held_ids):,} held out")
print("held-out perplexity of the baselines:", ", ".join(f"{k} {v:.3f}" for k, v in baselines().items()))

# ---------------------------------------------------------------- training
# As the page: the plan is EPOCHS times the minibatches of one epoch (counted at the offset
# random.Random(0) draws); each epoch then draws its own random offset from rng, and the
# held-out score and samples come when an epoch has run that many minibatches.
rng = random.Random(SEED)
per_epoch = sum(1 for _ in sampler(train_ids, BATCH_SIZE, NUM_STEPS, random.Random(0)))
batches, state, epoch, ce, n, seconds = iter(()), None, 0, 0.0, 0, 0.0
best, best_epoch, since_best, best_params = math.inf, 0, 0, None
model.train()
for step in range(1, per_epoch * EPOCHS + 1):
    began = time.perf_counter()
    batch = next(batches, None)
    if batch is None:  # a new epoch: a new random offset, a fresh state
        batches, state, epoch, ce, n = sampler(train_ids, BATCH_SIZE, NUM_STEPS, rng), None, epoch + 1, 0.0, 0
        seconds = 0.0
        batch = next(batches)
    X, Y = batch
    state = None if SAMPLING == "random" or state is None else detach(state)
    opt.zero_grad(set_to_none=True)
    logits, state = model(X, state)  # (B, T, V)
    loss = nn.functional.cross_entropy(logits.reshape(-1, V), Y.reshape(-1).to(DEVICE))
    loss.backward()
    if CLIP:
        nn.utils.clip_grad_norm_(params, CLIP)
    opt.step()
    ce, n = ce + loss.item(), n + 1
    seconds += time.perf_counter() - began  # the epoch's training time, d2l's "time"
    if n != per_epoch:  # not yet the epoch's last step (as planned)
        continue
    held = perplexity(model, held_ids)  # the epoch's last step: score on held-out text
    print(f"epoch {epoch:3d}  step {step:6d}  loss {loss.item():.6f}  train perplexity {math.exp(ce / n):.3f}  "
          f"held-out perplexity {held:.3f}")
    if held < best:
        best, best_epoch, since_best = held, epoch, 0
        best_params = nn.utils.parameters_to_vector(params).clone()
    else:
        since_best += 1
    stopping = epoch == EPOCHS or (KEEP == "best" and since_best >= PATIENCE)
    if epoch % PRINT_EVERY == 0 or stopping:  # the chapter's printout
        print(f"epoch {epoch}, perplexity {math.exp(ce / n):f}, time {seconds:.2f} sec")
        for p in prefixes:
            print(f" - {generate(model, p, PRINT_CHARS)}")
    model.train()
    if stopping:
        if KEEP == "final":
            print(f"all epochs done; kept the final weights (held-out perplexity {held:.3f}); "
                  f"the best held-out epoch was {best_epoch} ({best:.3f})")
            break
        if since_best:  # early stopping: back to the best epoch's weights
            with torch.no_grad():
                nn.utils.vector_to_parameters(best_params, params)
        why = "all epochs done" if epoch == EPOCHS else f"no better held-out perplexity for {PATIENCE} epochs"
        print(f"{why}; kept the weights of epoch {best_epoch} (held-out perplexity {best:.3f})")
        break

print(f"final loss: {loss.item()}")
''')


def char_script(cfg: charlm.CharConfig, prefixes: tuple[str, ...] = ()) -> str:
    """The character language model as a standalone script that reads a text file (argv[1])."""
    extra = (("PREFIXES", tuple(prefixes),
              "what the printout writes from; empty: the text's first two characters"),
             ("PRINT_CHARS", charlm.PRINT_CHARS, "characters the printout writes from each prefix (the chapter's)"))
    settings = _settings(cfg, {"kind": ("RNN", "LSTM", "GRU"), "optimizer": ("adam", "sgd"),
                               "sampling": tuple(charlm.SAMPLINGS), "keep": charlm.KEEPS, "init": charlm.INITS},
                         extra, {"SGD_LR": charlm.SGD_LR})
    return _fill(_CHAR, "Char-level generation: a standalone reproduction of rnnviz's experiment.", settings)


# ---------------------------------------------------------------- dispatch

_BY_TYPE = {unrolling.HelloConfig: hello_script, sine.SineConfig: sine_script,
            sincos.SinCosConfig: sincos_script, gates.GateConfig: gates_script, charlm.CharConfig: char_script}


def script(config, prefixes: tuple[str, ...] = ()) -> str:
    """The source of a standalone script (torch, numpy) that reproduces config's experiment;
    prefixes: what the char model writes from after every epoch (the page's)."""
    make = _BY_TYPE.get(type(config))
    if make is None:
        raise TypeError(f"no script for {type(config).__name__}; expected one of "
                        f"{', '.join(t.__name__ for t in _BY_TYPE)}")
    return char_script(config, prefixes) if make is char_script else make(config)


__all__ = ["script"]
