"""The character language model: corpus checks, n-gram baselines, training to its target on
the built-in grammar, reproducibility, carried state, generation, unit ranking."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace

import pytest
import torch

from rnnviz import charlm as C
from rnnviz.data import grammar
from rnnviz.data.text import CorpusError

VALID_TARGET = 0.5  # share of valid generated strings after the default 4 epochs (gets ~0.87)
SMALL = C.CharConfig(hidden_size=16, batch_size=64, epochs=1)  # a few dozen cheap steps


@pytest.fixture(scope="module")
def reber() -> C.Corpus:
    return C.prepare(grammar.corpus(), C.CharConfig.held_out)


@pytest.fixture(scope="module")
def trained(reber: C.Corpus):
    """The page's default model on the built-in grammar, trained to the end: (model, snapshots)."""
    model, snapshots = C.build(C.CharConfig(), reber, ("\nB",), grammar.is_embedded_reber)
    return model, list(snapshots)


# ---------------------------------------------------------------- corpus and baselines


def test_prepare_splits_off_the_last_tenth(reber: C.Corpus):
    text = grammar.corpus()
    assert len(reber.train_ids) + len(reber.held_ids) == len(text)
    assert len(reber.held_ids) == pytest.approx(0.1 * len(text), abs=1)
    assert reber.vocab.decode(reber.held_ids.tolist()) == text[len(reber.train_ids):]
    assert set(reber.vocab.chars) == set("BTPSXVE\n")


def test_a_corpus_shorter_than_one_minibatch_is_explained():
    cfg = C.CharConfig()
    msg = C.too_short(C.prepare("hello", cfg.held_out), cfg)
    assert msg.startswith("The training text has 4 characters; one minibatch of 16 × 35 needs at least 596.")
    assert "smaller batch size or num_steps" in msg
    assert C.too_short(C.prepare(grammar.corpus(), cfg.held_out), cfg) == ""


def test_a_held_out_part_too_short_to_score_is_explained():
    cfg = C.CharConfig(batch_size=2, num_steps=5, held_out=0.01)
    msg = C.too_short(C.prepare("abcdefghij" * 20, cfg.held_out), cfg)
    assert "held-out part is too short" in msg


def test_baselines_get_better_with_more_context(reber: C.Corpus):
    base = C.baselines(reber)
    assert base["uniform"] == len(reber.vocab) == 8
    assert base["uniform"] >= base["unigram"] >= base["bigram"]
    assert base["bigram"] < 0.5 * base["uniform"]  # the grammar is far from random


def test_the_bigram_baseline_is_witten_bell_by_hand():
    # train "aabab", held-out "ab": p(b | a) = (c(ab) + kinds(a) p_uni(b)) / (c(a.) + kinds(a))
    #                                        = (2 + 2 * 3/7) / (3 + 2) = 4/7
    vocab = C.Vocab.of("ab")
    corpus = C.Corpus("aababab", vocab, torch.tensor([0, 0, 1, 0, 1]), torch.tensor([0, 1]))
    base = C.baselines(corpus)
    assert base["bigram"] == pytest.approx(7 / 4)
    assert base["unigram"] == pytest.approx(math.sqrt(49 / 12))  # p(a) = 4/7, p(b) = 3/7 (add-one)


def large_vocabulary() -> C.Corpus:
    """2,000 symbols (lyrics-sized), skewed frequencies, each mostly followed by its successor."""
    rng = random.Random(0)
    ids, c = [], 0
    for _ in range(30_000):
        c = (c + 1) % 2000 if rng.random() < 0.7 else int(rng.paretovariate(1.0)) % 2000
        ids.append(c)
    chars = "".join(chr(0x4E00 + i) for i in range(2000))
    return C.Corpus(chars, C.Vocab.of(chars), torch.tensor(ids[:27_000]), torch.tensor(ids[27_000:]))


def test_the_bigram_beats_the_unigram_on_a_large_vocabulary():
    # add-one smoothing would drown the pairs in the vocabulary; the interpolated bigram keeps them
    base = C.baselines(large_vocabulary())
    assert base["bigram"] < 0.5 * base["unigram"] < base["uniform"]


def test_an_untrained_model_starts_at_the_unigram_not_at_uniform():
    corpus = large_vocabulary()
    model, _ = C.build(C.CharConfig(hidden_size=16), corpus)
    base = model.baselines
    assert C.perplexity(model, corpus.held_ids) < 1.2 * base["unigram"] < 0.5 * base["uniform"]


# ---------------------------------------------------------------- training


def test_the_default_model_beats_the_bigram_and_writes_valid_strings(reber: C.Corpus, trained):
    model, snaps = trained
    ends = [s for s in snaps if "held_ppl" in s.info]
    cfg = C.CharConfig()
    assert [s.info["epoch"] for s in ends] == list(range(1, len(ends) + 1)) and len(ends) <= cfg.epochs
    assert not any(s.stopped for s in snaps)
    last = ends[-1].info
    assert last["held_ppl"] < C.baselines(reber)["bigram"]
    assert last["held_ppl"] < ends[0].info["held_ppl"] or len(ends) == 1
    assert last["valid"] >= VALID_TARGET, [s.info["valid"] for s in ends]
    assert last["samples"]["\nB"].startswith("\nB")
    # the model handed over is the one scored last (or, after early stopping, the best epoch's)
    scored = min(s.info["held_ppl"] for s in ends) if "done" in snaps[-1].info else last["held_ppl"]
    assert C.perplexity(model, reber.held_ids) == pytest.approx(scored, rel=1e-4)


def test_every_step_reports_train_perplexity_and_the_gradient_norm(trained):
    _, snaps = trained
    assert all(math.isfinite(s.info["train_ppl"]) and s.grad_norm > 0 for s in snaps)
    assert snaps[-1].info["train_ppl"] < snaps[0].info["train_ppl"]


def test_the_same_config_gives_the_same_losses(reber: C.Corpus):
    assert SMALL.dropout > 0  # its masks come from the model's own generator
    histories = []
    for _ in range(2):
        _, snaps = C.build(SMALL, reber)
        torch.rand(3)  # another visitor drawing from the global generator changes nothing
        histories.append([s.loss for s in snaps])
    assert histories[0] == histories[1] and len(histories[0]) > 10
    _, snaps = C.build(replace(SMALL, seed=1), reber)
    assert [s.loss for s in snaps] != histories[0]


def _states_seen(cfg: C.CharConfig, corpus: C.Corpus, steps: int = 4):
    """The model and the (state argument, returned state) of its first training forwards."""
    model, snapshots = C.build(cfg, corpus)
    seen = []
    forward = model.forward

    def recording(X, state=None):
        logits, out = forward(X, state)
        seen.append((state, out))
        return logits, out

    model.forward = recording
    for _, _ in zip(range(steps), snapshots):
        pass
    return seen


def test_consecutive_sampling_carries_the_state_detached(reber: C.Corpus):
    seen = _states_seen(replace(SMALL, sampling="consecutive"), reber)
    assert seen[0][0] is None  # an epoch starts from zero
    for (_, previous_out), (given, _) in itertools.pairwise(seen):
        assert given is not None and torch.equal(given, previous_out.detach())
        assert given.grad_fn is None  # backprop stops at the minibatch's start


def test_random_sampling_starts_every_minibatch_from_zero(reber: C.Corpus):
    seen = _states_seen(SMALL, reber)
    assert len(seen) == 4 and all(given is None for given, _ in seen)


def test_lstm_state_is_carried_too(reber: C.Corpus):
    seen = _states_seen(replace(SMALL, kind="LSTM", sampling="consecutive"), reber, steps=2)
    h, c = seen[1][0]
    assert torch.equal(h, seen[0][1][0]) and torch.equal(c, seen[0][1][1]) and c.grad_fn is None


# ---------------------------------------------------------------- generation


@pytest.fixture(scope="module")
def untrained(reber: C.Corpus) -> C.CharLM:
    """A fresh model: its flat predictions make sampling bugs show."""
    model, _ = C.build(SMALL, reber)
    return model


def test_greedy_is_deterministic_and_takes_the_most_likely(trained):
    model, _ = trained
    a = C.generate(model, model.vocab, "\nB", 40, "greedy", seed=1)
    b = C.generate(model, model.vocab, "\nB", 40, "greedy", seed=99)
    assert a.text == b.text and a.text.startswith("\nB") and len(a.text) == 42
    assert all(s["chosen"] == s["candidates"][0][0] for s in a.steps)
    # greedy ignores the temperature, even 0
    assert C.generate(model, model.vocab, "\nB", 40, "greedy", temperature=0.0).text == a.text


def test_the_trained_model_continues_the_grammar(trained):
    model, _ = trained
    # sampled (greedy decoding can loop on the grammar's T -> T self-loop, as greedy decoders do)
    lines = [C.generate(model, model.vocab, "\nB", 60, "temperature", 1.0, seed=k, stop="\n").text[1:].strip()
             for k in range(20)]
    assert sum(grammar.is_embedded_reber(line) for line in lines) >= 10, lines
    gen = C.generate(model, model.vocab, "\nB", 5, "greedy")
    assert gen.warmup.shape == (2, C.CharConfig.hidden_size)


def test_sampling_depends_on_the_seed_and_repeats_with_it(untrained):
    vocab = untrained.vocab
    a = C.generate(untrained, vocab, "B", 50, "temperature", 1.0, seed=3)
    assert C.generate(untrained, vocab, "B", 50, "temperature", 1.0, seed=3).text == a.text
    assert C.generate(untrained, vocab, "B", 50, "temperature", 1.0, seed=4).text != a.text


@pytest.mark.parametrize("temperature", [0.0, -1.0])
def test_a_temperature_of_zero_is_refused_with_a_reason(untrained, temperature):
    with pytest.raises(ValueError, match="temperature must be above 0.*pick greedy"):
        C.generate(untrained, untrained.vocab, "B", 10, "temperature", temperature)
    with pytest.raises(ValueError, match="temperature must be above 0"):
        C.generate(untrained, untrained.vocab, "B", 10, "top-k", temperature)


def test_a_prefix_outside_the_vocabulary_names_the_character(untrained):
    with pytest.raises(CorpusError, match="'a'"):
        C.generate(untrained, untrained.vocab, "Ba", 10)
    with pytest.raises(ValueError, match="at least one character"):
        C.generate(untrained, untrained.vocab, "", 10)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_only_ever_picks_among_the_top_k(untrained, k):
    gen = C.generate(untrained, untrained.vocab, "B", 300, "top-k", temperature=5.0, top_k=k, seed=0, shown=8)
    assert len(gen.steps) == 300
    for s in gen.steps:
        assert s["chosen"] in [ch for ch, _ in s["candidates"][:k]], s
    if k > 1:  # and it does sample: not always the first
        assert any(s["chosen"] != s["candidates"][0][0] for s in gen.steps)


def test_generation_stops_at_the_stop_character(trained):
    model, _ = trained
    gen = C.generate(model, model.vocab, "\n", 60, "temperature", 1.0, seed=0, stop="\n")
    assert gen.text.endswith("\n") and gen.text.count("\n") == 2


# ---------------------------------------------------------------- inside


def test_rank_units_finds_a_unit_that_tracks_a_feature():
    acts = torch.randn(200, 6, generator=torch.Generator().manual_seed(0))
    feature = torch.arange(200.0)
    acts[:, 3] = 0.5 * feature + torch.randn(200, generator=torch.Generator().manual_seed(1))
    acts[:, 1] = -feature
    ranked = C.rank_units(acts, feature.tolist(), top=3)
    assert [u for u, _ in ranked[:2]] == [2, 4]  # units are numbered from 1, as on the page
    assert ranked[0][1] == pytest.approx(-1.0, abs=1e-4) and ranked[1][1] > 0.99


def test_rank_units_returns_nothing_for_a_constant_feature():
    assert C.rank_units(torch.randn(50, 4), [1.0] * 50) == []


def test_features_follow_the_text():
    f = C.features('a "b" (c)\nd')
    assert f["inside quotes"][:5] == [0.0, 0.0, 1.0, 1.0, 0.0]
    assert f["bracket depth"][6:9] == [1.0, 1.0, 0.0]
    assert f["position in the line"][-2:] == [0.0, 1.0]
    assert f["after a space"][2] == 1.0


# ---------------------------------------------------------------- the cost estimate (rnnviz.cost)


def _cpu_seconds(cfg: C.CharConfig, corpus: C.Corpus, name: str) -> float:
    """This thread's CPU seconds for the run as the page starts it (its prefixes, validity on the grammar)."""
    from rnnviz import cost

    validity = grammar.is_embedded_reber if name == "reber" else None
    prefixes = ("B",) if name == "reber" else (corpus.text[:2], corpus.text[2:5])  # one prefix, or two as the lyrics
    _, snapshots = C.build(cfg, corpus, prefixes, validity)
    t0 = cost.CPU()
    for _ in snapshots:
        pass
    return cost.CPU() - t0


def test_the_estimate_is_near_the_cpu_time_of_a_run(reber: C.Corpus):
    """The Train button's "about N s" and the auto-start threshold rest on it: on the default
    (GRU, 8 characters) and on a chapter-shaped run (a tanh RNN of 256 over one-hot input of
    about a thousand characters, SGD) the estimate is within a factor of two of the CPU time
    the run takes (CPU, not wall: other jobs on the machine slow the wall clock, not the work)."""
    from rnnviz import cost

    rng = random.Random(0)
    cjk = [chr(0x4E00 + i) for i in range(1000)]
    text = "".join(rng.choice(cjk[:rng.choice((30, 1000))]) for _ in range(10_000))  # frequent and rare characters
    wide = C.prepare(text, 0.1)
    chapter = replace(C.CHAPTER, epochs=3)
    for name, corpus, cfg in (("reber", reber, replace(C.CharConfig(), epochs=2)), ("lyrics", wide, chapter)):
        estimate = cost.seconds((name, len(corpus.text), cfg), len(corpus.vocab))
        ratio = estimate / _cpu_seconds(cfg, corpus, name)
        assert 0.5 <= ratio <= 2.0, (name, estimate, ratio)


def test_the_estimate_counts_validity_samples_only_on_the_grammar():
    """The page checks generated lines for validity on the built-in grammar only: about a
    dozen characters each (one string and its newline), not 60; other corpora get the
    printout's characters alone (two prefixes there)."""
    from rnnviz import cost

    cfg = C.CharConfig()
    reber = cost.work(("reber", 39_160, cfg), 8)
    lines = cost.work(("shakespeare", 39_160, cfg), 8)
    assert reber.tokens == cfg.epochs * (C.PRINT_CHARS + C.VALIDITY_SAMPLES * (cost.REBER_LINE + 1))
    assert lines.tokens == cfg.epochs * 2 * C.PRINT_CHARS
    assert cost.PRINT_CHARS == C.PRINT_CHARS and cost.VALIDITY == C.VALIDITY_SAMPLES
    text = grammar.corpus()
    lengths = [len(s) for s in text.split("\n")]
    assert abs(sum(lengths) / len(lengths) - cost.REBER_LINE) < 1


def test_a_one_hot_input_is_not_counted_as_a_backward_input():
    """A one-hot input needs no gradient: its W_xh costs forward and W_xh's gradient (2×), a
    learnt embedding's output needs one (3×, with the other layers)."""
    from rnnviz import cost

    one_hot = cost.work(("lyrics", 10_000, C.CHAPTER), 1_027)
    embedded = cost.work(("lyrics", 10_000, replace(C.CHAPTER, embedding=1_027)), 1_027)
    assert one_hot.input_macs > 0 and embedded.input_macs == 0
    assert one_hot.input_macs + one_hot.train_macs == pytest.approx(embedded.train_macs)


def test_train_and_held_out_that_coincide_are_said_and_both_drawn():
    """Tiny Shakespeare's 6.28 and 6.27: close enough that one line would hide the other."""
    import pandas as pd

    from rnnviz.charts import perplexity_chart

    assert C.curves_close(6.28, 6.27) and not C.curves_close(4.0, 5.0)
    ppl = pd.DataFrame({"epoch": [1, 2, 1, 2], "perplexity": [6.5, 6.27, 6.6, 6.28],
                        "curve": ["held-out", "held-out", "train", "train"]})
    spec = perplexity_chart(ppl, {"uniform": 65.0, "unigram": 30.0, "bigram": 12.0}).to_dict()
    lines = spec["layer"][-1]["layer"]  # train first, held-out drawn last: on top
    assert [part["transform"][0]["filter"] for part in lines] == ["(datum.curve === 'train')",
                                                                  "(datum.curve === 'held-out')"]
    dash = lines[0]["encoding"]["strokeDash"]["scale"]
    assert dash["domain"] == ["held-out", "train"] and dash["range"][0] != dash["range"][1]  # held-out dashed
