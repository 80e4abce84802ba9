"""The character language model of the "Char-level generation" page (d2l's RNN chapters):
corpus -> vocabulary -> minibatches (random or consecutive) -> RNN/LSTM/GRU -> perplexity,
samples from prefixes, and n-gram baselines to compare with.

It speaks no language: sentences are Messages (catalogue keys under char.*), settings a
learner can fix raise Problem, frames carry stable column names and values. Where changes go:
- a new knob: a CharConfig field (its why in a comment), its widget in rnnviz/ui/char.py
  (model_config) and its widget key in recipe_values() there, its label char.model.<name>.
- a new recipe: an entry in RECIPES, its label and caption char.recipe.<id>.
- a new corpus: one table in data/corpora.toml (its address, sha256, licence, the prefixes the
  printout writes from; CORPORA and PREFIXES read it through rnnviz/data/text.py), its label
  char.corpora.<id> (rnnviz/ui/char.py loads it).
- a new sampling (how minibatches are cut): its sampler in rnnviz/data/text.py, an entry in
  SAMPLINGS and in sampler(); its labels char.model.<name> and char.model.<name>_caption.
- a new way to choose the next character: a mode in generate() and MODES, its label char.gen.<mode>.
- a new verdict on a run: memorisation() and its sentence char.lesson.<verdict>.
- a new checkpoint (rnnviz.checkpoint): its reveal computed here from the run (*_reveal()), its
  id in checkpoint.PATH["char"], its ask() in rnnviz/ui/char.py, its words under quiz.char_<n>.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import pairwise

import pandas as pd
import torch
from torch import Tensor, nn

from rnnviz import device
from rnnviz.checkpoint import Reveal
from rnnviz.data.text import (
    PREFIXES,
    SOURCES,
    Vocab,
    cap_rare,
    consecutive_batches,
    random_batches,
)
from rnnviz.i18n import Message, Problem
from rnnviz.train import Snapshot, seeded, train

SAMPLINGS = {"random": "state re-initialised for every minibatch",
             "consecutive": "state carried over (detached) between minibatches"}
KEEPS = ("best", "final")  # the weights a run hands over: the best held-out epoch's, or the last epoch's
INITS = ("torch", "d2l")  # PyTorch's default initialisation, or the chapter's normal(0, 0.01)
MODES = ("temperature", "top-k", "greedy")  # how generate() chooses the next character
# the page's corpora (the link's values): the built-in two, data/corpora.toml's in its order, an upload
CORPORA = ("reber", "hello", *SOURCES, "upload")
# what the model writes from in the printout (PREFIXES, from rnnviz.data.text): each corpus' prefixes
# in data/corpora.toml (the chapter's on the lyrics, names or words elsewhere), the built-in ones' there


@dataclass(frozen=True)
class CharConfig:
    """Every knob of the chapter, with the page's default."""

    kind: str = "GRU"  # RNN is the chapter's; GRU trains faster and generalises better at this size
    hidden_size: int = 64  # the chapter uses 256 on the lyrics; 64 is plenty for the built-in grammar
    num_layers: int = 1
    embedding: int = 0  # 0: one-hot input, as the chapter; > 0: a learnt embedding of that size
    dropout: float = 0.3  # on the RNN's output: fights memorisation on small corpora (the lyrics)
    optimizer: str = "adam"  # "sgd" is the chapter's (with lr 100); Adam needs no such tuning
    lr: float = 0.01  # Adam's; SGD_LR is the chapter's
    clip: float = 1.0  # θ: gradient norm clipping (the chapter's 0.01 with SGD lr 100)
    batch_size: int = 16  # the chapter uses 32; 16 makes twice the updates per epoch on a small text
    num_steps: int = 35  # the chapter's: characters per subsequence
    sampling: str = "random"  # one of SAMPLINGS
    epochs: int = 4  # passes over the training text; the built-in grammar needs about 4
    held_out: float = 0.1  # the last 10 % of the text scores the model on what it did not see
    patience: int = 3  # epochs without a better held-out perplexity before stopping early (keep="best")
    keep: str = "best"  # one of KEEPS: "best" stops early and keeps the best held-out epoch; "final" as the chapter
    print_every: int = 1  # epochs between printouts (the chapter prints every 50)
    init: str = "torch"  # one of INITS: "torch" also starts the output bias at the unigram; "d2l" as the chapter
    offset: bool = True  # each epoch's minibatches start at a random offset (d2l 2nd ed.); the chapter starts at 0
    vocab_cap: int = 0  # > 0: only the most frequent characters, the rest one rare symbol (a huge vocabulary's width)
    seed: int = 0


SGD_LR = 100.0  # the chapter's learning rate for its from-scratch SGD
PRINT_CHARS = 50  # characters each printout writes from every prefix (the chapter's pred_len)

# d2l's "RNN from scratch" on the Jay Chou lyrics (its first 10,000 characters), exactly: one-hot
# input, a tanh RNN of 256 units initialised from normal(0, 0.01) with zero biases, SGD lr 100 on
# the mean loss, clipping θ = 0.01, minibatches of 32 × 35 read from the same windows every epoch,
# 250 epochs, a printout every 50, the final weights. Only the held-out tenth is ours: the
# chapter trains on all 10,000 characters and so cannot see that it memorises them.
CHAPTER = CharConfig(kind="RNN", hidden_size=256, num_layers=1, embedding=0, dropout=0.0, optimizer="sgd",
                     lr=SGD_LR, clip=0.01, batch_size=32, num_steps=35, sampling="random", epochs=250,
                     held_out=0.1, keep="final", print_every=50, init="d2l", offset=False)


@dataclass(frozen=True)
class Recipe:
    """A whole recipe the page sets with one choice: the corpus, every knob, how it first writes."""

    corpus: str  # the corpus' id on the page
    first_10k: bool  # the lyrics' first 10,000 characters only (the chapter's)
    config: CharConfig
    mode: str  # how section 5 samples at first: the chapter writes greedily (argmax)
    length: int  # characters section 5 writes at first


RECIPES = {"fast": Recipe("reber", False, CharConfig(), "temperature", 100),
           "d2l": Recipe("lyrics", True, CHAPTER, "greedy", PRINT_CHARS)}


@dataclass(frozen=True)
class RunKey:
    """What a run is trained from, as the page keys it: a change to any of them trains anew."""

    corpus: str  # the corpus' id (one of CORPORA) or an uploaded file's name
    length: int  # the corpus' length in characters (another upload of the same name is another text)
    config: CharConfig


def prefixes_for(corpus: str, text: str) -> tuple[str, ...]:
    """What the printout writes from: the corpus' PREFIXES (its first two characters for an
    upload), those the text can read (every character in it)."""
    return tuple(p for p in PREFIXES.get(corpus, (text[:2],)) if p and set(p) <= set(text))


class CharLM(nn.Module):
    """Characters (B, T) -> logits (B, T, V); one-hot or embedded input."""

    def __init__(self, vocab_size: int, cfg: CharConfig):
        super().__init__()
        self.vocab_size, self.kind = vocab_size, cfg.kind
        self.embed = nn.Embedding(vocab_size, cfg.embedding) if cfg.embedding else None
        width = cfg.embedding or vocab_size
        self.rnn = getattr(nn, cfg.kind)(width, cfg.hidden_size, cfg.num_layers, batch_first=True)
        self.out = nn.Linear(cfg.hidden_size, vocab_size)
        # dropout on the last layer's output, drawn from the model's own generator: the same
        # seed gives the same run even while other visitors' models train in other threads
        self.dropout, self.masks = cfg.dropout, torch.Generator(device()).manual_seed(cfg.seed)
        if cfg.init == "d2l":  # the chapter's get_params: weights from normal(0, 0.01), biases 0
            for name, p in self.named_parameters():
                nn.init.normal_(p, 0.0, 0.01) if "weight" in name else nn.init.zeros_(p)
        self.to(device())  # CUDA when present: the one model here large enough to gain from it

    @property
    def device(self) -> torch.device:
        return self.out.weight.device

    def inputs(self, X: Tensor) -> Tensor:
        """What the recurrent layer reads: one-hot (B, T, V) or embeddings (B, T, E)."""
        X = X.to(self.device)
        return self.embed(X) if self.embed is not None else nn.functional.one_hot(X, self.vocab_size).float()

    def forward(self, X: Tensor, state=None):
        h, state = self.rnn(self.inputs(X), state)  # (B, T, H)
        if self.training and self.dropout > 0:
            keep = torch.empty_like(h).bernoulli_(1 - self.dropout, generator=self.masks)
            h = h * keep / (1 - self.dropout)
        return self.out(h), state


def detach(state):
    """Keep the state's values, drop its history: backprop stops at the minibatch's start."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


@dataclass
class Corpus:
    text: str
    vocab: Vocab
    train_ids: Tensor  # (N,)
    held_ids: Tensor  # (M,)
    merged: int = 0  # distinct characters a vocabulary cap made the one rare symbol
    merged_share: float = 0.0  # the share of the text they were


def cover(text: str, top: int) -> float:
    """The share of the text its `top` most frequent characters make up."""
    counts = sorted(Counter(text).values(), reverse=True)
    return sum(counts[:top]) / max(len(text), 1)


def prepare(text: str, held_out: float, cap: int = 0) -> Corpus:
    """The vocabulary of the whole text (its `cap` most frequent characters and one rare symbol
    for the rest when cap > 0), and its train / held-out split (the held-out part last)."""
    text, merged, share = cap_rare(text, cap)
    vocab = Vocab.of(text)
    ids = torch.tensor(vocab.encode(text))
    cut = int(len(ids) * (1 - held_out))
    return Corpus(text, vocab, ids[:cut], ids[cut:], merged, share)


def too_short(corpus: Corpus, cfg: CharConfig) -> Message | None:
    """Why the corpus cannot make one minibatch or score held-out text, or None when it can."""
    need = cfg.batch_size * cfg.num_steps + cfg.num_steps + 1
    if len(corpus.train_ids) < need:
        return Message("char.check.too_short", have=len(corpus.train_ids), batch=cfg.batch_size,
                       steps=cfg.num_steps, need=need)
    if len(corpus.held_ids) < cfg.num_steps + 1:
        return Message("char.check.held_too_short")
    return None


def exp(x: float) -> float:
    """math.exp, but inf where it would overflow (the perplexity of a diverged model)."""
    return math.exp(x) if x < 709 else math.inf


@torch.no_grad()
def perplexity(model: CharLM, ids: Tensor, num_steps: int = 200) -> float:
    """exp(mean cross-entropy) over ids, read in order with the state carried."""
    model.eval()
    state, total, count = None, 0.0, 0
    for k in range(0, len(ids) - 1, num_steps):
        X, Y = ids[k:k + num_steps][None], ids[k + 1:k + num_steps + 1][None]
        X = X[:, :Y.shape[1]]
        if X.shape[1] == 0:
            break
        logits, state = model(X, state)
        total += float(nn.functional.cross_entropy(logits[0], Y[0].to(model.device), reduction="sum"))
        count += Y.shape[1]
    return exp(total / max(count, 1))


def baselines(corpus: Corpus) -> dict[str, float]:
    """Held-out perplexity of the uniform, unigram and bigram models fitted on the training part.

    The unigram is add-one smoothed (every character of the vocabulary stays possible). The
    bigram is interpolated with it by Witten-Bell, which needs no tuning: after a character
    followed by many different ones, trust the unigram more. (Add-one smoothing, spread over a
    vocabulary of 2,582 lyrics characters, would make the bigram worse than the unigram.)
    """
    V = len(corpus.vocab)
    train, held = corpus.train_ids.tolist(), corpus.held_ids.tolist()
    uni, n = Counter(train), len(train)

    def p_uni(c: int) -> float:
        return (uni[c] + 1) / (n + V)

    pairs = Counter(pairwise(train))
    after = Counter(train[:-1])  # how often each character is followed by another
    kinds = Counter(a for a, _ in pairs)  # how many different characters follow it

    def p_big(a: int, b: int) -> float:
        if not after[a]:
            return p_uni(b)
        return (pairs[(a, b)] + kinds[a] * p_uni(b)) / (after[a] + kinds[a])

    ll_uni = sum(math.log(p_uni(c)) for c in held)
    ll_big = sum(math.log(p_big(a, b)) for a, b in pairwise(held))
    return {"uniform": float(V), "unigram": math.exp(-ll_uni / len(held)),
            "bigram": math.exp(-ll_big / max(len(held) - 1, 1))}


@dataclass(frozen=True, eq=False)
class Trained:
    """A run's model with what generating from it and looking inside it need, as build() hands it
    over: the vocabulary it reads and writes, its baselines, the held-out text it is scored on."""

    model: CharLM
    vocab: Vocab
    baselines: dict[str, float]  # held-out perplexity of the uniform, unigram and bigram models
    held_text: str  # the held-out part of the corpus, as text

    def state_dict(self) -> dict:
        """The model's weights: what a download of the run saves."""
        return self.model.state_dict()


def sampler(cfg: CharConfig) -> Callable[..., Iterator[tuple[Tensor, Tensor, list[int]]]]:
    """The minibatch sampler of cfg.sampling (rnnviz.data.text): (X, Y, row starts) per minibatch."""
    return random_batches if cfg.sampling == "random" else consecutive_batches


def minibatches_per_epoch(corpus: Corpus, cfg: CharConfig) -> int:
    """How many minibatches (optimiser steps) one epoch over the training text makes."""
    return sum(1 for _ in sampler(cfg)(corpus.train_ids, cfg.batch_size, cfg.num_steps, random.Random(0), cfg.offset))


def minibatches(corpus: Corpus, cfg: CharConfig) -> Iterator[tuple[int, Tensor, Tensor]]:
    """(epoch, X, Y) for every optimiser step of the run; each epoch cut anew (at a new random
    offset when cfg.offset), from one random generator seeded by cfg.seed."""
    rng = random.Random(cfg.seed)
    for epoch in range(1, cfg.epochs + 1):
        for X, Y, _ in sampler(cfg)(corpus.train_ids, cfg.batch_size, cfg.num_steps, rng, cfg.offset):
            yield epoch, X, Y


@dataclass
class Epoch:
    """The epoch being trained, as its steps add up."""

    number: int
    ce: float = 0.0  # the sum of its steps' mean cross-entropy
    steps: int = 0  # its steps so far
    seconds: float = 0.0  # its training time so far (the printout's "time")
    began: float = 0.0  # when the step being taken began
    state: Tensor | tuple[Tensor, Tensor] | None = None  # the last minibatch's final state (consecutive sampling)


@dataclass
class Best:
    """The best held-out epoch so far, with its weights: early stopping goes back to them."""

    ppl: float = math.inf
    epoch: int = 0
    since: int = 0  # epochs since it, without a better one
    params: Tensor | None = None


def build(cfg: CharConfig, corpus: Corpus, prefixes: tuple[str, ...] = (),
          validity: Callable[[str], bool] | None = None) -> tuple[Trained, Iterator[Snapshot]]:
    """The model (with its vocabulary and baselines) and the generator that trains it, epoch
    after epoch (epochs())."""
    with seeded(cfg.seed):
        model = CharLM(len(corpus.vocab), cfg)
    if cfg.init == "torch":
        with torch.no_grad():  # start from the unigram: with 2,582 characters, uniform is a poor first guess
            counts = torch.bincount(corpus.train_ids, minlength=len(corpus.vocab)).float() + 1
            model.out.bias.copy_((counts / counts.sum()).log().to(model.device))
    trained = Trained(model, corpus.vocab, baselines(corpus), corpus.vocab.decode(corpus.held_ids.tolist()))
    return trained, epochs(model, cfg, corpus, prefixes, validity)


def epochs(model: CharLM, cfg: CharConfig, corpus: Corpus, prefixes: tuple[str, ...] = (),
           validity: Callable[[str], bool] | None = None) -> Iterator[Snapshot]:
    """Train model on corpus: a snapshot every step with its epoch and the epoch's running train
    perplexity (its grad_norm is before clipping); at each epoch's end also the held-out
    perplexity, the share of valid strings (with validity) and, every print_every epochs, the
    printout's samples; at the last epoch (or early stopping) the weights kept and why."""
    opt = (torch.optim.SGD(model.parameters(), lr=cfg.lr) if cfg.optimizer == "sgd"
           else torch.optim.Adam(model.parameters(), lr=cfg.lr))
    per_epoch = minibatches_per_epoch(corpus, cfg)
    batches, epoch, best = minibatches(corpus, cfg), Epoch(0), Best()
    params = list(model.parameters())

    def loss_at(step: int) -> Tensor:
        nonlocal epoch
        began = time.perf_counter()  # the step's training time, for the printout's "time"
        number, X, Y = next(batches)
        if number != epoch.number:  # a new epoch: a fresh state
            epoch = Epoch(number)
        epoch.began = began
        state = None if cfg.sampling == "random" or epoch.state is None else detach(epoch.state)
        logits, epoch.state = model(X, state)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), Y.reshape(-1).to(model.device))
        epoch.ce += float(loss.detach())
        epoch.steps += 1
        return loss

    for snap in train(model, loss_at, opt, per_epoch * cfg.epochs, clip=cfg.clip):
        if snap.stopped:  # diverged: the loop has put back the weights before that step
            yield snap
            return
        epoch.seconds += time.perf_counter() - epoch.began
        info = snap.info
        info.update(epoch=epoch.number, train_ppl=exp(epoch.ce / max(epoch.steps, 1)))
        if epoch.steps < per_epoch:
            yield snap
            continue
        # the epoch's last step: score on held-out text
        held = perplexity(model, corpus.held_ids)
        info.update(held_ppl=held, seconds=epoch.seconds)
        if validity is not None:
            info["valid"] = valid_share(model, corpus.vocab, validity, VALIDITY_SAMPLES, cfg.seed)
        if held < best.ppl or best.params is None:  # (a diverged model scores inf)
            best = Best(held, epoch.number, 0, nn.utils.parameters_to_vector(params).clone())
        else:
            best.since += 1
        stopping = epoch.number == cfg.epochs or (cfg.keep == "best" and best.since >= cfg.patience)
        if epoch.number % cfg.print_every == 0 or stopping:  # the printout: as the chapter's predict_rnn
            info["samples"] = {p: generate(model, corpus.vocab, p, PRINT_CHARS, "greedy").text for p in prefixes}
        if not stopping:
            yield snap
            continue
        kept = epoch.number
        if cfg.keep == "best" and best.since:
            with torch.no_grad():  # early stopping: back to the best epoch's weights
                nn.utils.vector_to_parameters(best.params, params)
            kept = best.epoch
        # what the message says, kept so a page can say it again in its visitor's language
        info.update(best_epoch=best.epoch, best_ppl=best.ppl, early=epoch.number != cfg.epochs, kept_epoch=kept,
                    kept_ppl=best.ppl if kept == best.epoch else held)
        info["done"] = done_message(info, cfg)
        yield snap
        return


def done_message(info: dict, cfg: CharConfig) -> Message | None:
    """Why training ended (early stopping or the last epoch) and which weights it kept; None for
    a snapshot that did not end training."""
    if "best_epoch" not in info:
        return None
    kept = Message("char.check.kept", epoch=info["best_epoch"], ppl=info["best_ppl"])
    if info["early"]:
        return Message("char.check.stopped_early", patience=cfg.patience, kept=kept)
    if cfg.keep == "final":
        return Message("char.check.kept_final", epochs=cfg.epochs, ppl=info["held_ppl"], best=info["best_epoch"],
                       best_ppl=info["best_ppl"])
    return Message("char.check.all_done", epochs=cfg.epochs, kept=kept)


# ---------------------------------------------------------------- what the run shows

CLOSE = 0.03  # train and held-out perplexity within 3 % of each other: their lines overlap on the chart


def curves_close(train_ppl: float, held_ppl: float) -> bool:
    """Whether train and held-out perplexity are so close that one line covers the other."""
    return abs(train_ppl - held_ppl) <= CLOSE * min(train_ppl, held_ppl)


NEAR_ONE = 2.0  # a training perplexity at or below this: the model all but knows its training text


def memorisation(train_ppl: float, held_ppl: float, baselines: dict[str, float]) -> str:
    """What a run's last epoch shows, as a catalogue key under char.lesson:

    memorised_uniform / memorised: training perplexity near 1 while held-out text is predicted
    worse than the bigram (at or beyond uniform guessing, or between the two): the model learnt
    its training text by heart, not the language. generalises: held-out at or below the bigram:
    it predicts text it never saw better than character pairs do. not_yet: neither; the
    training text is not learnt yet (train perplexity above NEAR_ONE) and held-out is above
    the bigram.
    """
    if held_ppl <= baselines["bigram"]:
        return "generalises"
    if train_ppl <= NEAR_ONE:
        return "memorised_uniform" if held_ppl >= baselines["uniform"] else "memorised"
    return "not_yet"


def readable(ppl: float) -> str:
    """A perplexity as a learner reads it: 11,626 / 289.9 / 1.469."""
    return f"{ppl:,.0f}" if ppl >= 1000 else f"{ppl:.1f}" if ppl >= 10 else f"{ppl:.3f}"


def lesson(info: dict, trained: Trained, length: int) -> Message:
    """What a run shows at its last scored epoch (info), with its figures: char.lesson.<verdict>
    (memorisation()). length: the corpus' characters (the held-out part is not trained on)."""
    base = trained.baselines
    verdict = memorisation(info["train_ppl"], info["held_ppl"], base)
    return Message(f"char.lesson.{verdict}", epoch=info["epoch"], train=info["train_ppl"],
                   held=readable(info["held_ppl"]), ratio=info["held_ppl"] / base["bigram"],
                   chars=length - len(trained.held_text),
                   **{k: f"{v:,.0f}" if k == "uniform" else readable(v) for k, v in base.items()})


def weights_used(last: Snapshot, keep: str, stopped: bool) -> Message:
    """Which weights generation uses: those of the step a stopped run reached, the final ones,
    or the best held-out epoch's (early stopping named only when it stopped the run)."""
    end = last.info
    if stopped or "kept_epoch" not in end:
        return Message("char.gen.uses_stopped", step=last.step)
    if keep == "final":
        return Message("char.gen.uses_final", epoch=end["kept_epoch"], held=readable(end["kept_ppl"]),
                       best=end["best_epoch"], best_ppl=readable(end["best_ppl"]))
    return Message("char.gen.uses_best" if end.get("early") else "char.gen.uses_best_all", epoch=end["kept_epoch"],
                   held=readable(end["kept_ppl"]), last=end["epoch"])


def perplexity_frame(history: list[Snapshot]) -> pd.DataFrame:
    """epoch, perplexity, curve ("held_out", then "train"): every scored epoch of a run."""
    scored = [s.info for s in history if "held_ppl" in s.info]
    return pd.DataFrame([{"epoch": i["epoch"], "perplexity": i["held_ppl"], "curve": "held_out"} for i in scored]
                        + [{"epoch": i["epoch"], "perplexity": i["train_ppl"], "curve": "train"} for i in scored])


def gradient_norms(history: list[Snapshot], clip: float) -> pd.DataFrame:
    """step, norm ("before", then "after" clipping), grad_norm: every step's gradient norm."""
    norms = pd.DataFrame({"step": [s.step for s in history], "before": [s.grad_norm for s in history],
                          "after": [min(s.grad_norm, clip) for s in history]})
    return norms.melt("step", var_name="norm", value_name="grad_norm")


def clipped_share(history: list[Snapshot], clip: float) -> float:
    """The share of steps whose gradient was longer than θ = clip (and so rescaled)."""
    return sum(s.grad_norm > clip for s in history) / max(len(history), 1)


def differences(cfg: CharConfig, recipe: CharConfig) -> list[tuple[str, object, object]]:
    """The fields where cfg departs from a recipe's: [(field, cfg's value, the recipe's)]."""
    return [(f, getattr(cfg, f), getattr(recipe, f)) for f in cfg.__dataclass_fields__
            if f != "seed" and getattr(cfg, f) != getattr(recipe, f)]


def minibatch_positions(corpus: Corpus, cfg: CharConfig, batches: int = 3) -> pd.DataFrame:
    """minibatch, row, start, end: the corpus positions the first minibatches of an epoch read."""
    rows = []
    for k, (_, _, starts) in zip(range(batches), sampler(cfg)(corpus.train_ids, cfg.batch_size, cfg.num_steps,
                                                              random.Random(cfg.seed), cfg.offset)):
        rows += [(k + 1, r + 1, s, s + cfg.num_steps) for r, s in enumerate(starts)]
    return pd.DataFrame(rows, columns=["minibatch", "row", "start", "end"])


# ---------------------------------------------------------------- generation

VALIDITY_SAMPLES = 30  # strings generated per epoch to score a built-in language


def valid_share(model: CharLM, vocab: Vocab, is_valid: Callable[[str], bool], n: int, seed: int = 0,
                max_len: int = 60) -> float:
    """Share of n lines generated after a newline (temperature 1) that are valid strings."""
    ok = 0
    for k in range(n):
        line = generate(model, vocab, "\n", max_len, "temperature", 1.0, seed=seed * 1000 + k, stop="\n").text[1:]
        ok += is_valid(line.split("\n")[0])
    return ok / n


@dataclass(frozen=True)
class GenerateConfig:
    """How section 5 writes from a trained model, with the page's defaults (generate()'s arguments)."""

    prefix: str  # what the model reads before it writes (every character in its vocabulary)
    length: int = 100  # characters written after the prefix
    mode: str = "temperature"  # one of MODES
    temperature: float = 0.8  # below 1 the likely characters get likelier (the printout writes greedily)
    top_k: int = 5  # top-k mode: sample among this many most probable characters
    seed: int = 0  # another seed, another sample from the same model


@dataclass
class Generation:
    text: str  # prefix + generated characters
    steps: list[dict]  # per generated character: chosen, and the top candidates with probabilities
    warmup: Tensor  # (len(prefix), H): the last layer's hidden state on the prefix


@torch.no_grad()
def generate(model: CharLM, vocab: Vocab, prefix: str, length: int, mode: str = "temperature",
             temperature: float = 1.0, top_k: int = 5, seed: int = 0, shown: int = 5,
             stop: str = "") -> Generation:
    """Continue `prefix` for `length` characters (or until `stop`): greedy, temperature or top-k."""
    if not prefix:
        raise Problem("char.check.no_prefix")
    if mode != "greedy" and temperature <= 0:
        raise Problem("char.check.temperature_zero")
    model.eval()
    ids = vocab.encode(prefix)
    g = torch.Generator().manual_seed(seed)
    X = torch.tensor(ids)[None]
    out, state = model.rnn(model.inputs(X))
    warmup = out[0].cpu()  # (P, H)
    logits = model.out(out[0, -1])
    text, steps = list(prefix), []
    for _ in range(length):
        probs = torch.softmax(logits / (temperature if mode != "greedy" else 1.0), dim=-1).cpu()
        if mode == "greedy":
            nxt = int(probs.argmax())
        else:
            p = probs
            if mode == "top-k":
                kth = torch.topk(p, min(top_k, len(p))).values[-1]
                p = torch.where(p >= kth, p, torch.zeros_like(p))
            nxt = int(torch.multinomial(p / p.sum(), 1, generator=g))
        top = torch.topk(probs, min(shown, len(probs)))
        steps.append({"chosen": vocab.chars[nxt],
                      "candidates": [(vocab.chars[i], float(q)) for q, i in zip(top.values, top.indices)]})
        text.append(vocab.chars[nxt])
        if stop and text[-1] == stop:
            break
        h, state = model.rnn(model.inputs(torch.tensor([[nxt]])), state)
        logits = model.out(h[0, -1])
    return Generation("".join(text), steps, warmup)


SHOWN_AS = {" ": "␣", "\u3000": "␣", "\n": "⏎", "\r": "␍", "\t": "⇥"}  # whitespace a table cell would hide


def visible(ch: str) -> str:
    """A character as a table cell shows it: whitespace as a symbol."""
    return SHOWN_AS.get(ch, ch)


def candidates(gen: Generation, first: int = 20) -> pd.DataFrame:
    """#, chosen, top_1, top_2, ...: the first generated characters and the top candidates for
    each ("e 0.41"), whitespace made visible."""
    return pd.DataFrame([{"#": i + 1, "chosen": visible(s["chosen"]),
                          **{f"top_{j + 1}": f"{visible(ch)} {p:.2f}" for j, (ch, p) in enumerate(s["candidates"])}}
                         for i, s in enumerate(gen.steps[:first])])


def warmup_frame(gen: Generation, prefix: str, last: int = 40, units: int = 32) -> pd.DataFrame:
    """t, char ("3 a"), unit, value: the hidden state on the prefix's last characters, its first
    units (any prefix reads well)."""
    first = max(0, gen.warmup.shape[0] - last)
    return pd.DataFrame([(i + 1, f"{i + 1} {visible(prefix[i])}", u + 1, float(v))
                         for i in range(first, gen.warmup.shape[0]) for u, v in enumerate(gen.warmup[i].tolist()[:units])],
                        columns=["t", "char", "unit", "value"])


@torch.no_grad()
def unit_activations(model: CharLM, vocab: Vocab, text: str) -> Tensor:
    """The last layer's hidden state at every character of text: (len(text), H)."""
    model.eval()
    out, _ = model.rnn(model.inputs(torch.tensor(vocab.encode(text))[None]))
    return out[0].cpu()


def features(text: str) -> dict[str, list[float]]:
    """Per-character features a unit might track."""
    inside, depth, col = [], [], []
    q, d, c = False, 0, 0
    for ch in text:
        if ch in "\"'“”":
            q = not q
        d += ch in "([{" 
        d -= ch in ")]}"
        c = 0 if ch == "\n" else c + 1
        inside.append(float(q))
        depth.append(float(max(d, 0)))
        col.append(float(c))
    after_space = [0.0] + [float(a == " ") for a in text[:-1]]
    return {"inside quotes": inside, "position in the line": col, "bracket depth": depth,
            "after a space": after_space}


def varying_features(text: str) -> dict[str, list[float]]:
    """The features() that vary along text (a text without newlines, such as the chapter's
    lyrics, has no lines to be in); all of them when none does."""
    feats = features(text)
    varying = {f: v for f, v in feats.items() if len(set(v)) > 1 and (f != "position in the line" or "\n" in text)}
    return varying or feats


def rank_units(acts: Tensor, feature: list[float], top: int = 5) -> list[tuple[int, float]]:
    """Units ranked by |correlation| of their activation with a feature: [(unit, r)]."""
    f = torch.tensor(feature)
    if f.std() == 0:
        return []
    a = acts - acts.mean(0)
    r = (a * (f - f.mean())[:, None]).sum(0) / (a.norm(dim=0) * (f - f.mean()).norm() + 1e-9)
    order = torch.argsort(r.abs(), descending=True)[:top]
    return [(int(u) + 1, float(r[u])) for u in order]


# ---------------------------------------------------------------- checkpoints: reveals computed from the run


def detach_chain(corpus: Corpus, cfg: CharConfig) -> tuple[int, int]:
    """char_1's numbers: (minibatches per epoch with the state carried, the time steps the epoch's
    last backward pass would run through without detach: num_steps × those minibatches, since the
    state starts from zero each epoch). A run that samples at random carries nothing: its numbers
    are those consecutive sampling would make of the same text."""
    carried = replace(cfg, sampling="consecutive")
    batches = minibatches_per_epoch(corpus, carried)
    return batches, cfg.num_steps * batches


def detach_reveal(corpus: Corpus, cfg: CharConfig) -> Reveal:
    """char_1, what detach saves: an estimate of how many time steps the backward pass of the
    epoch's last minibatch would run through without detach (detach_chain: num_steps × the
    minibatches per epoch; the learner who thinks backprop stops at the minibatch anyway says
    num_steps). The why quotes the run's numbers and the hidden states that chain would hold
    (float32, the last layer's and those below: batch × hidden × layers numbers per step)."""
    batches, chain = detach_chain(corpus, cfg)
    mb = chain * cfg.batch_size * cfg.hidden_size * cfg.num_layers * 4 / 1e6
    carried = cfg.sampling == "consecutive"
    why = Message("quiz.char_1.why_consecutive" if carried else "quiz.char_1.why_random", steps=cfg.num_steps,
                  batches=batches, chain=chain, mb=mb, batch=cfg.batch_size, hidden=cfg.hidden_size)
    other = "random" if carried else "consecutive"
    return Reveal(chain, why, Message(f"quiz.char_1.try_{other}"), {"char_sampling": other})


def at_hand(corpus_id: str) -> bool:
    """Whether a corpus of data/corpora.toml can be read without the network: shipped in data/ or
    already in the download cache (its checksum is checked when it is read)."""
    # its CACHE and DATA as they are now (tests move the cache)
    from rnnviz.data import text

    src = SOURCES[corpus_id]
    return (src.ships and (text.DATA / src.name).exists()) or (text.CACHE / src.name).exists()


def memorisation_reveal(info: dict, trained: Trained, chosen: str | None = None, used: str | None = None) -> Reveal:
    """char_2, what the run's two perplexity lines mean: its memorisation() verdict at its last
    scored epoch (info) is the right option ("memorised" for either memorised verdict); the why
    quotes its train and held-out perplexity against the bigram, and first says so when the run
    trained on `used` because the corpus the learner chose (`chosen`, one of data/corpora.toml's)
    could not be loaded; the try: the chapter's recipe (which memorises the lyrics), or with early
    stopping when this run memorised, saying it needs the lyrics' download when they are not at hand
    (the page otherwise stays on the last corpus, which shows none of it)."""
    base = trained.baselines
    verdict = memorisation(info["train_ppl"], info["held_ppl"], base)
    right = "memorised" if verdict.startswith("memorised") else verdict
    fell_back = chosen in SOURCES and used is not None and used != chosen
    fallback = Message("quiz.char_2.fallback", chosen=Message(f"char.corpora.{chosen}"),
                       used=Message(f"char.corpora.{used}") if used in CORPORA else used) if fell_back else ""
    why = Message(f"quiz.char_2.why_{right}", epoch=info["epoch"], train=readable(info["train_ppl"]),
                  held=readable(info["held_ppl"]), bigram=readable(base["bigram"]),
                  ratio=info["held_ppl"] / base["bigram"], fallback=fallback)
    lyrics = RECIPES["d2l"].corpus
    download = {"kb": SOURCES[lyrics].size / 1e3, "url": SOURCES[lyrics].url}
    if right == "memorised":
        tried = (Message("quiz.char_2.try_best") if at_hand(lyrics) else
                 Message("quiz.char_2.try_best_download", **download))
        return Reveal(right, why, tried, {"char_recipe": "d2l", "char_keep": "best"})
    tried = Message("quiz.char_2.try_d2l") if at_hand(lyrics) else Message("quiz.char_2.try_d2l_download", **download)
    return Reveal(right, why, tried, {"char_recipe": "d2l"})


TEMPERATURES = (0.2, 1.5)  # char_3's pair: a cool and a hot sample from the same model, prefix and seed
TEMPERATURE_CHARS = 200  # characters each of the pair writes (measured without the prefix)
REPEAT = 12  # a character repeats when it lies in a stretch of this many the sample already wrote (any alphabet)
SAME = 0.10  # repeated shares closer than this (10 percentage points): neither sample repeats itself more


def repeated_share(text: str, n: int = REPEAT) -> tuple[int, int]:
    """(characters of text inside a stretch of n characters that already occurred earlier in it,
    all characters): the more, the more the text repeats itself. Unlike the share of distinct
    short n-grams, a small alphabet (the grammar's 8 symbols) does not cap it: random text over
    8 symbols almost never repeats 12 characters, a loop repeats nearly all of them."""
    covered = [False] * len(text)
    for j in range(len(text) - n + 1):
        if text.find(text[j:j + n], 0, j + n - 1) != -1:  # an earlier start (it may overlap this one)
            covered[j:j + n] = [True] * n
    return sum(covered), len(text)


def temperature_samples(model: CharLM, vocab: Vocab, writing: GenerateConfig) -> dict[float, str]:
    """char_3's pair: TEMPERATURE_CHARS written from the page's prefix and seed at each of
    TEMPERATURES (only the written characters, not the prefix)."""
    return {t: generate(model, vocab, writing.prefix, TEMPERATURE_CHARS, "temperature", t,
                        seed=writing.seed).text[len(writing.prefix):] for t in TEMPERATURES}


def temperature_reveal(samples: dict[float, str]) -> Reveal:
    """char_3, which sample repeats itself more: read from the samples' repeated_share() ("low":
    the cool one repeats more, "high": the hot one, "same": within SAME of each other)."""
    (low_t, low), (high_t, high) = sorted(samples.items())
    (lr, la), (hr, ha) = repeated_share(low), repeated_share(high)
    low_share, high_share = lr / max(la, 1), hr / max(ha, 1)
    right = "same" if abs(low_share - high_share) < SAME else "low" if low_share > high_share else "high"
    why = Message(f"quiz.char_3.why_{right}", low_t=low_t, high_t=high_t, n=REPEAT, chars=TEMPERATURE_CHARS,
                  low_repeated=lr, low_all=la, low=low_share, high_repeated=hr, high_all=ha, high=high_share,
                  points=abs(low_share - high_share) * 100, same=SAME * 100, scale=1 / low_t)
    return Reveal(right, why, Message("quiz.char_3.try"), {"char_temp": "3"})


def unit_candidates(acts: Tensor, feature: list[float], n: int = 4) -> tuple[int, ...]:
    """char_4's options: the unit that tracks the feature best and n - 1 others spread down the
    ranking (the middle, the last), in unit order (the order gives nothing away)."""
    ranked = [u for u, _ in rank_units(acts, feature, top=acts.shape[1])]
    if not ranked:
        return ()
    picks = {ranked[round(i * (len(ranked) - 1) / max(n - 1, 1))] for i in range(n)}
    return tuple(sorted(picks))


def neutral_unit(acts: Tensor, feature: list[float], candidates: tuple[int, ...]) -> int:
    """Where char_4's unit box starts before the reveal: a unit that is not a candidate (the middle
    of the others' ranking), so the first view colours the text by none of the answers; with no
    other unit (a model of 4 units or fewer), the candidate ranked last among them."""
    ranked = [u for u, _ in rank_units(acts, feature, top=acts.shape[1])]
    others = [u for u in ranked if u not in candidates]
    if others:
        return others[len(others) // 2]
    return [u for u in ranked if u in candidates][-1] if candidates else 1


class Joined:
    """A list said in the learner's language when shown: its items (Messages) joined by sep (a Message)."""

    def __init__(self, items: list[Message], sep: Message):
        self.items, self.sep = items, sep

    def __str__(self) -> str:
        return str(self.sep).join(str(m) for m in self.items)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


WIDER = 256  # char_4's try on a model narrower than this: a model this wide (the chapter's)
NARROWER = 16  # ... and on one this wide or wider: a narrow one


def unit_reveal(acts: Tensor, feature: list[float], candidates: tuple[int, ...], other: str | None = None) -> Reveal:
    """char_4, which of the candidate units tracks the feature most closely: the one rank_units()
    puts first among them (by |correlation| over the text acts was read on); the why quotes its
    correlation and the other candidates'; the try: another feature (other), when there is one,
    else another width (WIDER than the model's, or NARROWER when it is already that wide)."""
    r = dict(rank_units(acts, feature, top=acts.shape[1]))
    best = max(candidates, key=lambda u: abs(r[u]))
    others = Joined([Message("quiz.char_4.other", unit=u, r=r[u]) for u in candidates if u != best],
                    Message("quiz.char_4.sep"))
    units = acts.shape[1]
    why = Message("quiz.char_4.why", unit=best, r=r[best], others=others, chars=acts.shape[0], units=units)
    if other is not None:
        return Reveal(str(best), why, Message("quiz.char_4.try_feature"), {"char_feature": other})
    if units < WIDER:
        return Reveal(str(best), why, Message("quiz.char_4.try_wider", units=units, wider=WIDER),
                      {"char_hidden": str(WIDER)})
    return Reveal(str(best), why, Message("quiz.char_4.try_narrower", units=units, narrower=NARROWER),
                  {"char_hidden": str(NARROWER)})
