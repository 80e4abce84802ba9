"""Backpropagation through time, one step at a time (the unrolling page's section 6, after
d2l 9.7): a small nn.RNN with a readout, its backward pass written out from t = T down to 1,
and the same numbers from torch.autograd beside it.

The recurrence h_t = φ(a_t), a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh (torch's layout: column
vectors, W_hh is weight_hh_l0). Its Jacobian J_t = ∂h_t/∂h_{t-1} = diag(φ'(a_t)) W_hh, with
φ'(a_t) = 1 - h_t² for tanh and [a_t > 0] for relu. Going back one step:

    ∂L/∂h_{t-1} = J_tᵀ ∂L/∂h_t + ∂ℓ/∂h_{t-1}      (carried from step t + the loss's own term)

(d2l writes the same factor as diag(1 - h_t²) W_hhᵀ on row vectors: its W_hh is torch's transposed.)
Clipping (torch.nn.utils.clip_grad_norm_) acts after all this, on the finished gradient of
every parameter at once; BpttRun says what it changes and what it does not.

Words: rnnviz/locales/{en,zh}.unrolling.toml, [unrolling.bptt]; no streamlit here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import pandas as pd
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnnviz.i18n import Message
from rnnviz.train import seeded

NONLINEARITIES = ("tanh", "relu")  # nn.RNN's two
LOSS_AT = ("last", "every")  # where the loss reads the outputs: the last step (many to one), or every step (d2l 9.7)
MATRIX_MAX = 4  # hidden sizes up to this: each Jacobian is printed as a matrix; larger: its largest singular value
AUTOGRAD_TOL = 1e-5  # the step-by-step numbers and autograd's agree to this (float64: they agree to ~1e-15)


@dataclass(frozen=True)
class BpttConfig:
    """A small RNN with a readout, unrolled over a sequence short enough to walk back by hand."""

    seq_len: int = 12  # T ≥ 10: enough steps back for the norm's trend to show, few enough to step through
    hidden_size: int = 3  # ≤ MATRIX_MAX: every Jacobian fits on the screen with its numbers
    input_size: int = 4  # x_t has 4 features and the readout scores 4 classes, like section 1
    weight_scale: float = 1.0  # every singular value of W_hh (scale × a random orthogonal matrix), as section 5
    nonlinearity: str = "tanh"  # tanh: φ' = 1 - h_t² ≤ 1 shrinks each step's factor; relu: φ' is 0 or 1
    loss_at: str = "last"  # "last": L = ℓ_T, so only W_hh and φ' change the gradient on the way back
    clip: bool = False  # clip_grad_norm_ on the finished gradient, as a training step would
    max_norm: float = 1.0  # θ: the longest gradient clipping lets through (torch's max_norm)
    seed: int = 0  # same seed, same weights, inputs and targets


@dataclass(frozen=True)
class BpttRun:
    """The forward pass, the backward pass step by step, and autograd's numbers for comparison.
    Time index i = t - 1 for t = 1..T; h has h_0 in front (T + 1 rows)."""

    config: BpttConfig
    x: Tensor  # (T, I) the inputs
    h: Tensor  # (T + 1, H) h_0 = 0, then h_1..h_T
    dphi: Tensor  # (T, H) φ'(a_t): 1 - h_t² for tanh, [a_t > 0] for relu
    W_hh: Tensor  # (H, H) torch's weight_hh_l0
    jacobian: Tensor  # (T, H, H) J_t = diag(φ'(a_t)) W_hh = ∂h_t/∂h_{t-1}
    grad_h: Tensor  # (T, H) ∂L/∂h_t, step by step
    direct: Tensor  # (T, H) the loss's own term at t: W_hyᵀ ∂L/∂y_t
    carried: Tensor  # (T, H) J_{t+1}ᵀ ∂L/∂h_{t+1} (0 at t = T)
    grads: dict[str, Tensor]  # ∂L/∂θ per parameter, summed over the steps by hand (torch's names)
    norm: float  # ‖∇L‖ over every parameter at once: what clip_grad_norm_ measures
    coef: float  # what clipping multiplies every gradient by (1: clipping off, or the norm within θ)
    max_diff: float  # the largest |step by step - autograd| over ∂L/∂h_t, every ∂L/∂θ and the clipped ones

    @property
    def T(self) -> int:
        return self.config.seq_len

    @property
    def matrices(self) -> bool:
        """Whether the page prints each Jacobian's numbers (small hidden sizes) or only its largest singular value."""
        return self.config.hidden_size <= MATRIX_MAX

    @property
    def sigma(self) -> Tensor:
        """(T,) each J_t's largest singular value: the most it can stretch a gradient in one step back."""
        return torch.linalg.matrix_norm(self.jacobian, ord=2)

    @property
    def norms(self) -> Tensor:
        """(T,) ‖∂L/∂h_t‖."""
        return self.grad_h.norm(dim=1)

    @property
    def delta(self) -> Tensor:
        """(T, H) ∂L/∂a_t = φ'(a_t) ⊙ ∂L/∂h_t: every weight of the layer gets its gradient from step t through it."""
        return self.dphi * self.grad_h

    @property
    def contribution(self) -> Tensor:
        """(T,) what step t adds to ∂L/∂W_ih: ‖δ_t x_tᵀ‖ (Frobenius) = ‖δ_t‖ ‖x_t‖."""
        return self.delta.norm(dim=1) * self.x.norm(dim=1)

    def frame(self) -> pd.DataFrame:
        """One row per step t = 1..T: grad_norm ‖∂L/∂h_t‖, sigma (J_t's largest singular value),
        change ‖∂L/∂h_t‖ / ‖∂L/∂h_{t+1}‖ (NaN at T or where the later one is 0), added and added_clipped
        (what step t adds to ∂L/∂W_ih, before and after clipping)."""
        n = self.norms
        later = torch.cat([n[1:], n.new_full((1,), math.nan)])
        change = torch.where(later > 0, n / later, torch.full_like(n, math.nan))
        return pd.DataFrame({"t": range(1, self.T + 1), "grad_norm": n.numpy(), "sigma": self.sigma.numpy(),
                             "change": change.numpy(), "added": self.contribution.numpy(),
                             "added_clipped": (self.coef * self.contribution).numpy()})

    def step(self, t: int) -> dict[str, Tensor | float]:
        """What the stepper shows at step t (1..T): ∂L/∂h_t and how it was made from step t + 1."""
        i = t - 1
        s = {"grad": self.grad_h[i], "direct": self.direct[i], "carried": self.carried[i],
             "norm": float(self.norms[i]), "h": self.h[t]}
        if t < self.T:  # the factor that carried the gradient from t + 1 back to t
            s |= {"Jt": self.jacobian[i + 1].T, "dphi": self.dphi[i + 1], "sigma": float(self.sigma[i + 1]),
                  "later": self.grad_h[i + 1], "later_norm": float(self.norms[i + 1])}
        return s

    @property
    def reach(self) -> float:
        """‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ (NaN where the last is 0)."""
        last = float(self.norms[-1])
        return float(self.norms[0]) / last if last > 0 else math.nan

    @property
    def zero_from(self) -> int | None:
        """The latest step t whose ∂L/∂h_t is exactly 0 while a later one is not (a relu layer whose
        units were all off at step t + 1 passes nothing back), or None."""
        zero = [t for t in range(1, self.T) if float(self.norms[t - 1]) == 0 and float(self.norms[t]) > 0]
        return zero[-1] if zero else None

    @property
    def kind(self) -> str:
        """What a learner sees over the T - 1 steps back: "shrank", "grew", "zero" (nothing got
        through: relu units all off at some step), or "flat" (∂L/∂h_T is 0: nothing starts back)."""
        if float(self.norms[-1]) == 0:
            return "flat"
        if self.zero_from is not None or not self.reach > 0:
            return "zero"
        return "grew" if self.reach > 1 else "shrank"

    def step_sentence(self, t: int) -> Message:
        """What happened going back from t + 1 to t, in numbers (at T: where the gradient starts)."""
        s, cfg = self.step(t), self.config
        if t == self.T:
            return Message("unrolling.bptt.at_T", T=t, norm=s["norm"])
        later = s["later_norm"]
        if later == 0:
            return Message("unrolling.bptt.back_nothing", t=t, t1=t + 1)
        key = "unrolling.bptt.back_last" if cfg.loss_at == "last" else "unrolling.bptt.back_every"
        return Message(key, t=t, t1=t + 1, before=later, after=s["norm"], ratio=s["norm"] / later, sigma=s["sigma"],
                       scale=cfg.weight_scale, dmax=float(s["dphi"].max()), nl=cfg.nonlinearity,
                       carried=float(s["carried"].norm()), direct=float(s["direct"].norm()))

    def sentence(self) -> Message:
        """The whole way back, T to 1. With a loss at every step, ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ is not what
        survived the way back (each step adds its own term): the sentence gives the last loss's own
        share at t = 1 too, from the same run with the loss at the last step only."""
        cfg = self.config
        values = {"T": self.T, "steps": self.T - 1, "reach": self.reach, "scale": cfg.weight_scale,
                  "nl": cfg.nonlinearity, "t": self.zero_from or 1, "t1": (self.zero_from or 1) + 1}
        if cfg.loss_at == "every" and self.kind != "flat":
            alone = backward(replace(cfg, loss_at="last", clip=False))
            return Message("unrolling.bptt.overall_every", alone=alone.reach, **values)
        return Message(f"unrolling.bptt.overall_{self.kind}", **values)

    def clip_sentence(self) -> Message:
        """What clipping did to this gradient, and what it did not do."""
        cfg = self.config
        key = "off" if not cfg.clip else "idle" if self.coef == 1.0 else "on"
        added = self.contribution
        share = float(added[0] / added.sum()) if float(added.sum()) > 0 else 0.0
        return Message(f"unrolling.bptt.clip_{key}", norm=self.norm, theta=cfg.max_norm, coef=self.coef,
                       after=self.norm * self.coef, share=share)

    def autograd_sentence(self) -> Message:
        """How far the step-by-step numbers are from torch's (the page says it, with the number)."""
        if self.max_diff > AUTOGRAD_TOL:
            return Message("unrolling.bptt.autograd_differ", diff=self.max_diff, tol=AUTOGRAD_TOL, n=self.numbers_compared)
        clipped = Message("unrolling.bptt.autograd_clipped") if self.config.clip else ""
        return Message("unrolling.bptt.autograd_same", diff=self.max_diff, tol=AUTOGRAD_TOL, n=self.numbers_compared,
                       clipped=clipped)

    @property
    def numbers_compared(self) -> int:
        """How many numbers max_diff was taken over: ∂L/∂h_t, every ∂L/∂θ, and each again clipped."""
        return self.grad_h.numel() + (2 if self.config.clip else 1) * sum(g.numel() for g in self.grads.values())


# ---------------------------------------------------------------- building and running it


def model(cfg: BpttConfig) -> tuple[nn.RNN, nn.Linear, Tensor, Tensor]:
    """The seeded RNN (W_hh = weight_scale × a random orthogonal matrix), its readout, the
    inputs x (T, I) ~ N(0, 1) and the targets (T,) drawn uniformly from the readout's classes.
    float64: the comparison with autograd is then not blurred by float32 rounding."""
    with seeded(cfg.seed):
        rnn = nn.RNN(cfg.input_size, cfg.hidden_size, nonlinearity=cfg.nonlinearity).double()
        readout = nn.Linear(cfg.hidden_size, cfg.input_size).double()
        with torch.no_grad():
            nn.init.orthogonal_(rnn.weight_hh_l0, gain=cfg.weight_scale)
        x = torch.randn(cfg.seq_len, cfg.input_size, dtype=torch.float64)
        targets = torch.randint(0, cfg.input_size, (cfg.seq_len,))
    return rnn, readout, x, targets


def loss_weights(cfg: BpttConfig) -> Tensor:
    """(T,) how much each step's ℓ_t counts in L: 1 at T only ("last"), or 1/T each ("every", d2l's mean)."""
    if cfg.loss_at == "last":
        return torch.nn.functional.one_hot(torch.tensor(cfg.seq_len - 1), cfg.seq_len).double()
    return torch.full((cfg.seq_len,), 1 / cfg.seq_len, dtype=torch.float64)


@lru_cache(maxsize=64)
def backward(cfg: BpttConfig) -> BpttRun:
    """Run forward, then backward from t = T down to 1 by hand, then autograd on the same
    module; clip as clip_grad_norm_ would when cfg.clip."""
    rnn, readout, x, targets = model(cfg)
    T, H = cfg.seq_len, cfg.hidden_size
    W_ih, W_hh = rnn.weight_ih_l0.detach(), rnn.weight_hh_l0.detach()
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach()
    W_hy, b_y = readout.weight.detach(), readout.bias.detach()
    w = loss_weights(cfg)

    # forward, by hand
    h, a = [torch.zeros(H, dtype=torch.float64)], []
    for t in range(T):
        a.append(W_ih @ x[t] + W_hh @ h[-1] + b)
        h.append(torch.tanh(a[-1]) if cfg.nonlinearity == "tanh" else torch.relu(a[-1]))
    h, a = torch.stack(h), torch.stack(a)
    dphi = 1 - h[1:] ** 2 if cfg.nonlinearity == "tanh" else (a > 0).double()
    jacobian = dphi[:, :, None] * W_hh  # diag(φ'(a_t)) W_hh for every t

    # backward, t = T down to 1: the loss's own term plus what step t + 1 carries back
    p = torch.softmax(h[1:] @ W_hy.T + b_y, dim=1)
    dy = w[:, None] * (p - F.one_hot(targets, cfg.input_size).double())  # ∂L/∂y_t
    direct = dy @ W_hy  # W_hyᵀ ∂L/∂y_t, as rows
    grad_h, carried = torch.zeros(T, H, dtype=torch.float64), torch.zeros(T, H, dtype=torch.float64)
    for i in reversed(range(T)):
        if i < T - 1:
            carried[i] = jacobian[i + 1].T @ grad_h[i + 1]
        grad_h[i] = carried[i] + direct[i]
    delta = dphi * grad_h  # ∂L/∂a_t
    grads = {"weight_ih_l0": delta.T @ x, "weight_hh_l0": delta.T @ h[:-1], "bias_ih_l0": delta.sum(0),
             "bias_hh_l0": delta.sum(0), "weight": dy.T @ h[1:], "bias": dy.sum(0)}
    norm = float(torch.sqrt(sum((g ** 2).sum() for g in grads.values())))
    coef = min(1.0, cfg.max_norm / (norm + 1e-6)) if cfg.clip else 1.0  # clip_grad_norm_'s own formula

    diff = _against_autograd(cfg, rnn, readout, x, targets, grad_h, grads, coef)
    return BpttRun(cfg, x, h, dphi, W_hh.clone(), jacobian, grad_h, direct, carried, grads, norm, coef, diff)


def _against_autograd(cfg: BpttConfig, rnn: nn.RNN, readout: nn.Linear, x: Tensor, targets: Tensor,
                      grad_h: Tensor, grads: dict[str, Tensor], coef: float) -> float:
    """The largest |step by step - torch| over ∂L/∂h_t (torch.autograd.grad through the module
    run one step at a time), every parameter's gradient (.backward() through one nn.RNN call)
    and, clipped by torch.nn.utils.clip_grad_norm_, the same gradients times coef."""
    w = loss_weights(cfg)
    state, hs = torch.zeros(1, 1, cfg.hidden_size, dtype=torch.float64), []
    for t in range(cfg.seq_len):
        _, state = rnn(x[t].view(1, 1, -1), state)
        hs.append(state)
    logits = readout(torch.cat(hs).view(cfg.seq_len, -1))
    per_step = F.cross_entropy(logits, targets, reduction="none")
    auto_h = torch.cat(torch.autograd.grad((w * per_step).sum(), hs)).view(cfg.seq_len, -1)
    diff = float((auto_h - grad_h).abs().max())

    params = dict(rnn.named_parameters()) | dict(readout.named_parameters())
    for p in params.values():
        p.grad = None
    out, _ = rnn(x.unsqueeze(1))  # the fused call training uses
    (w * F.cross_entropy(readout(out.squeeze(1)), targets, reduction="none")).sum().backward()
    diff = max(diff, *(float((params[k].grad - g).abs().max()) for k, g in grads.items()))
    if cfg.clip:
        torch.nn.utils.clip_grad_norm_(list(params.values()), cfg.max_norm)
        diff = max(diff, *(float((params[k].grad - coef * g).abs().max()) for k, g in grads.items()))
    return diff
