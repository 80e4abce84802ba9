"""How far back the char model looks (rnnviz.charspan): one batched backward pass equals one
pass per position; a model that learnt the embedded Reber grammar looks back to a line's
second symbol when it predicts the symbol that must repeat it, an untrained one and a plain
RNN do not; the other kinds train for the wall time they are given."""

from __future__ import annotations

import time
from dataclasses import replace
from functools import cache

import pytest
import torch

from rnnviz import charlm, charspan, charts, saliency
from rnnviz.data import grammar

K = 60  # steps back: every line of the grammar's held-out text fits


@cache
def reber() -> charlm.Corpus:
    return charlm.prepare(grammar.corpus(), charlm.CharConfig.held_out)


@cache
def trained(kind: str) -> charlm.Trained:
    """The page's default recipe (4 epochs on the grammar, early stopping) with this kind of cell."""
    model, snapshots = charlm.build(replace(charlm.CharConfig(), kind=kind), reber())
    for _ in snapshots:
        pass
    return model


def held_ids(t: charlm.Trained) -> torch.Tensor:
    return torch.tensor(t.vocab.encode(t.held_text))


def untrained(kind: str) -> charlm.CharLM:
    with charlm.seeded(0):
        return charlm.CharLM(len(reber().vocab), replace(charlm.CharConfig(), kind=kind))


@pytest.mark.parametrize("embedding", [0, 8])
def test_one_batched_pass_equals_one_pass_per_position(embedding):
    cfg = replace(charlm.CharConfig(), kind="LSTM", hidden_size=16, embedding=embedding, dropout=0.5)
    with charlm.seeded(1):
        model = charlm.CharLM(len(reber().vocab), cfg)
    ids, ends = reber().held_ids, torch.tensor([40, 41, 77, 300, 1000])
    batched = charspan.influence(model, ids, ends, 40)
    assert batched.shape == (5, 41) and (batched > 0).any()
    for b, t in enumerate(ends.tolist()):
        x = model.inputs(ids[t - 40:t + 1][None]).detach().requires_grad_(True)
        h, _ = model.rnn(x)
        torch.log_softmax(model.out(h[:, -1]), -1)[0, ids[t + 1]].backward()
        torch.testing.assert_close(batched[b], x.grad[0].norm(dim=-1).flip(0), atol=1e-6, rtol=0)
    assert not model.training, "read in eval mode: no dropout"


def opening_over_next(model: charlm.CharLM, ids: torch.Tensor, text: str) -> torch.Tensor:
    """At each position predicting a line's second-to-last symbol: the influence of the line's
    second symbol (which it must repeat) over that of the character right after it (always B)."""
    found = [(t, k) for t, k in charspan.closing(text, K) if t >= K][:60]
    rows = charspan.influence(model, ids, torch.tensor([t for t, _ in found]), K)
    return torch.stack([rows[i, k] / rows[i, k - 1] for i, (_, k) in enumerate(found)])


def test_a_model_that_learnt_the_grammar_looks_back_to_the_symbol_it_must_repeat():
    gru = trained("GRU")
    ids = held_ids(gru)
    text = gru.held_text
    learnt = opening_over_next(gru.model, ids, text)
    fresh = opening_over_next(untrained("GRU"), ids, text)
    # a learner picking such a position sees a bar at the line's second symbol taller than its neighbour's
    assert (learnt > 1).float().mean() >= 0.7, learnt
    assert (fresh > 1).float().mean() <= 0.1, fresh
    assert learnt.median() > 2 * fresh.median()


def test_an_lstm_looks_back_further_than_a_plain_rnn_trained_alike():
    lstm, rnn = trained("LSTM"), trained("RNN")
    ids = held_ids(lstm)
    assert (opening_over_next(lstm.model, ids, lstm.held_text) > 1).float().mean() >= 0.7
    assert (opening_over_next(rnn.model, ids, rnn.held_text) > 1).float().mean() <= 0.3
    # averaged over 200 positions the influence decays; the LSTM keeps more of it 10 steps back
    a_lstm, a_rnn = charspan.averaged(lstm.model, ids, K), charspan.averaged(rnn.model, ids, K)
    assert len(a_lstm.ends) == charspan.POSITIONS and a_lstm.span == saliency.span(a_lstm.profile)
    assert saliency.shares(a_lstm.profile)[10] > 2 * saliency.shares(a_rnn.profile)[10]


def test_the_average_is_kept_per_model_and_a_position_reads_its_own_text():
    gru = trained("GRU")
    ids = held_ids(gru)
    first = charspan.averaged(gru.model, ids, K)
    assert charspan.averaged(gru.model, ids, K) is first, "a knob change finds it computed"
    assert charspan.averaged(gru.model, ids, K + 1) is not first
    t = first.furthest
    p = charspan.position(gru, ids, t, K)
    assert p.context == gru.held_text[t - K:t + 1] and p.target == gru.held_text[t + 1]
    assert p.span == saliency.span(p.profile) and p.logp <= 0
    near_start = charspan.position(gru, ids, 5, K)
    assert near_start.K == 5 and len(near_start.profile) == 6, "capped by the text"
    frame = charspan.bars_frame(p)
    assert list(frame["k"]) == list(range(K + 1)) and frame["share"].max() == 1.0


def test_the_other_kinds_train_for_the_time_they_are_given():
    cfg = replace(charlm.CharConfig(), kind="RNN", hidden_size=8)
    began = time.perf_counter()
    twin = charspan.train_for(cfg, reber(), 1.0)
    wall = time.perf_counter() - began
    assert twin.kind == "RNN" and twin.steps > 10 and 1.0 <= twin.seconds < 1.5
    assert wall < 10, "the held-out scoring at the end is all that is added"
    assert twin.held_ppl < 8, "it learnt something: below uniform guessing among 8 symbols"
    assert [t.kind for t in charspan.twins(replace(cfg, kind="GRU"), reber(), 0.2)] == ["RNN", "LSTM"]


def test_the_coloured_text_is_escaped_and_frames_the_predicted_character():
    html = charts.influence_text("<b>&", [0.1, 0.2, 0.5, 1.0], "<")  # shares: k = 0 (the last read) first
    assert "<b>" not in html
    spans = html.split("<span")[1:]
    assert [s.split(">")[1].split("<")[0] for s in spans] == ["&lt;", "b", "&gt;", "&amp;", "&lt;"]
    assert 'title="+1.00"' in spans[0] and 'title="+0.10"' in spans[3]
    assert "outline" in spans[4] and "outline" not in "".join(spans[:4])


def test_a_flat_profile_does_not_break_the_charts_reach():
    """A text of one repeated character: nothing earlier changes the prediction (influence 0 at
    every k); the charts still get a reach (the bad-input catalogue's one-character text)."""
    assert charspan.shown_reach([torch.zeros(101)]) == 10
    assert charspan.shown_reach([torch.zeros(101), torch.tensor([1.0] * 30 + [0.0] * 71)]) == 32
