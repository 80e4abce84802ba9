"""How far back the char model's prediction looks: the influence (saliency) of each earlier
character on the log-probability the model gives the actual next one,

    influence_k = ‖∂ log p(x_{t+1}) / ∂ x_{t-k}‖,  k = 0 … K

where x_{t-k} is what the recurrent layer reads k steps before the prediction (a one-hot row
or an embedding: CharLM.inputs), computed by rnnviz.saliency on windows of the held-out text:
window b holds the K+1 characters up to its position t_b, read from a zero state (as training
reads its minibatches), and predicts the character after it. One position's profile, the
profile averaged over many positions (the model's "memory span", one batched backward pass),
and the same for the other kinds of cell trained on the same corpus, settings and seed for the
same wall time (train_for, twins). It speaks no language: sentences are Messages under char.span.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pandas as pd
import torch
from torch import Tensor, nn

from rnnviz import saliency
from rnnviz.charlm import (
    CharConfig,
    CharLM,
    Corpus,
    Trained,
    build,
    perplexity,
    visible,
)
from rnnviz.i18n import Message

COMPARED = ("RNN", "LSTM", "GRU")  # the kinds overlaid: the learner's and the other two
REACH = 100  # K: steps back a profile looks by default
POSITIONS = 200  # positions of the held-out text the memory span averages over


def read_next(model: CharLM, targets: Tensor) -> Callable[[Tensor], Tensor]:
    """read(x) for saliency.influence: x (B, K+1, D) the recurrent layer's inputs; the
    log-probability the model gives targets[b] after window b (eval mode: no dropout)."""

    def read(x: Tensor) -> Tensor:
        h, _ = model.rnn(x)
        logp = torch.log_softmax(model.out(h[:, -1]), dim=-1)
        return logp.gather(1, targets[:, None].to(logp.device))[:, 0]

    return read


def influence(model: CharLM, ids: Tensor, ends: Tensor, K: int) -> Tensor:
    """(B, K+1) on the CPU: row b, column k: ‖∂ log p(ids[t+1]) / ∂ x_{t-k}‖ for t = ends[b]
    (each window ids[t-K .. t]; every end at least K and below len(ids) - 1), every row in
    one backward pass."""
    model.eval()
    ends = torch.as_tensor(ends, dtype=torch.long)
    window = ends[:, None] - K + torch.arange(K + 1)[None, :]  # (B, K+1) indices into ids
    with torch.no_grad():
        x = model.inputs(ids[window])
    with torch.backends.cudnn.flags(enabled=False):  # cuDNN's RNN backward refuses eval mode
        return saliency.influence(read_next(model, ids[ends + 1]), x).cpu()


def reach(ids: Tensor, t: int, K: int) -> int:
    """K for position t, capped by the text: a window cannot start before its first character."""
    return max(0, min(K, t))


def spread(ids: Tensor, K: int, n: int = POSITIONS) -> Tensor:
    """n positions (fewer on a short text) spread evenly over the held-out text, each with K
    characters before it and one after."""
    last = len(ids) - 2
    if last < K:
        return torch.empty(0, dtype=torch.long)
    return torch.linspace(K, last, min(n, last - K + 1)).round().long().unique()


@dataclass(frozen=True)
class Average:
    """The influence profile averaged over many positions: the model's memory span."""

    profile: Tensor  # (K+1,) the mean over positions of each position's profile
    spans: Tensor  # (B,) each position's own span
    ends: Tensor  # (B,) the positions
    span: int  # saliency.span of the mean profile
    seconds: float  # to compute it (one batched backward pass)

    @property
    def furthest(self) -> int:
        """The position among them whose own influence reaches furthest back."""
        return int(self.ends[int(self.spans.argmax())]) if len(self.ends) else 0


_AVERAGES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> {(K, n): Average}
_LOCK = threading.Lock()


def averaged(model: CharLM, ids: Tensor, K: int = REACH, n: int = POSITIONS) -> Average | None:
    """The profile averaged over spread(ids, K, n), in one batched backward pass; None when the
    text is shorter than K + 2. Kept per model while it lives (a knob change redraws at once)."""
    with _LOCK:
        got = _AVERAGES.get(model, {}).get((K, n, len(ids)))
    if got is not None:
        return got
    ends = spread(ids, K, n)
    if not len(ends):
        return None
    began = time.perf_counter()
    rows = influence(model, ids, ends, K)
    seconds = time.perf_counter() - began
    mean = rows.mean(0)
    got = Average(mean, torch.tensor([saliency.span(r) for r in rows]), ends, saliency.span(mean), seconds)
    with _LOCK:
        _AVERAGES.setdefault(model, {})[(K, n, len(ids))] = got
    return got


@dataclass(frozen=True)
class Position:
    """One prediction's influence profile, and the text it reads."""

    t: int  # the position in the held-out text of the last character read
    K: int  # steps back (capped by the text)
    profile: Tensor  # (K+1,)
    context: str  # the K+1 characters read, oldest first
    target: str  # the character predicted (the text's next)
    logp: float  # the log-probability the model gives it
    span: int  # saliency.span of the profile

    @property
    def peak(self) -> int:
        return int(self.profile.argmax())


def position(trained: Trained, ids: Tensor, t: int, K: int = REACH) -> Position:
    """The profile of the prediction after held-out character t (0 ≤ t ≤ len(ids) - 2)."""
    k = reach(ids, t, K)
    row = influence(trained.model, ids, torch.tensor([t]), k)[0]
    with torch.no_grad():
        h, _ = trained.model.rnn(trained.model.inputs(ids[t - k:t + 1][None]))
        logp = float(torch.log_softmax(trained.model.out(h[0, -1]), -1)[ids[t + 1]])
    text = trained.vocab.decode(ids[t - k:t + 2].tolist())
    return Position(t, k, row, text[:-1], text[-1], logp, saliency.span(row))


def closing(text: str, K: int = REACH) -> list[tuple[int, int]]:
    """[(t, k)] for the embedded Reber grammar (rnnviz.data.grammar): each position t whose
    next character is a line's second-to-last symbol, which must repeat its second symbol, k
    steps back (a line B T … T E); only those with the whole line within K steps."""
    found, start = [], 0
    for i, ch in enumerate(text[:-2]):
        if ch == "\n":
            start = i + 1
        elif (ch == "E" and text[i + 1] in "TP" and text[i + 2] == "E" and text[start:start + 1] == "B"
              and text[start + 1:start + 2] == text[i + 1] and 3 <= i - start - 1 <= min(K, i)):
            found.append((i, i - start - 1))
    return found


SHOWN_ABOVE = 0.01  # the charts run as far back as some profile is still above this share of its peak


def shown_reach(profiles: list[Tensor], least: int = 10) -> int:
    """The last k a chart shows: a few steps past the furthest k where any profile is still at
    SHOWN_ABOVE of its peak (at least `least`, at most the profiles' K); beyond it every one is
    below 1 % of its peak, and a K of 100 would squash the rest against the axis."""
    K = max(len(p) for p in profiles) - 1
    above = [(torch.tensor(saliency.shares(p)) >= SHOWN_ABOVE).nonzero() for p in profiles]
    last = max((int(k.max()) for k in above if len(k)), default=0)  # a flat profile (a one-character text): none
    return min(K, max(least, last + 3))


def bars_frame(p: Position) -> pd.DataFrame:
    """k, char, influence, share: one row per step back (k = 0: the last character read)."""
    chars = [visible(c) for c in reversed(p.context)]
    return pd.DataFrame({"k": range(p.K + 1), "char": chars, "influence": p.profile.tolist(),
                         "share": saliency.shares(p.profile)})


def overlay_frame(profiles: dict[str, Tensor]) -> pd.DataFrame:
    """model, k, influence, share (of that model's own peak): one line per model."""
    return pd.concat([pd.DataFrame({"model": kind, "k": range(len(p)), "influence": p.tolist(), "share": saliency.shares(p)})
                      for kind, p in profiles.items()], ignore_index=True)


def position_message(p: Position, kind: str) -> Message:
    """What one prediction's profile shows, with its numbers."""
    return Message("char.span.position", kind=kind, t=p.t, target=visible(p.target), p=float(torch.tensor(p.logp).exp()),
                   peak=p.peak, peak_char=visible(p.context[-1 - p.peak]), span=p.span, K=p.K,
                   percent=round(saliency.FADED * 100))


def average_message(a: Average, kind: str, num_steps: int, K: int) -> Message:
    """The memory span, with the run's numbers and the window it was trained on."""
    key = "char.span.average_within" if a.span < num_steps else "char.span.average_beyond"
    return Message(key, kind=kind, n=len(a.ends), span=a.span, K=K, steps=num_steps,
                   percent=round(saliency.FADED * 100), ms=a.seconds * 1000)


# ---------------------------------------------------------------- the other kinds, for the same wall time


def train_seconds(history) -> float:
    """The training time a run spent (the printout's "time": its epochs' step time, scoring left out)."""
    return sum(s.info["seconds"] for s in history if "seconds" in s.info)


@dataclass(frozen=True)
class Twin:
    """A kind trained on the learner's corpus, settings and seed for the learner's wall time."""

    kind: str
    trained: Trained
    steps: int  # optimiser steps it took in that time
    epochs: float  # epochs of the training text that makes (a fraction while an epoch is unfinished)
    seconds: float  # its training time
    held_ppl: float  # held-out perplexity of the weights it ends with


def train_for(cfg: CharConfig, corpus: Corpus, seconds: float, stop: Callable[[], bool] = lambda: False) -> Twin:
    """cfg trained for `seconds` of training time (or until its own early stopping, or stop()),
    however many epochs that takes; the weights it has then (or those early stopping kept)."""
    trained, snapshots = build(replace(cfg, epochs=10_000), corpus)
    done, began, step = 0.0, time.perf_counter(), 0  # done: the finished epochs' step time
    for snap in snapshots:
        step = snap.step
        if snap.stopped or "done" in snap.info:
            break
        if "seconds" in snap.info:  # an epoch ended: its exact step time, scoring left out
            done += snap.info["seconds"]
            began = time.perf_counter()
        elif done + time.perf_counter() - began >= seconds or stop():
            break
    per_epoch = snap.total // 10_000  # minibatches per epoch (the run was planned for 10,000 epochs)
    spent = done + (time.perf_counter() - began if "seconds" not in snap.info else 0.0)
    return Twin(cfg.kind, trained, step, step / per_epoch, spent, perplexity(trained.model, corpus.held_ids))


def others(kind: str) -> tuple[str, ...]:
    """The kinds of COMPARED besides the learner's."""
    return tuple(k for k in COMPARED if k != kind)


def twins(cfg: CharConfig, corpus: Corpus, seconds: float, stop: Callable[[], bool] = lambda: False) -> Iterator[Twin]:
    """The other kinds of COMPARED, one after the other, each trained for `seconds` (train_for)."""
    for kind in others(cfg.kind):
        if stop():
            return
        yield train_for(replace(cfg, kind=kind), corpus, seconds, stop)


def twin_message(t: Twin) -> Message:
    return Message("char.span.twin", kind=t.kind, steps=t.steps, epochs=t.epochs, seconds=t.seconds,
                   held=t.held_ppl)


def compared_frame(spans: dict[str, int], held: dict[str, float]) -> pd.DataFrame:
    """model, span (the memory span), held_ppl: one row per kind, in COMPARED's order."""
    return pd.DataFrame([{"model": k, "span": spans[k], "held_ppl": held[k]} for k in COMPARED if k in spans])


def compare_message(spans: dict[str, int]) -> Message:
    """What the three memory spans show: which kind looks furthest back and which least (or that they agree)."""
    longest, shortest = max(spans, key=spans.get), min(spans, key=spans.get)
    key = "char.span.compare_same" if spans[longest] == spans[shortest] else "char.span.compare_read"
    return Message(key, longest=longest, span=spans[longest], shortest=shortest, short=spans[shortest],
                   percent=round(saliency.FADED * 100))


def memory_span(model: nn.Module, ids: Tensor, K: int = REACH, n: int = POSITIONS) -> int:
    """The model's memory span on ids (averaged()'s span; 0 on a text too short)."""
    a = averaged(model, ids, K, n)
    return a.span if a is not None else 0
