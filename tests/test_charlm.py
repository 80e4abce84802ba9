"""The character language model: corpus checks, n-gram baselines, training to its target on
the built-in grammar, reproducibility, carried state, generation, unit ranking."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace

import pytest
import torch

from rnnviz import charlm
from rnnviz.data import grammar
from rnnviz.data.text import CorpusError
from rnnviz.i18n import Problem

VALID_TARGET = 0.5  # share of valid generated strings after the default 4 epochs (gets ~0.87)
SMALL = charlm.CharConfig(hidden_size=16, batch_size=64, epochs=1)  # a few dozen cheap steps


@pytest.fixture(scope="module")
def reber() -> charlm.Corpus:
    return charlm.prepare(grammar.corpus(), charlm.CharConfig.held_out)


@pytest.fixture(scope="module")
def trained(reber: charlm.Corpus):
    """The page's default model on the built-in grammar, trained to the end: (charlm.Trained, snapshots)."""
    result, snapshots = charlm.build(charlm.CharConfig(), reber, ("\nB",), grammar.is_embedded_reber)
    return result, list(snapshots)


# ---------------------------------------------------------------- corpus and baselines


def test_prepare_splits_off_the_last_tenth(reber: charlm.Corpus):
    text = grammar.corpus()
    assert len(reber.train_ids) + len(reber.held_ids) == len(text)
    assert len(reber.held_ids) == pytest.approx(0.1 * len(text), abs=1)
    assert reber.vocab.decode(reber.held_ids.tolist()) == text[len(reber.train_ids):]
    assert set(reber.vocab.chars) == set("BTPSXVE\n")


def test_a_corpus_shorter_than_one_minibatch_is_explained():
    cfg = charlm.CharConfig()
    msg = str(charlm.too_short(charlm.prepare("hello", cfg.held_out), cfg))
    assert msg.startswith("The training text has 4 characters; one minibatch of 16 × 35 needs at least 596.")
    assert "smaller batch size or num_steps" in msg
    assert charlm.too_short(charlm.prepare(grammar.corpus(), cfg.held_out), cfg) is None


def test_a_held_out_part_too_short_to_score_is_explained():
    cfg = charlm.CharConfig(batch_size=2, num_steps=5, held_out=0.01)
    msg = str(charlm.too_short(charlm.prepare("abcdefghij" * 20, cfg.held_out), cfg))
    assert "held-out part is too short" in msg


def test_baselines_get_better_with_more_context(reber: charlm.Corpus):
    base = charlm.baselines(reber)
    assert base["uniform"] == len(reber.vocab) == 8
    assert base["uniform"] >= base["unigram"] >= base["bigram"]
    assert base["bigram"] < 0.5 * base["uniform"]  # the grammar is far from random


def test_the_bigram_baseline_is_witten_bell_by_hand():
    # train "aabab", held-out "ab": p(b | a) = (c(ab) + kinds(a) p_uni(b)) / (c(a.) + kinds(a))
    #                                        = (2 + 2 * 3/7) / (3 + 2) = 4/7
    vocab = charlm.Vocab.of("ab")
    corpus = charlm.Corpus("aababab", vocab, torch.tensor([0, 0, 1, 0, 1]), torch.tensor([0, 1]))
    base = charlm.baselines(corpus)
    assert base["bigram"] == pytest.approx(7 / 4)
    assert base["unigram"] == pytest.approx(math.sqrt(49 / 12))  # p(a) = 4/7, p(b) = 3/7 (add-one)


def large_vocabulary() -> charlm.Corpus:
    """2,000 symbols (lyrics-sized), skewed frequencies, each mostly followed by its successor."""
    rng = random.Random(0)
    ids, c = [], 0
    for _ in range(30_000):
        c = (c + 1) % 2000 if rng.random() < 0.7 else int(rng.paretovariate(1.0)) % 2000
        ids.append(c)
    chars = "".join(chr(0x4E00 + i) for i in range(2000))
    return charlm.Corpus(chars, charlm.Vocab.of(chars), torch.tensor(ids[:27_000]), torch.tensor(ids[27_000:]))


def test_the_bigram_beats_the_unigram_on_a_large_vocabulary():
    # add-one smoothing would drown the pairs in the vocabulary; the interpolated bigram keeps them
    base = charlm.baselines(large_vocabulary())
    assert base["bigram"] < 0.5 * base["unigram"] < base["uniform"]


def test_an_untrained_model_starts_at_the_unigram_not_at_uniform():
    corpus = large_vocabulary()
    result, _ = charlm.build(charlm.CharConfig(hidden_size=16), corpus)
    base = result.baselines
    assert charlm.perplexity(result.model, corpus.held_ids) < 1.2 * base["unigram"] < 0.5 * base["uniform"]


# ---------------------------------------------------------------- training


def test_the_default_model_beats_the_bigram_and_writes_valid_strings(reber: charlm.Corpus, trained):
    result, snaps = trained
    ends = [s for s in snaps if "held_ppl" in s.info]
    cfg = charlm.CharConfig()
    assert [s.info["epoch"] for s in ends] == list(range(1, len(ends) + 1)) and len(ends) <= cfg.epochs
    assert not any(s.stopped for s in snaps)
    last = ends[-1].info
    assert last["held_ppl"] < charlm.baselines(reber)["bigram"]
    assert last["held_ppl"] < ends[0].info["held_ppl"] or len(ends) == 1
    assert last["valid"] >= VALID_TARGET, [s.info["valid"] for s in ends]
    assert last["samples"]["\nB"].startswith("\nB")
    # the model handed over is the one scored last (or, after early stopping, the best epoch's)
    scored = min(s.info["held_ppl"] for s in ends) if "done" in snaps[-1].info else last["held_ppl"]
    assert charlm.perplexity(result.model, reber.held_ids) == pytest.approx(scored, rel=1e-4)


def test_every_step_reports_train_perplexity_and_the_gradient_norm(trained):
    _, snaps = trained
    assert all(math.isfinite(s.info["train_ppl"]) and s.grad_norm > 0 for s in snaps)
    assert snaps[-1].info["train_ppl"] < snaps[0].info["train_ppl"]


def test_the_same_config_gives_the_same_losses(reber: charlm.Corpus):
    assert SMALL.dropout > 0  # its masks come from the model's own generator
    histories = []
    for _ in range(2):
        _, snaps = charlm.build(SMALL, reber)
        torch.rand(3)  # another visitor drawing from the global generator changes nothing
        histories.append([s.loss for s in snaps])
    assert histories[0] == histories[1] and len(histories[0]) > 10
    _, snaps = charlm.build(replace(SMALL, seed=1), reber)
    assert [s.loss for s in snaps] != histories[0]


def _states_seen(cfg: charlm.CharConfig, corpus: charlm.Corpus, steps: int = 4):
    """The model and the (state argument, returned state) of its first training forwards."""
    result, snapshots = charlm.build(cfg, corpus)
    model, seen = result.model, []
    forward = model.forward

    def recording(X, state=None):
        logits, out = forward(X, state)
        seen.append((state, out))
        return logits, out

    model.forward = recording
    for _, _ in zip(range(steps), snapshots):
        pass
    return seen


def test_consecutive_sampling_carries_the_state_detached(reber: charlm.Corpus):
    seen = _states_seen(replace(SMALL, sampling="consecutive"), reber)
    assert seen[0][0] is None  # an epoch starts from zero
    for (_, previous_out), (given, _) in itertools.pairwise(seen):
        assert given is not None and torch.equal(given, previous_out.detach())
        assert given.grad_fn is None  # backprop stops at the minibatch's start


def test_random_sampling_starts_every_minibatch_from_zero(reber: charlm.Corpus):
    seen = _states_seen(SMALL, reber)
    assert len(seen) == 4 and all(given is None for given, _ in seen)


def test_lstm_state_is_carried_too(reber: charlm.Corpus):
    seen = _states_seen(replace(SMALL, kind="LSTM", sampling="consecutive"), reber, steps=2)
    h, c = seen[1][0]
    assert torch.equal(h, seen[0][1][0]) and torch.equal(c, seen[0][1][1]) and c.grad_fn is None


# ---------------------------------------------------------------- generation


@pytest.fixture(scope="module")
def untrained(reber: charlm.Corpus) -> charlm.Trained:
    """A fresh model: its flat predictions make sampling bugs show."""
    result, _ = charlm.build(SMALL, reber)
    return result


def test_greedy_is_deterministic_and_takes_the_most_likely(trained):
    model, vocab = trained[0].model, trained[0].vocab
    a = charlm.generate(model, vocab, "\nB", 40, "greedy", seed=1)
    b = charlm.generate(model, vocab, "\nB", 40, "greedy", seed=99)
    assert a.text == b.text and a.text.startswith("\nB") and len(a.text) == 42
    assert all(s["chosen"] == s["candidates"][0][0] for s in a.steps)
    # greedy ignores the temperature, even 0
    assert charlm.generate(model, vocab, "\nB", 40, "greedy", temperature=0.0).text == a.text


def test_the_trained_model_continues_the_grammar(trained):
    model, vocab = trained[0].model, trained[0].vocab
    # sampled (greedy decoding can loop on the grammar's T -> T self-loop, as greedy decoders do)
    lines = [charlm.generate(model, vocab, "\nB", 60, "temperature", 1.0, seed=k, stop="\n").text[1:].strip()
             for k in range(20)]
    assert sum(grammar.is_embedded_reber(line) for line in lines) >= 10, lines
    gen = charlm.generate(model, vocab, "\nB", 5, "greedy")
    assert gen.warmup.shape == (2, charlm.CharConfig.hidden_size)


def test_sampling_depends_on_the_seed_and_repeats_with_it(untrained):
    vocab = untrained.vocab
    a = charlm.generate(untrained.model, vocab, "B", 50, "temperature", 1.0, seed=3)
    assert charlm.generate(untrained.model, vocab, "B", 50, "temperature", 1.0, seed=3).text == a.text
    assert charlm.generate(untrained.model, vocab, "B", 50, "temperature", 1.0, seed=4).text != a.text


@pytest.mark.parametrize("temperature", [0.0, -1.0])
def test_a_temperature_of_zero_is_refused_with_a_reason(untrained, temperature):
    with pytest.raises(ValueError, match="temperature must be above 0.*pick greedy"):
        charlm.generate(untrained.model, untrained.vocab, "B", 10, "temperature", temperature)
    with pytest.raises(ValueError, match="temperature must be above 0"):
        charlm.generate(untrained.model, untrained.vocab, "B", 10, "top-k", temperature)


def test_a_prefix_outside_the_vocabulary_names_the_character(untrained):
    with pytest.raises(CorpusError, match="'a'"):
        charlm.generate(untrained.model, untrained.vocab, "Ba", 10)
    with pytest.raises(ValueError, match="at least one character"):
        charlm.generate(untrained.model, untrained.vocab, "", 10)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_only_ever_picks_among_the_top_k(untrained, k):
    gen = charlm.generate(untrained.model, untrained.vocab, "B", 300, "top-k", temperature=5.0, top_k=k, seed=0, shown=8)
    assert len(gen.steps) == 300
    for s in gen.steps:
        assert s["chosen"] in [ch for ch, _ in s["candidates"][:k]], s
    if k > 1:  # and it does sample: not always the first
        assert any(s["chosen"] != s["candidates"][0][0] for s in gen.steps)


def test_generation_stops_at_the_stop_character(trained):
    model, vocab = trained[0].model, trained[0].vocab
    gen = charlm.generate(model, vocab, "\n", 60, "temperature", 1.0, seed=0, stop="\n")
    assert gen.text.endswith("\n") and gen.text.count("\n") == 2


# ---------------------------------------------------------------- inside


def test_rank_units_finds_a_unit_that_tracks_a_feature():
    acts = torch.randn(200, 6, generator=torch.Generator().manual_seed(0))
    feature = torch.arange(200.0)
    acts[:, 3] = 0.5 * feature + torch.randn(200, generator=torch.Generator().manual_seed(1))
    acts[:, 1] = -feature
    ranked = charlm.rank_units(acts, feature.tolist(), top=3)
    assert [u for u, _ in ranked[:2]] == [2, 4]  # units are numbered from 1, as on the page
    assert ranked[0][1] == pytest.approx(-1.0, abs=1e-4) and ranked[1][1] > 0.99


def test_rank_units_returns_nothing_for_a_constant_feature():
    assert charlm.rank_units(torch.randn(50, 4), [1.0] * 50) == []


def test_features_follow_the_text():
    f = charlm.features('a "b" (c)\nd')
    assert f["inside quotes"][:5] == [0.0, 0.0, 1.0, 1.0, 0.0]
    assert f["bracket depth"][6:9] == [1.0, 1.0, 0.0]
    assert f["position in the line"][-2:] == [0.0, 1.0]
    assert f["after a space"][2] == 1.0


# ---------------------------------------------------------------- the cost estimate (rnnviz.cost)


def _cpu_seconds(cfg: charlm.CharConfig, corpus: charlm.Corpus, name: str) -> float:
    """This thread's CPU seconds for the run as the page starts it (its prefixes, validity on the grammar)."""
    from rnnviz import cost

    validity = grammar.is_embedded_reber if name == "reber" else None
    prefixes = ("B",) if name == "reber" else (corpus.text[:2], corpus.text[2:5])  # one prefix, or two as the lyrics
    _, snapshots = charlm.build(cfg, corpus, prefixes, validity)
    t0 = cost.CPU()
    for _ in snapshots:
        pass
    return cost.CPU() - t0


def test_the_estimate_is_near_the_cpu_time_of_a_run(reber: charlm.Corpus):
    """The Train button's "about N s" and the auto-start threshold rest on it: on the default
    (GRU, 8 characters) and on a chapter-shaped run (a tanh RNN of 256 over one-hot input of
    about a thousand characters, SGD) the estimate is within a factor of two of the CPU time
    the run takes (CPU, not wall: other jobs on the machine slow the wall clock, not the work)."""
    from rnnviz import cost

    rng = random.Random(0)
    cjk = [chr(0x4E00 + i) for i in range(1000)]
    text = "".join(rng.choice(cjk[:rng.choice((30, 1000))]) for _ in range(10_000))  # frequent and rare characters
    wide = charlm.prepare(text, 0.1)
    chapter = replace(charlm.CHAPTER, epochs=3)
    for name, corpus, cfg in (("reber", reber, replace(charlm.CharConfig(), epochs=2)), ("lyrics", wide, chapter)):
        estimate = cost.seconds(charlm.RunKey(corpus=name, length=len(corpus.text), config=cfg), len(corpus.vocab))
        ratio = estimate / _cpu_seconds(cfg, corpus, name)
        assert 0.5 <= ratio <= 2.0, (name, estimate, ratio)


def test_the_estimate_counts_validity_samples_only_on_the_grammar():
    """The page checks generated lines for validity on the built-in grammar only: about a
    dozen characters each (one string and its newline), not 60; other corpora get the
    printout's characters alone (two prefixes there)."""
    from rnnviz import cost

    cfg = charlm.CharConfig()
    reber = cost.work(charlm.RunKey(corpus="reber", length=39_160, config=cfg), 8)
    lines = cost.work(charlm.RunKey(corpus="shakespeare", length=39_160, config=cfg), 8)
    assert reber.tokens == cfg.epochs * (charlm.PRINT_CHARS + charlm.VALIDITY_SAMPLES * (cost.REBER_LINE + 1))
    assert lines.tokens == cfg.epochs * 2 * charlm.PRINT_CHARS
    assert cost.PRINT_CHARS == charlm.PRINT_CHARS and cost.VALIDITY == charlm.VALIDITY_SAMPLES
    text = grammar.corpus()
    lengths = [len(s) for s in text.split("\n")]
    assert abs(sum(lengths) / len(lengths) - cost.REBER_LINE) < 1


def test_a_one_hot_input_is_not_counted_as_a_backward_input():
    """A one-hot input needs no gradient: its W_xh costs forward and W_xh's gradient (2×), a
    learnt embedding's output needs one (3×, with the other layers)."""
    from rnnviz import cost

    one_hot = cost.work(charlm.RunKey(corpus="lyrics", length=10_000, config=charlm.CHAPTER), 1_027)
    embedded = cost.work(charlm.RunKey(corpus="lyrics", length=10_000, config=replace(charlm.CHAPTER, embedding=1_027)), 1_027)
    assert one_hot.input_macs > 0 and embedded.input_macs == 0
    assert one_hot.input_macs + one_hot.train_macs == pytest.approx(embedded.train_macs)


def test_train_and_held_out_that_coincide_are_said_and_both_drawn():
    """Tiny Shakespeare's 6.28 and 6.27: close enough that one line would hide the other."""
    import pandas as pd

    from rnnviz.charts import perplexity_chart

    assert charlm.curves_close(6.28, 6.27) and not charlm.curves_close(4.0, 5.0)
    ppl = pd.DataFrame({"epoch": [1, 2, 1, 2], "perplexity": [6.5, 6.27, 6.6, 6.28],
                        "curve": ["held-out", "held-out", "train", "train"]})
    spec = perplexity_chart(ppl, {"uniform": 65.0, "unigram": 30.0, "bigram": 12.0}, "Perplexity", "epoch",
                            "perplexity (log)").to_dict()
    lines = spec["layer"][-1]["layer"]  # train first, held-out drawn last: on top
    assert [part["transform"][0]["filter"] for part in lines] == ["(datum.curve === 'train')",
                                                                  "(datum.curve === 'held-out')"]
    dash = lines[0]["encoding"]["strokeDash"]["scale"]
    assert dash["domain"] == ["held-out", "train"] and dash["range"][0] != dash["range"][1]  # held-out dashed


# ---------------------------------------------------------------- what the page is handed (typed, language-neutral)


def test_a_run_key_names_its_parts_and_keys_a_dict():
    key = charlm.RunKey(corpus="reber", length=39_160, config=charlm.CharConfig())
    assert key == charlm.RunKey("reber", 39_160, charlm.CharConfig()) and {key: 1}[key] == 1
    assert key != replace(key, length=39_161) and key != replace(key, config=replace(key.config, seed=1))
    assert (key.corpus, key.length, key.config.kind) == ("reber", 39_160, "GRU")


def test_build_hands_over_the_model_with_its_vocabulary_baselines_and_held_out_text(reber: charlm.Corpus):
    result, _ = charlm.build(SMALL, reber)
    assert result.vocab is reber.vocab and result.baselines == charlm.baselines(reber)
    assert result.held_text == grammar.corpus()[len(reber.train_ids):]
    assert result.state_dict().keys() == result.model.state_dict().keys()
    assert not hasattr(result.model, "vocab")  # nothing set on the model after construction


def test_the_minibatches_run_through_every_epoch_in_order(reber: charlm.Corpus):
    cfg = replace(SMALL, epochs=3)
    epochs = [epoch for epoch, X, Y in charlm.minibatches(reber, cfg)]
    per_epoch = len(reber.train_ids) // (cfg.batch_size * cfg.num_steps)
    assert epochs == sorted(epochs) and set(epochs) == {1, 2, 3} and abs(len(epochs) - 3 * per_epoch) <= 3


def test_the_engine_hands_messages_not_words(trained):
    cfg = charlm.CharConfig()
    short = charlm.too_short(charlm.prepare("hello", cfg.held_out), cfg)
    assert short.key == "char.check.too_short" and short.values["need"] == 16 * 35 + 35 + 1
    end = trained[1][-1]
    done = end.info["done"]
    assert done == charlm.done_message(end.info, cfg) and done.key in ("char.check.all_done", "char.check.stopped_early")
    assert str(done.values["kept"]).startswith(f"kept the weights of epoch {end.info['best_epoch']}")
    lesson = charlm.lesson(end.info, trained[0], len(grammar.corpus()))
    assert lesson.key == "char.lesson.generalises"  # the default beats the bigram
    assert lesson.values["chars"] == len(grammar.corpus()) - len(trained[0].held_text)
    used = charlm.weights_used(end, cfg.keep, stopped=False)
    assert used.key in ("char.gen.uses_best", "char.gen.uses_best_all") and used.values["epoch"] == end.info["kept_epoch"]
    assert charlm.weights_used(end, cfg.keep, stopped=True).key == "char.gen.uses_stopped"
    with pytest.raises(Problem) as raised:
        charlm.generate(trained[0].model, trained[0].vocab, "", 5)
    assert raised.value.message.key == "char.check.no_prefix"


def test_the_run_frames_have_stable_columns_and_values(trained):
    snaps = trained[1]
    ppl = charlm.perplexity_frame(snaps)
    scored = [s for s in snaps if "held_ppl" in s.info]
    assert list(ppl.columns) == ["epoch", "perplexity", "curve"] and list(dict.fromkeys(ppl["curve"])) == [
        "held_out", "train"]
    assert len(ppl) == 2 * len(scored) and ppl["perplexity"].iloc[0] == scored[0].info["held_ppl"]
    norms = charlm.gradient_norms(snaps, 1.0)
    assert list(norms.columns) == ["step", "norm", "grad_norm"] and list(dict.fromkeys(norms["norm"])) == [
        "before", "after"]
    after = norms[norms["norm"] == "after"]["grad_norm"]
    assert after.max() <= 1.0 and len(after) == len(snaps)
    clipped = sum(s.grad_norm > 1.0 for s in snaps)
    assert charlm.clipped_share(snaps, 1.0) == clipped / len(snaps)
    assert charlm.clipped_share(snaps, math.inf) == 0.0


def test_the_generation_tables_show_whitespace(trained):
    gen = charlm.generate(trained[0].model, trained[0].vocab, "B\nB", 25, "greedy")
    cand = charlm.candidates(gen)
    assert list(cand.columns) == ["#", "chosen", "top_1", "top_2", "top_3", "top_4", "top_5"] and len(cand) == 20
    assert "\n" not in "".join(cand["chosen"]) and (cand["chosen"] == cand["top_1"].str.split(" ").str[0]).all()
    warm = charlm.warmup_frame(gen, "B\nB", units=4)
    assert list(warm.columns) == ["t", "char", "unit", "value"] and len(warm) == 3 * 4
    assert list(dict.fromkeys(warm["char"])) == ["1 B", "2 ⏎", "3 B"]


def test_features_that_do_not_vary_are_left_out_and_prefixes_fit_the_text():
    assert list(charlm.varying_features("ab cd ef")) == ["after a space"]  # no quotes, brackets or lines
    assert list(charlm.varying_features("abc")) == list(charlm.features("abc"))  # nothing varies: all of them
    assert charlm.prefixes_for("lyrics", "分开了不分开") == ("分开", "不分开")
    assert charlm.prefixes_for("shakespeare", "ROMEO: hi") == ("ROMEO:",)  # JULIET: has letters the text lacks
    assert charlm.prefixes_for("cats.txt", "cats") == ("ca",)
