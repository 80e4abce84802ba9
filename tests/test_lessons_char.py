"""The char page's lessons, computed from real runs, each on the default seed and two others.

1. The chapter's recipe (d2l's "RNN from scratch" on the Jay Chou lyrics' first 10,000
   characters: one-hot, tanh RNN 256, SGD lr 100, θ 0.01, batch 32 × 35, 250 epochs, final
   weights) reaches a training perplexity <= 1.3, while its held-out perplexity is far above
   train and above the bigram baseline: memorisation, and the page's verdict says so.
2. "final weights" hands over epoch 250's weights (generation from 分开 is the printout's last
   sample, the held-out score its last); "best held-out" hands over the best epoch's.
3. The verdict function picks the sentence the run supports: memorised at epoch 250, not yet
   at epoch 10 of the same run, no memorisation for the page's fast default on the grammar.

The lyrics come through the page's real download path (rnnviz.data.text.fetch), served from
127.0.0.1 by tests/test_text.py's server into a tmp cache; they are never copied into the
project. The three 250-epoch runs are the cost of this file (about 2 minutes each on one
torch thread of this machine).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_text import reference_routes, serve

import rnnviz.data.text as T
from rnnviz import charlm as C
from rnnviz.data import grammar

SEEDS = (0, 1, 2)  # the page's default seed and two others
PREFIXES = ("分开", "不分开")  # the chapter's


@pytest.fixture(scope="module")
def lyrics_10k(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The chapter's text: the lyrics through fetch() from a local server, newlines as spaces, first 10,000."""
    cache, T.CACHE = T.CACHE, tmp_path_factory.mktemp("cache")
    try:
        with serve(reference_routes()) as srv:
            src = replace(T.SOURCES["lyrics"], url=srv.url("/jaychou_lyrics.txt.zip"))
            raw = T.read_text(src.name, T.fetch(src).read_bytes())
    finally:
        T.CACHE = cache
    return T.d2l_lyrics(raw, 10_000)


def train(cfg: C.CharConfig, text: str, prefixes: tuple[str, ...] = PREFIXES):
    corpus = C.prepare(text, cfg.held_out)
    model, snapshots = C.build(cfg, corpus, prefixes)
    return model, list(snapshots), corpus


class Runs(dict):
    """seed -> (model, snapshots, corpus) of the chapter's recipe, each trained to its end on first use
    (so each run's two minutes fall in one test, well inside pytest's per-test timeout)."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def __missing__(self, seed: int):
        self[seed] = train(replace(C.CHAPTER, seed=seed), self.text)
        return self[seed]


@pytest.fixture(scope="module")
def chapter(lyrics_10k: str) -> Runs:
    return Runs(lyrics_10k)


def epochs(snaps) -> list[dict]:
    return [s.info for s in snaps if "held_ppl" in s.info]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_chapters_recipe_memorises_the_first_10000_characters(chapter, seed):
    model, snaps, corpus = chapter[seed]
    assert len(corpus.vocab) == 1_027 and snaps[-1].step == snaps[-1].total == 2_000  # 250 epochs of 8 minibatches
    last = epochs(snaps)[-1]
    base = model.baselines
    assert last["epoch"] == 250 and not any(s.stopped for s in snaps)
    assert last["train_ppl"] <= 1.3, last["train_ppl"]
    # held-out: far above train (100x), above the bigram (and the unigram): memorised, not learnt
    assert last["held_ppl"] > 100 * last["train_ppl"] and last["held_ppl"] > base["unigram"] > base["bigram"], (
        last, base)
    assert C.memorisation(last["train_ppl"], last["held_ppl"], base).startswith("memorised")


@pytest.mark.parametrize("seed", SEEDS)
def test_the_printout_is_the_chapters_and_final_weights_are_epoch_250s(chapter, seed):
    model, snaps, corpus = chapter[seed]
    printed = [info for info in epochs(snaps) if "samples" in info]
    assert [info["epoch"] for info in printed] == [50, 100, 150, 200, 250]
    for info in printed:  # 50 characters written greedily from each of the chapter's prefixes
        assert {p: len(s) - len(p) for p, s in info["samples"].items()} == {"分开": 50, "不分开": 50}
        assert all(s.startswith(p) for p, s in info["samples"].items()) and info["seconds"] > 0
    end = snaps[-1].info
    assert end["kept_epoch"] == 250 and not end["early"]
    # the model handed over writes the printout's last sample, and scores its last held-out figure
    assert C.generate(model, model.vocab, "分开", 50, "greedy").text == printed[-1]["samples"]["分开"]
    assert C.perplexity(model, corpus.held_ids) == pytest.approx(end["held_ppl"], rel=1e-6)
    assert end["best_epoch"] < 250 and end["best_ppl"] < end["held_ppl"]  # the best epoch was another, not kept


@pytest.mark.parametrize("seed", SEEDS)
def test_best_held_out_weights_keep_the_best_epoch(lyrics_10k, chapter, seed):
    cfg = replace(C.CHAPTER, keep="best", patience=3, seed=seed)
    model, snaps, corpus = train(cfg, lyrics_10k)
    scored = epochs(snaps)
    best = min(scored, key=lambda info: info["held_ppl"])
    end = snaps[-1].info
    assert end["early"] and end["epoch"] == best["epoch"] + cfg.patience < 250  # stopped early
    assert end["kept_epoch"] == best["epoch"] and end["kept_ppl"] == best["held_ppl"]
    assert C.perplexity(model, corpus.held_ids) == pytest.approx(best["held_ppl"], rel=1e-6)
    # the same epochs as the final-weights run until it stopped: only what is kept differs
    final_run = epochs(chapter[seed][1])[:len(scored)]
    assert [i["held_ppl"] for i in final_run] == pytest.approx([i["held_ppl"] for i in scored], rel=1e-6)
    assert best["held_ppl"] < epochs(chapter[seed][1])[-1]["held_ppl"] / 10


@pytest.mark.parametrize("seed", SEEDS)
def test_the_verdict_follows_the_run(chapter, seed):
    model, snaps, _ = chapter[seed]
    base = model.baselines
    early = epochs(snaps)[9]  # epoch 10: the lyrics not learnt yet, nothing beyond pairs either
    assert early["train_ppl"] > C.NEAR_ONE and early["held_ppl"] > base["bigram"]
    assert C.memorisation(early["train_ppl"], early["held_ppl"], base) == "not_yet"
    # the page's fast default on the built-in grammar predicts held-out text better than the bigram
    text = grammar.corpus()
    fast = replace(C.RECIPES["fast"].config, seed=seed)
    model, snaps, _ = train(fast, text, ("B",))
    last = epochs(snaps)[-1]
    assert last["held_ppl"] < model.baselines["bigram"]
    assert C.memorisation(last["train_ppl"], last["held_ppl"], model.baselines) == "generalises"


def test_the_verdicts_thresholds():
    base = {"uniform": 1027.0, "unigram": 684.0, "bigram": 290.0}
    assert C.memorisation(1.2, 11_000.0, base) == "memorised_uniform"  # worse than guessing
    assert C.memorisation(1.2, 800.0, base) == "memorised"  # far above the bigram, below uniform
    assert C.memorisation(1.2, 250.0, base) == "generalises"  # below the bigram: learnt something general
    assert C.memorisation(150.0, 700.0, base) == "not_yet"
    assert C.memorisation(C.NEAR_ONE, 291.0, base) == "memorised" and C.memorisation(2.01, 291.0, base) == "not_yet"
