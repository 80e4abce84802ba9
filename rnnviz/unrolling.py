"""The experiments of the "RNN unrolling" page: a worked example, hello -> ohlol, and
gradients through time. Each experiment is one frozen config and plain functions of it,
returning tensors, frames with stable column names, and the sentences the page says as
rnnviz.i18n.Message (words: rnnviz/locales/{en,zh}.unrolling.toml; no streamlit, no tr()).

Where a change goes:
- a new way of computing the RNN (section 2): one more output in ThreeWays and three_ways(),
  one more column in ThreeWays.table(), its header under unrolling.ways.* in the catalogues;
- a new hello variant: VARIANTS, LR_OF_VARIANT, LOSS_REDUCTION, PRINTOUT and a branch in
  HelloTagger, its name and caption under unrolling.variant.*;
- a new verdict sentence: a Message returned here (a key under unrolling.*), shown by the page;
- a new chart: a builder in rnnviz/charts.py fed one of the frames below; the page's widget
  sections live in rnnviz/ui/unrolling.py.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor, nn

from rnnviz import cells
from rnnviz.checkpoint import Reveal
from rnnviz.i18n import Message
from rnnviz.train import Snapshot, seeded, train

# ---------------------------------------------------------------- the worked example


NONLINEARITIES = ("tanh", "relu")  # nn.RNN's two


@dataclass(frozen=True)
class UnrollConfig:
    """A small nn.RNN and a random input, to follow every number by hand."""

    seq_len: int = 3  # the notes' worked example: 3 steps, few enough to read each one
    batch_size: int = 1  # one sequence; more only changes the batch axis
    input_size: int = 4  # x_t has 4 features, like a one-hot letter of "hello"
    hidden_size: int = 2  # 2 hidden units: every product fits on the screen
    num_layers: int = 1  # stacked layers feed each layer's h_t to the next as its x_t
    batch_first: bool = False  # torch's default: time is the first axis
    nonlinearity: str = "tanh"  # tanh keeps h_t in (-1, 1); relu does not
    seed: int = 0  # same seed, same weights and input


@dataclass
class WorkedExample:
    rnn: nn.RNN  # the fused module torch trains with
    readout: nn.Linear  # y_t = W_hy h_t + b_y
    x: Tensor  # (T, B, I), or (B, T, I) when batch_first


def worked_example(cfg: UnrollConfig) -> WorkedExample:
    """Build the seeded nn.RNN, its readout and an input drawn from N(0, 1)."""
    with seeded(cfg.seed):
        rnn = nn.RNN(cfg.input_size, cfg.hidden_size, cfg.num_layers,
                     nonlinearity=cfg.nonlinearity, batch_first=cfg.batch_first)
        readout = nn.Linear(cfg.hidden_size, cfg.input_size)
        shape = (cfg.batch_size, cfg.seq_len) if cfg.batch_first else (cfg.seq_len, cfg.batch_size)
        x = torch.randn(*shape, cfg.input_size)
    return WorkedExample(rnn.eval(), readout.eval(), x)


def parameter_count(module: nn.Module) -> int:
    """How many numbers the module learns: the same ones at every time step."""
    return sum(p.numel() for p in module.parameters())


def shared_weights(ex: WorkedExample) -> dict[str, int]:
    """The unrolled picture is not T layers: the recurrent layers (`rnn` numbers) and the readout
    (`readout`) hold `real` parameters, used at each of the T steps; T separate copies would
    need T times as many. `layers` is the stack drawn at each step."""
    rnn, readout = parameter_count(ex.rnn), parameter_count(ex.readout)
    T = ex.x.shape[1] if ex.rnn.batch_first else ex.x.shape[0]
    return {"real": rnn + readout, "rnn": rnn, "readout": readout, "steps": T, "layers": ex.rnn.num_layers,
            "if_unshared": (rnn + readout) * T}


def weight_sharing(ex: WorkedExample) -> Message:
    """The sentence beside the diagram: the T copies drawn are one set of weights."""
    shared = shared_weights(ex)
    if shared["steps"] == 1:
        return Message("unrolling.step.shared_one", **shared)
    if shared["layers"] > 1:
        return Message("unrolling.step.shared_stacked", **shared)
    return Message("unrolling.step.shared", **shared)


def step_numbers(ex: WorkedExample, t: int, layer: int = 0, sample: int = 0) -> dict[str, Tensor]:
    """The real numbers of one step t (1-based) of one layer for one sequence of the batch."""
    run = cells.run(ex.rnn, ex.x)
    trace = run.traces[layer]
    w = cells.weights_from(ex.rnn, layer)
    x_in = ex.x.transpose(0, 1) if ex.rnn.batch_first else ex.x  # (T, B, I)
    layer_in = x_in if layer == 0 else run.traces[layer - 1]["hidden"]
    h_prev = trace["hidden"][t - 2, sample] if t > 1 else torch.zeros(w.hidden_size)
    h_t = trace["hidden"][t - 1, sample]
    out = {
        "x_t": layer_in[t - 1, sample], "h_prev": h_prev,
        "W_ih": w.W_ih, "W_hh": w.W_hh, "b_ih": w.b_ih, "b_hh": w.b_hh,
        "W_ih x_t": w.W_ih @ layer_in[t - 1, sample], "W_hh h_prev": w.W_hh @ h_prev,
        "preact": trace["preact"][t - 1, sample], "h_t": h_t,
    }
    if layer == ex.rnn.num_layers - 1:
        out["y_t"] = ex.readout(h_t).detach()
        out["p_t"] = torch.softmax(out["y_t"], -1)  # the class probabilities a classifier reads
    return {k: v.detach() for k, v in out.items()}


def step_table(n: dict[str, Tensor]) -> pd.DataFrame:
    """One step's numbers (step_numbers) per hidden unit: unit (1..H), ih = W_ih x_t + b_ih,
    hh = W_hh h_{t-1} + b_hh, preact = ih + hh, h_prev = h_{t-1}, h_t."""
    return pd.DataFrame({
        "unit": range(1, len(n["h_t"]) + 1), "ih": (n["W_ih x_t"] + n["b_ih"]).tolist(),
        "hh": (n["W_hh h_prev"] + n["b_hh"]).tolist(), "preact": n["preact"].tolist(),
        "h_prev": n["h_prev"].tolist(), "h_t": n["h_t"].tolist(),
    })


AGREE_TOL = 1e-5  # float32 rounding of a few fused sums stays far below this


@dataclass
class ThreeWays:
    """One sequence through the same weights three ways; outputs are (T, B, H)."""

    by_hand: Tensor  # the transparent cells: the equation, written out, in a loop
    by_cell: Tensor  # an nn.RNNCell loop (one layer)
    by_module: Tensor  # one nn.RNN call

    def max_diff(self) -> float:
        """The largest absolute difference between any two of the three."""
        pairs = [(self.by_hand, self.by_cell), (self.by_hand, self.by_module), (self.by_cell, self.by_module)]
        return max(float((a - b).abs().max()) for a, b in pairs)

    def peak(self) -> float:
        """The largest |value| among the outputs: rounding errors scale with it."""
        return float(self.by_module.abs().max())

    def agree(self, tol: float = AGREE_TOL) -> bool:
        """Whether the three ways give the same numbers up to float32 rounding."""
        return self.max_diff() < tol

    def counts(self) -> dict[str, int]:
        """What the comparison covers: T steps × B sequences × H units = n numbers (layer 1)."""
        T, B, H = self.by_module.shape
        return {"T": T, "B": B, "H": H, "n": T * B * H}

    def table(self, sample: int = 0) -> pd.DataFrame:
        """One sequence's outputs side by side: t, unit (both 1-based), by_hand, by_cell, by_module."""
        T, _, H = self.by_module.shape
        return pd.DataFrame([(t + 1, u + 1, float(self.by_hand[t, sample, u]), float(self.by_cell[t, sample, u]),
                              float(self.by_module[t, sample, u])) for t in range(T) for u in range(H)],
                            columns=["t", "unit", "by_hand", "by_cell", "by_module"])

    def verdict(self, nonlinearity: str) -> list[Message]:
        """What section 2 says of the comparison, sentence by sentence."""
        diff = self.max_diff()
        if self.agree():
            key = "unrolling.ways.agree_exact" if diff == 0 else "unrolling.ways.agree"
            return [Message(key, diff=diff, **self.counts())]
        said = [Message("unrolling.ways.disagree", diff=diff, peak=self.peak(), rel=diff / self.peak())]
        return said + [Message("unrolling.ways.disagree_relu")] if nonlinearity == "relu" else said


def three_ways(ex: WorkedExample) -> ThreeWays:
    """Run the first layer three ways with the same weights (time-first outputs)."""
    rnn = ex.rnn
    x = ex.x.transpose(0, 1) if rnn.batch_first else ex.x  # (T, B, I)
    w = cells.weights_from(rnn, 0)
    by_hand = cells.run_layer(w, x)[0]
    cell = nn.RNNCell(rnn.input_size, rnn.hidden_size, nonlinearity=rnn.nonlinearity)
    with torch.no_grad():
        cell.weight_ih.copy_(w.W_ih), cell.weight_hh.copy_(w.W_hh)
        cell.bias_ih.copy_(w.b_ih), cell.bias_hh.copy_(w.b_hh)
        h = torch.zeros(x.shape[1], rnn.hidden_size)
        outs = []
        for x_t in x:  # (B, I)
            h = cell(x_t, h)
            outs.append(h)
        one_layer = nn.RNN(rnn.input_size, rnn.hidden_size, nonlinearity=rnn.nonlinearity)
        one_layer.load_state_dict({k: v for k, v in rnn.state_dict().items() if k.endswith("_l0")})
        by_module = one_layer(x)[0]
    return ThreeWays(by_hand.detach(), torch.stack(outs), by_module)


# ---------------------------------------------------------------- hello -> ohlol

HELLO_CHARS = ("e", "h", "l", "o")  # the notes' idx2char
HELLO_IN, HELLO_OUT = "hello", "ohlol"
VARIANTS = {
    "cell": "one-hot + RNNCell loop (hidden 4)",
    "rnn": "one-hot + nn.RNN (hidden 4)",
    "embed": "Embedding(4, 10) + 2-layer nn.RNN (hidden 8) + Linear",
}


@dataclass(frozen=True)
class HelloConfig:
    """The notes' toy task: read "hello", emit "ohlol", one letter per step."""

    variant: str = "cell"  # one of VARIANTS
    lr: float = 0.1  # Adam; LR_OF_VARIANT has each variant's default (the notes')
    epochs: int = 15  # one epoch = one step on the single sequence
    seed: int = 2  # each variant's notes' recipe reaches "ohlol" within 15 epochs on it (see tests)

    @property
    def notes_recipe(self) -> bool:
        """The notes' own learning rate and epochs (any seed)."""
        return self.lr == LR_OF_VARIANT[self.variant] and self.epochs == HelloConfig.epochs


# The notes' learning rates: Adam 0.1 for the RNNCell loop, 0.05 for nn.RNN and for the
# embedding model. (The one-hot nn.RNN is the RNNCell loop's model; at 0.05 it needs more
# epochs, and on some seeds more than 15: the page says so when a run does not get there.)
LR_OF_VARIANT = {"cell": 0.1, "rnn": 0.05, "embed": 0.05}
# The notes sum the cross-entropy over the 5 letters in the RNNCell loop (loss += criterion(...)
# per step) and take its mean over the flattened (5, 4) output with nn.RNN.
LOSS_REDUCTION = {"cell": "sum", "rnn": "mean", "embed": "mean"}
# The notes' own print lines, verbatim (the RNNCell script's and the nn.RNN scripts' differ).
PRINTOUT = {
    "cell": "Predicted string: {predicted}, Epoch [{epoch}/{epochs}] loss={loss:.4f}",
    "rnn": "Predicted:  {predicted}, Epoch [{epoch}/{epochs}] loss = {loss:.3f}",
    "embed": "Predicted:  {predicted}, Epoch [{epoch}/{epochs}] loss = {loss:.3f}",
}


def printout_line(variant: str, predicted: str, epoch: int, epochs: int, loss: float) -> str:
    """One line of the notes' printout (the same in every language: it is the script's output)."""
    return PRINTOUT[variant].format(predicted=predicted, epoch=epoch, epochs=epochs, loss=loss)


def encode(text: str) -> Tensor:
    return torch.tensor([HELLO_CHARS.index(c) for c in text])


def decode(logits: Tensor) -> str:
    """The letter of the largest score at each step: (T, 4) -> a string of T letters."""
    return "".join(HELLO_CHARS[i] for i in logits.argmax(-1).tolist())


class HelloTagger(nn.Module):
    """The notes' three models behind one interface: letters (T,) -> logits (T, 4)."""

    def __init__(self, variant: str):
        super().__init__()
        self.variant = variant
        n = len(HELLO_CHARS)
        if variant == "cell":
            self.rnn = nn.RNNCell(n, n)  # hidden 4: the hidden state is the output
        elif variant == "rnn":
            self.rnn = nn.RNN(n, n)
        elif variant == "embed":
            self.emb = nn.Embedding(n, 10)
            self.rnn = nn.RNN(10, 8, num_layers=2, batch_first=True)
            self.fc = nn.Linear(8, n)
        else:
            raise ValueError(f"unknown variant {variant!r}; choose one of {sorted(VARIANTS)}")

    def rnn_input(self, letters: Tensor) -> Tensor:
        """What the recurrent module reads: one-hot (T, 1, 4), or embeddings (1, T, 10)."""
        if self.variant == "embed":
            return self.emb(letters).unsqueeze(0)
        return nn.functional.one_hot(letters, len(HELLO_CHARS)).float().unsqueeze(1)

    def forward(self, letters: Tensor) -> Tensor:
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


def hello_loss(model: HelloTagger, logits: Tensor, target: Tensor) -> Tensor:
    """The notes' losses: summed over steps for the RNNCell loop, averaged for nn.RNN."""
    return nn.functional.cross_entropy(logits, target, reduction=LOSS_REDUCTION[model.variant])


def predict(model: HelloTagger, text: str = HELLO_IN) -> str:
    with torch.no_grad():
        return decode(model(encode(text)))


def hello_model(cfg: HelloConfig) -> HelloTagger:
    with seeded(cfg.seed):
        return HelloTagger(cfg.variant)


def train_hello(cfg: HelloConfig, model: HelloTagger) -> Iterator[Snapshot]:
    """Train on the one sequence. Each snapshot carries the predicted string as the notes print
    it: from the same forward pass as the loss, before that epoch's update."""
    x, y = encode(HELLO_IN), encode(HELLO_OUT)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    seen = {"predicted": ""}

    def loss_at(step: int) -> Tensor:
        logits = model(x)
        seen["predicted"] = decode(logits.detach())
        return hello_loss(model, logits, y)

    return train(model, loss_at, opt, cfg.epochs, describe=lambda: dict(seen))


def first_solved(predicted: list[str]) -> int | None:
    """The first epoch (1-based) whose printed string is "ohlol", or None."""
    return next((i + 1 for i, p in enumerate(predicted) if p == HELLO_OUT), None)


def solved_from(predicted: list[str]) -> int | None:
    """The epoch (1-based) from which every printed string is "ohlol", or None if the last is not."""
    if not predicted or predicted[-1] != HELLO_OUT:
        return None
    return max((i + 1 for i, p in enumerate(predicted) if p != HELLO_OUT), default=0) + 1


PRINTED_EPOCHS = 15  # the printout's tail, as tall as the chart beside it; the chart has every epoch
UNIFORM_LOSS = math.log(len(HELLO_CHARS))  # cross-entropy per letter of a uniform guess: ln 4
STUCK = 3  # the same wrong line this many last epochs: the run is stuck there, not just short of time


def start_hello(cfg: HelloConfig) -> tuple[HelloTagger, Iterator[Snapshot]]:
    """A fresh seeded model and its training run (what the page's live training starts)."""
    model = hello_model(cfg)
    return model, train_hello(cfg, model)


def hello_history(snapshots: list[Snapshot]) -> pd.DataFrame:
    """A run's snapshots as its printout and loss chart read them: epoch, predicted, loss."""
    return pd.DataFrame([{"epoch": s.step, "predicted": s.info.get("predicted", ""), "loss": s.loss}
                         for s in snapshots])


def printout(cfg: HelloConfig, history: pd.DataFrame, last: int = PRINTED_EPOCHS) -> str:
    """The notes' printout of the run's last epochs, newest last, as a terminal shows it."""
    lines = [printout_line(cfg.variant, p, e, cfg.epochs, loss) for e, p, loss in history.itertuples(index=False)]
    return "\n".join(lines[-last:])


def loss_note(variant: str) -> Message:
    """What the loss chart's numbers are: the notes' sum or mean, and a uniform guess's score."""
    if LOSS_REDUCTION[variant] == "sum":
        return Message("unrolling.hello.loss_def_sum", guess=len(HELLO_OUT) * UNIFORM_LOSS)
    return Message("unrolling.hello.loss_def_mean", guess=UNIFORM_LOSS)


@dataclass(frozen=True)
class HelloOutcome:
    """What a hello run's printout shows, in the page's sentences."""

    solved: bool  # the last line says "ohlol"
    result: Message  # solved (again), reached but lost, or not solved
    notes_claim: tuple[Message, ...]  # the notes' recipe missed on this seed: why, sentence by sentence


def hello_outcome(cfg: HelloConfig, history: pd.DataFrame, finished: bool) -> HelloOutcome:
    """Read a run's printout (hello_history): did it reach "ohlol", keep it, and, on the notes'
    recipe, why it did not (said only of a finished run)."""
    predicted = history["predicted"].tolist()
    last, first = predicted[-1], first_solved(predicted)
    right = sum(p == q for p, q in zip(last, HELLO_OUT))
    if last == HELLO_OUT:
        since = solved_from(predicted)
        key = "unrolling.hello.solved" if since == first else "unrolling.hello.solved_again"
        result = Message(key, target=HELLO_OUT, epoch=since, first=first, epochs=cfg.epochs,
                         loss=history["loss"].iloc[-1])
    elif first is not None:
        result = Message("unrolling.hello.lost", target=HELLO_OUT, first=first, last=last, right=right)
    else:
        result = Message("unrolling.hello.not_solved", last=last, right=right, epochs=len(predicted))
    claim = ()
    if cfg.notes_recipe and first is None and finished:
        stuck = next((i for i, p in enumerate(reversed(predicted)) if p != last), len(predicted))
        key = "unrolling.hello.notes_claim_stuck" if stuck >= STUCK else "unrolling.hello.notes_claim_missed"
        claim = (Message(key, script=Message(f"unrolling.variant.{cfg.variant}"), lr=cfg.lr, seed=cfg.seed,
                         last=last, stuck=stuck),)
        if stuck >= STUCK and cfg.variant != "embed":
            claim += (Message("unrolling.hello.small_model"),)
    return HelloOutcome(last == HELLO_OUT, result, claim)


def read_without_memory(model: HelloTagger, text: str = HELLO_IN) -> str:
    """What the trained model says when each letter is read alone, from a zero hidden state:
    the model with its memory cut. Equal letters then give equal outputs, by construction."""
    with torch.no_grad():
        return "".join(decode(model(encode(c))) for c in text)


SAME_STATE = 0.05  # ‖h₄ − h₃‖ below this: the hidden states at the two l's are "almost the same"


@dataclass(frozen=True)
class MemoryCheck:
    """Why hello -> ohlol needs memory, read from a trained model."""

    first: int  # 0-based positions of the repeated input letter whose targets differ
    second: int
    letter: str  # the repeated input letter ("l")
    targets: tuple[str, str]  # what each occurrence must give ("l", "o")
    predicted: str  # the trained model's string (weights after the last update)
    without_memory: str  # each letter read alone from h = 0
    h_distance: float  # ‖h_second − h_first‖ of the last recurrent layer

    @property
    def told_apart(self) -> bool:
        """The model gives different letters at the two occurrences."""
        return self.predicted[self.first] != self.predicted[self.second]

    @property
    def right(self) -> int:
        return sum(p == q for p, q in zip(self.predicted, HELLO_OUT))

    @property
    def right_without_memory(self) -> int:
        return sum(p == q for p, q in zip(self.without_memory, HELLO_OUT))

    @property
    def best_without_memory(self) -> int:
        """What any model without memory can get right at most: one of the two targets of the
        repeated letter is always wrong."""
        return len(HELLO_OUT) - 1

    def sentence(self) -> Message:
        """What the page says of the run's memory at the two l's."""
        a, b = self.predicted[self.first], self.predicted[self.second]
        if self.told_apart and (a, b) == self.targets:
            return Message("unrolling.hello.memory_ok", a=a, b=b, dist=self.h_distance, nomem=self.without_memory,
                           c=self.without_memory[self.first], right_nm=self.right_without_memory)
        if self.told_apart:
            return Message("unrolling.hello.memory_other", a=a, b=b, dist=self.h_distance, right=self.right,
                           nomem=self.without_memory)
        if self.h_distance < SAME_STATE:  # no memory at all, or a memory that does not reach the output
            return Message("unrolling.hello.memory_none_same", a=a, dist=self.h_distance)
        return Message("unrolling.hello.memory_none", a=a, dist=self.h_distance)


def memory_check(model: HelloTagger) -> MemoryCheck:
    """The two l's of "hello": the same input, two different targets ("l" then "o")."""
    pairs = [(i, j) for i in range(len(HELLO_IN)) for j in range(i + 1, len(HELLO_IN))
             if HELLO_IN[i] == HELLO_IN[j] and HELLO_OUT[i] != HELLO_OUT[j]]
    i, j = pairs[0]
    hid = hello_hidden_frame(model)
    last = hid[hid["layer"] == hid["layer"].max()]
    h_i = torch.tensor(last[last["t"] == i + 1]["value"].to_numpy())
    h_j = torch.tensor(last[last["t"] == j + 1]["value"].to_numpy())
    return MemoryCheck(i, j, HELLO_IN[i], (HELLO_OUT[i], HELLO_OUT[j]), predict(model),
                       read_without_memory(model), float((h_j - h_i).norm()))


def hello_hidden_frame(model: HelloTagger, text: str = HELLO_IN) -> pd.DataFrame:
    """Hidden states of every layer for each input letter: t, char, layer, unit, value."""
    with torch.no_grad():
        run = cells.run(model.rnn, model.rnn_input(encode(text)))
    rows = []
    for layer, trace in enumerate(run.traces):
        h = trace["hidden"][:, 0]  # (T, H)
        for i, ch in enumerate(text):
            for unit, v in enumerate(h[i].tolist()):
                rows.append((i + 1, f"{i + 1}:{ch}", layer + 1, unit + 1, v))
    return pd.DataFrame(rows, columns=["t", "char", "layer", "unit", "value"])


def embedding_frame(model: HelloTagger) -> pd.DataFrame | None:
    """The embedding model's learnt vectors, one row of 10 numbers per letter: letter, dim,
    value (None for the one-hot variants, whose vectors are fixed)."""
    if model.variant != "embed":
        return None
    E = model.emb.weight.detach()
    return pd.DataFrame([(ch, d + 1, float(E[k, d])) for k, ch in enumerate(HELLO_CHARS)
                         for d in range(E.shape[1])], columns=["letter", "dim", "value"])


# ---------------------------------------------------------------- gradients through time


@dataclass(frozen=True)
class GradConfig:
    """Backpropagate from the last step of a long sequence and measure ‖∂L/∂h_t‖ per t."""

    seq_len: int = 50  # long enough for vanishing or exploding to show
    hidden_size: int = 16  # a small layer; the effect does not depend on size
    weight_scale: float = 1.0  # every singular value of W_hh (per gate block for LSTM)
    nonlinearity: str = "tanh"  # the RNN's; relu with scale > 1 explodes without bound
    forget_bias: float = 3.0  # LSTM b_f: sigma(3) = 0.95 keeps the cell's path open; at 0 it halves each step
    seed: int = 0  # same seed, same input and weights directions for RNN and LSTM


def _scaled_orthogonal(module: nn.Module, scale: float) -> None:
    """Set each gate block of W_hh to scale x a random orthogonal matrix."""
    W = module.weight_hh_l0
    H = W.shape[1]
    with torch.no_grad():
        for g in range(W.shape[0] // H):
            nn.init.orthogonal_(W[g * H:(g + 1) * H], gain=scale)


def gradient_norms(cfg: GradConfig) -> pd.DataFrame:
    """‖∂L/∂h_t‖ for t = 1..T, RNN and LSTM on the same input; L = sum of h_T.

    Columns: t, model, grad_norm (NaN where the values overflowed float32).
    """
    with seeded(cfg.seed):
        x = torch.randn(cfg.seq_len, 1, cfg.hidden_size, requires_grad=True)  # (T, 1, H)
        models = {"RNN": nn.RNN(cfg.hidden_size, cfg.hidden_size, nonlinearity=cfg.nonlinearity),
                  "LSTM": nn.LSTM(cfg.hidden_size, cfg.hidden_size)}
        for m in models.values():
            _scaled_orthogonal(m, cfg.weight_scale)
        cells.set_gate_bias(models["LSTM"], "forget", cfg.forget_bias)
    frames = []
    for name, m in models.items():
        hs = cells.run(m, x).hiddens[0]
        loss = hs[-1].sum()
        grads = torch.autograd.grad(loss, hs, allow_unused=True)
        norms = [float(g.norm()) if g is not None else math.nan for g in grads]
        frames.append(pd.DataFrame({"t": range(1, cfg.seq_len + 1), "model": name, "grad_norm": norms}))
    df = pd.concat(frames, ignore_index=True)
    df.loc[~df["grad_norm"].apply(math.isfinite), "grad_norm"] = math.nan
    return df


VANISHED, EXPLODED = 1e-2, 1e2  # ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ beyond these: "vanished" / "exploded"
KEEPS_MORE = 100  # the LSTM "keeps the gradient" when it keeps at least this many times more than the RNN


@dataclass(frozen=True)
class GradientReach:
    """How much of one model's gradient at t = T reaches t = 1."""

    model: str  # "RNN" or "LSTM", as in gradient_norms' model column
    ratio: float  # ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ (inf or NaN when it overflowed)
    kind: str  # "vanished", "exploded", "kept" or "overflow"
    overflowed_to: int | None  # the latest t whose gradient overflowed float32 (NaN), or None

    def ratio_words(self) -> str | Message:
        """The ratio as the lesson prints it: a number, or "overflowed"."""
        return f"{self.ratio:.2e}" if math.isfinite(self.ratio) else Message("unrolling.grad.overflowed")


@dataclass(frozen=True)
class GradVerdict:
    """What the run shows: how much of the gradient at t = T reaches t = 1, per model."""

    config: GradConfig  # the run read: its length, forget bias, weight scale and nonlinearity are in the sentence
    rnn: GradientReach  # the vanilla RNN's gradient
    lstm: GradientReach  # the LSTM's, on the same input and W_hh directions

    @property
    def models(self) -> tuple[GradientReach, GradientReach]:
        return self.rnn, self.lstm

    @property
    def steps(self) -> int:
        """T - 1: the steps the gradient travels back."""
        return self.config.seq_len - 1

    @property
    def forget(self) -> float:
        """σ(b_f): the LSTM cell's gradient factor per step when its forget gate sits at its bias."""
        return 1 / (1 + math.exp(-self.config.forget_bias))

    @property
    def overflowed(self) -> list[GradientReach]:
        """The models whose gradient overflowed somewhere, by name."""
        return sorted((m for m in self.models if m.overflowed_to is not None), key=lambda m: m.model)

    @property
    def times_more(self) -> float:
        """How many times more of its gradient the LSTM keeps at t = 1 than the RNN (inf when
        the RNN's is exactly 0, NaN when either overflowed)."""
        r, l_ = self.rnn.ratio, self.lstm.ratio
        return l_ / r if r > 0 else math.inf if l_ > 0 else math.nan

    @property
    def lesson(self) -> str:
        """Which sentence the page says: "shown" (the RNN's gradient vanished, the LSTM kept at
        least KEEPS_MORE times more of its own), "lstm_vanished" (the RNN's vanished, the LSTM
        did not keep much more), "lstm_exploded", "rnn_kept" (the RNN's did not vanish here),
        "rnn_exploded"."""
        rnn, lstm = self.rnn.kind, self.lstm.kind
        if rnn in ("exploded", "overflow"):
            return "rnn_exploded"
        if rnn == "kept":
            return "rnn_kept"
        if lstm in ("exploded", "overflow"):
            return "lstm_exploded"
        return "shown" if self.times_more >= KEEPS_MORE else "lstm_vanished"

    def sentence(self) -> Message | None:
        """The lesson in words, with this run's numbers (None for a one-step sequence: no way back)."""
        if self.steps == 0:
            return None
        cfg = self.config
        return Message(f"unrolling.grad.lesson_{self.lesson}", rnn=self.rnn.ratio_words(),
                       lstm=self.lstm.ratio_words(), times=self.times_more, T=cfg.seq_len, steps=self.steps,
                       fb=cfg.forget_bias, sigma=self.forget, keep=KEEPS_MORE, decay=self.forget ** self.steps,
                       scale=cfg.weight_scale, nl=cfg.nonlinearity, vanished=VANISHED, exploded=EXPLODED)


def gradient_verdict(df: pd.DataFrame, cfg: GradConfig) -> GradVerdict:
    """Read gradient_norms(cfg): each model's ratio ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖, its kind, its overflow."""
    reach = {}
    for m in ("RNN", "LSTM"):
        g = df[df["model"] == m].sort_values("t")
        norms = g["grad_norm"].to_numpy()
        r = float(norms[0] / norms[-1])  # ‖∂L/∂h_T‖ = ‖1‖ = √H > 0: L is the sum of h_T
        kind = ("overflow" if not math.isfinite(r) else "vanished" if r < VANISHED
                else "exploded" if r > EXPLODED else "kept")
        bad = g.loc[g["grad_norm"].isna(), "t"]
        reach[m] = GradientReach(m, r, kind, int(bad.max()) if len(bad) else None)
    return GradVerdict(cfg, reach["RNN"], reach["LSTM"])


# ---------------------------------------------------------------- shapes


def shape_table(ex: WorkedExample) -> pd.DataFrame:
    """The shapes of input, output, h_n and every weight, with what each axis means and what it
    holds. Columns: tensor, shape, axes, holds; a cell in words is a Message (str() says it)."""
    rnn = ex.rnn
    out, h_n = rnn(ex.x)
    T_B = "batch, seq_len" if rnn.batch_first else "seq_len, batch"
    rows = [
        ("input", tuple(ex.x.shape), f"({T_B}, input_size)", Message("unrolling.shapes.input")),
        ("output", tuple(out.shape), f"({T_B}, hidden_size)", Message("unrolling.shapes.output")),
        ("h_n", tuple(h_n.shape), "(num_layers, batch, hidden_size)", Message("unrolling.shapes.h_n")),
    ]
    axes = {"weight_ih": Message("unrolling.shapes.weight_ih_axes"), "weight_hh": "(hidden_size, hidden_size)",
            "bias_ih": "(hidden_size,)", "bias_hh": "(hidden_size,)"}
    for name, p in rnn.named_parameters():  # weight_ih_l0, ...: the kind, then the layer
        kind = Message(f"unrolling.shapes.{name.split('_')[0]}")  # weight or bias
        rows.append((name, tuple(p.shape), axes[name.rsplit("_", 1)[0]],
                     Message("unrolling.shapes.parameter", layer=int(name[-1]) + 1, kind=kind)))
    return pd.DataFrame(rows, columns=["tensor", "shape", "axes", "holds"]).assign(shape=lambda d: d["shape"].map(shape_text))


def shape_text(shape: tuple[int, ...]) -> str:
    """A shape as Python prints the tuple: (3, 1, 4), and (2,) for one axis."""
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def output_vs_h_n(ex: WorkedExample) -> float:
    """Largest |output[last step] - h_n[last layer]|: the two hold the same numbers."""
    with torch.no_grad():
        out, h_n = ex.rnn(ex.x)
    last = out[:, -1] if ex.rnn.batch_first else out[-1]  # (B, H)
    return float((last - h_n[-1]).abs().max())


# ---------------------------------------------------------------- checkpoints (predict, then reveal)
# Each reveal reads the run on the page (rnnviz.checkpoint.Reveal); the options a learner
# picks from are built from the learner's own sizes. Words: quiz.unrolling_<n> in the catalogues.


def weight_matrices(ex: WorkedExample) -> list[str]:
    """The distinct weight matrices the model holds, by name (the recurrent module's, then the
    readout's): counted from the modules, not from a formula."""
    return ([name for name, p in ex.rnn.named_parameters() if p.dim() == 2]
            + [f"readout.{name}" for name, p in ex.readout.named_parameters() if p.dim() == 2])


def weights_options(cfg: UnrollConfig) -> dict[str, Message]:
    """Checkpoint 1's choices, each a count of weight matrices a learner might believe in, from
    the learner's seq_len (T) and num_layers (L): one set shared by all steps (2L + 1: W_ih and
    W_hh per layer, W_hy), a set per step as the picture draws it, recurrent weights per step
    with one readout, one W_ih and W_hh for the whole stack, and (one step) no W_hh at all. Values are the counts; equal counts are asked once;
    the order is shuffled from the sizes and seed (the right one is not always first)."""
    T, L = cfg.seq_len, cfg.num_layers
    beliefs = [("shared", 2 * L + 1), ("per_step", (2 * L + 1) * T), ("per_step_readout", 2 * L * T + 1),
               ("stack_shared", 3), ("no_hh", L + 1)]
    options: dict[str, Message] = {}
    for belief, n in beliefs:
        if belief == "no_hh" and T > 1:
            continue
        key = f"quiz.unrolling_1.o.{belief}_one" if belief == "shared" and T == 1 else f"quiz.unrolling_1.o.{belief}"
        options.setdefault(str(n), Message(key, n=n, T=T, L=L))
    order = list(options.items())  # not always the right one first: shuffled, the same way for the same sizes
    random.Random(f"unrolling_1 {T} {L} {cfg.seed}").shuffle(order)
    return dict(order)


def weights_reveal(ex: WorkedExample) -> Reveal:
    """How many distinct weight matrices the unrolled network of T steps has: the ones the
    module holds, used at every step."""
    names = weight_matrices(ex)
    shared = shared_weights(ex)
    n, T, L = len(names), shared["steps"], shared["layers"]
    why = Message("quiz.unrolling_1.why" if T > 1 else "quiz.unrolling_1.why_one", n=n, T=T, names=", ".join(f"`{m}`" for m in names),
                  copies=n * T, real=shared["real"], if_unshared=shared["if_unshared"])
    if L == 1:
        return Reveal(str(n), why, Message("quiz.unrolling_1.try_layers"), {"unroll_layers": "2"})
    return Reveal(str(n), why, Message("quiz.unrolling_1.try_steps", T=T * 2), {"unroll_seq_len": str(min(T * 2, 64))})


def shapes_pair(output: tuple[int, ...], h_n: tuple[int, ...]) -> str:
    """Checkpoint 3's value: the two shapes as the shape table prints them, output's first."""
    return f"{shape_text(output)}|{shape_text(h_n)}"


def shapes_options(cfg: UnrollConfig) -> list[str]:
    """Checkpoint 3's choices from the learner's sizes: time first, batch first, batch first with
    h_n swapped too, h_n with every step (as output), and output input_size wide. Equal
    pairs are asked once; the order is shuffled from the settings."""
    T, B, I, H, L = cfg.seq_len, cfg.batch_size, cfg.input_size, cfg.hidden_size, cfg.num_layers
    pairs = [((T, B, H), (L, B, H)), ((B, T, H), (L, B, H)), ((B, T, H), (B, L, H)), ((T, B, H), (T, B, H)),
             ((T, B, I), (L, B, H))]
    options = list(dict.fromkeys(shapes_pair(o, h) for o, h in pairs))
    random.Random(f"unrolling_3 {cfg}").shuffle(options)  # not always the right one first; the same on a rerun
    return options


def shapes_reveal(ex: WorkedExample) -> Reveal:
    """The shapes of output and h_n: from running the module on the page's input."""
    with torch.no_grad():
        out, h_n = ex.rnn(ex.x)
    o, h = tuple(out.shape), tuple(h_n.shape)
    bf = ex.rnn.batch_first
    why = Message("quiz.unrolling_3.why_batch_first" if bf else "quiz.unrolling_3.why_time_first",
                  output=shape_text(o), h_n=shape_text(h), input=shape_text(tuple(ex.x.shape)),
                  L=ex.rnn.num_layers, H=ex.rnn.hidden_size)
    return Reveal(shapes_pair(o, h), why, Message("quiz.unrolling_3.try", flip=not bf),
                  {"unroll_batch_first": str(not bf).lower()})


WAYS = ("by_hand", "by_cell", "by_module")
WAYS_OPTIONS = ("exact", "rounding", "beyond")  # the same to the last bit; within float32 rounding; more


def ways_reveal(three: ThreeWays, cfg: UnrollConfig) -> Reveal:
    """Which of the three ways differs, and by how much: the run's largest difference (none when 0;
    float32 rounding below AGREE_TOL, naming the way that rounds apart from the other two)."""
    diff = three.max_diff()
    outs = dict(zip(WAYS, (three.by_hand, three.by_cell, three.by_module)))
    pair = {(a, b): float((outs[a] - outs[b]).abs().max()) for i, a in enumerate(WAYS) for b in WAYS[i + 1:]}
    closest = min(pair, key=pair.get)
    odd = next(w for w in WAYS if w not in closest)  # the one away from the closest two
    values = {"diff": diff, **three.counts(), "tol": AGREE_TOL, "odd": Message(f"unrolling.ways.{odd}"),
              "peak": three.peak()}
    if diff == 0:
        right, why = "exact", Message("quiz.unrolling_2.why_exact", **values)
    elif three.agree():
        right = "rounding"
        why = Message("quiz.unrolling_2.why_rounding" if pair[closest] == 0 else "quiz.unrolling_2.why_rounding_all",
                      **values)
    else:
        right, why = "beyond", Message("quiz.unrolling_2.why_beyond", rel=diff / three.peak(), **values)
    if right == "exact":  # longer sums: the one fused call usually rounds apart from the loops
        return Reveal(right, why, Message("quiz.unrolling_2.try_hidden"), {"unroll_hidden": "6"})
    return Reveal(right, why, Message("quiz.unrolling_2.try_small"), {"unroll_hidden": "2"})


GRADIENT_OPTIONS = ("vanish", "kept", "grow")  # the RNN's ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖: < VANISHED, between, > EXPLODED
KIND_OPTION = {"vanished": "vanish", "kept": "kept", "exploded": "grow", "overflow": "grow"}


def gradient_reveal(verdict: GradVerdict) -> Reveal:
    """Does the RNN's gradient at t = 1 vanish, stay or grow, at the learner's weight scale: the
    run's ratio ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖."""
    cfg, rnn = verdict.config, verdict.rnn
    right = KIND_OPTION[rnn.kind]
    per_step = rnn.ratio ** (1 / verdict.steps) if verdict.steps and math.isfinite(rnn.ratio) and rnn.ratio > 0 else None
    key = "overflow" if rnn.kind == "overflow" else "one_step" if verdict.steps == 0 else right
    why = Message(f"quiz.unrolling_4.why_{key}", ratio=rnn.ratio_words(), T=cfg.seq_len, steps=verdict.steps,
                  scale=cfg.weight_scale, nl=cfg.nonlinearity, per_step=per_step if per_step is not None else math.nan,
                  vanished=VANISHED, exploded=EXPLODED)
    long = {"gtt_len": str(GradConfig.seq_len)} if verdict.steps == 0 else {}  # one step has no way back: lengthen it
    if right == "vanish":
        link = {"gtt_scale": "2.0", "gtt_nl": "relu"}
        return Reveal(right, why, Message("quiz.unrolling_4.try_grow"), link | long)
    return Reveal(right, why, Message("quiz.unrolling_4.try_vanish_long" if long else "quiz.unrolling_4.try_vanish",
                                      T=GradConfig.seq_len), {"gtt_scale": "0.5", "gtt_nl": "tanh"} | long)
