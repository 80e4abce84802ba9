"""The RNN-unrolling experiments: the worked example, hello -> ohlol, gradients through time."""

import itertools
import math
import sys
from pathlib import Path

import pandas as pd
import pytest
import torch
from streamlit.testing.v1 import AppTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import reference_hello as R

from rnnviz import charts
from rnnviz import unrolling as U


@pytest.mark.parametrize("variant", list(U.VARIANTS))
def test_default_seed_solves_hello_within_15_epochs(variant):
    cfg = U.HelloConfig(variant, U.LR_OF_VARIANT[variant])
    model = U.hello_model(cfg)
    predicted = [s.info["predicted"] for s in U.train_hello(cfg, model)]
    assert len(predicted) == 15
    assert "ohlol" in predicted


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("variant", list(U.VARIANTS))
def test_hello_prints_what_the_notes_code_prints(variant, seed):
    """The notes' scripts (bench/reference_hello.py) and the engine, same seed and the notes'
    learning rate: the same predicted string and loss on every printed line, in the notes' format."""
    cfg = U.HelloConfig(variant, U.LR_OF_VARIANT[variant], 15, seed)
    assert cfg.lr == R.NOTES_LR[variant]  # the page's default is the notes' recipe
    ours = list(U.train_hello(cfg, U.hello_model(cfg)))
    ref = R.RUN[variant](seed)
    assert [s.info["predicted"] for s in ours] == ref["predicted"]
    assert [s.loss for s in ours] == pytest.approx(ref["losses"], rel=1e-5)
    line = U.printout_line(variant, ours[0].info["predicted"], 1, 15, ours[0].loss)
    if variant == "cell":  # print('Predicted string: ' + ..., end=''); print(', Epoch [%d/15] loss=%.4f' % ...)
        assert line == f"Predicted string: {ref['predicted'][0]}, Epoch [1/15] loss={ref['losses'][0]:.4f}"
    else:  # print('Predicted: ', ..., end=''); print(', Epoch [%d/15] loss = %.3f' % ...)
        assert line == f"Predicted:  {ref['predicted'][0]}, Epoch [1/15] loss = {ref['losses'][0]:.3f}"


def test_the_cell_loss_is_the_sum_and_the_others_the_mean():
    """The notes: loss += criterion(...) per letter in the RNNCell loop; one mean over (5, 4) with nn.RNN.
    Same weights, same letters: the sum is 5 times the mean."""
    cell = U.hello_model(U.HelloConfig("cell"))
    rnn = U.HelloTagger("rnn")
    rnn.rnn.load_state_dict({k + "_l0": v for k, v in cell.rnn.state_dict().items()})
    x, y = U.encode(U.HELLO_IN), U.encode(U.HELLO_OUT)
    summed, mean = U.hello_loss(cell, cell(x), y), U.hello_loss(rnn, rnn(x), y)
    assert float(summed.detach()) == pytest.approx(5 * float(mean.detach()), rel=1e-5)


def test_solved_from_and_first_solved():
    assert U.first_solved(["ohlll", "ohlol", "ohool", "ohlol"]) == 2
    assert U.solved_from(["ohlll", "ohlol", "ohool", "ohlol"]) == 4
    assert U.solved_from(["ohlol", "ohlol"]) == 1
    assert U.solved_from(["ohlol", "ohool"]) is None and U.first_solved(["ohlll"]) is None


def test_a_model_that_did_not_learn_the_two_ls_is_told_so():
    """Seed 0, the RNNCell recipe: "ohlll" after 15 epochs, the same letter at both l's."""
    cfg = U.HelloConfig("cell", 0.1, 15, 0)
    model = U.hello_model(cfg)
    predicted = [s.info["predicted"] for s in U.train_hello(cfg, model)]
    assert U.first_solved(predicted) is None
    mem = U.memory_check(model)
    assert not mem.told_apart and mem.right == 4


def test_the_embedding_frame_is_the_learnt_table():
    model = U.hello_model(U.HelloConfig("embed", 0.05))
    emb = U.embedding_frame(model)
    assert len(emb) == 4 * 10 and list(emb["letter"].unique()) == list(U.HELLO_CHARS)
    assert emb["value"].tolist()[:10] == pytest.approx(model.emb.weight[0].tolist())
    assert U.embedding_frame(U.hello_model(U.HelloConfig("cell"))) is None


def test_hello_hidden_frame_has_every_layer_unit_and_letter():
    cfg = U.HelloConfig("embed", 0.05)
    model = U.hello_model(cfg)
    df = U.hello_hidden_frame(model)
    assert set(df["layer"]) == {1, 2}
    assert len(df) == 5 * 8 * 2
    assert list(df[(df.layer == 1) & (df.unit == 1)]["char"]) == ["1:h", "2:e", "3:l", "4:l", "5:o"]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("num_layers", [1, 3])
def test_step_numbers_add_up(batch_first, num_layers):
    ex = U.worked_example(U.UnrollConfig(seq_len=4, batch_size=2, num_layers=num_layers, batch_first=batch_first))
    for layer in range(num_layers):
        for t in range(1, 5):
            n = U.step_numbers(ex, t, layer, sample=1)
            assert torch.allclose(n["preact"], n["W_ih x_t"] + n["b_ih"] + n["W_hh h_prev"] + n["b_hh"], atol=1e-6)
            assert torch.allclose(n["h_t"], torch.tanh(n["preact"]), atol=1e-6)
    # the last step of the last layer is what nn.RNN returns in h_n
    with torch.no_grad():
        _, h_n = ex.rnn(ex.x)
    assert torch.allclose(U.step_numbers(ex, 4, num_layers - 1, 1)["h_t"], h_n[-1, 1], atol=1e-5)


def test_first_step_starts_from_zero_state():
    n = U.step_numbers(U.worked_example(U.UnrollConfig()), 1)
    assert torch.equal(n["h_prev"], torch.zeros(2))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_three_ways_agree(nonlinearity):
    three = U.three_ways(U.worked_example(U.UnrollConfig(seq_len=20, batch_size=3, hidden_size=16,
                                                         num_layers=2, nonlinearity=nonlinearity)))
    assert three.by_hand.shape == three.by_cell.shape == three.by_module.shape == (20, 3, 16)
    assert three.max_diff() < 1e-5


def test_shape_table_follows_batch_first():
    cfg = U.UnrollConfig(seq_len=3, batch_size=5, input_size=4, hidden_size=2, num_layers=2)
    table = U.shape_table(U.worked_example(cfg)).set_index("tensor")["shape"]
    assert (table["input"], table["output"], table["h_n"]) == ("(3, 5, 4)", "(3, 5, 2)", "(2, 5, 2)")
    assert table["weight_ih_l1"] == "(2, 2)"
    cfg_bf = U.UnrollConfig(seq_len=3, batch_size=5, input_size=4, hidden_size=2, num_layers=2, batch_first=True)
    table = U.shape_table(U.worked_example(cfg_bf)).set_index("tensor")["shape"]
    assert (table["input"], table["output"], table["h_n"]) == ("(5, 3, 4)", "(5, 3, 2)", "(2, 5, 2)")


def test_output_meets_h_n_at_the_last_step():
    for bf in (False, True):
        assert U.output_vs_h_n(U.worked_example(U.UnrollConfig(num_layers=2, batch_size=3, batch_first=bf))) < 1e-6


def test_extreme_sizes_work():
    ex = U.worked_example(U.UnrollConfig(seq_len=1, batch_size=1, input_size=1, hidden_size=1, num_layers=4))
    assert U.three_ways(ex).max_diff() < 1e-6
    assert U.step_numbers(ex, 1, 3)["h_t"].shape == (1,)


def _ratio(df, model):
    g = df[df.model == model]["grad_norm"].to_numpy()
    return g[0] / g[-1]


def test_rnn_gradient_vanishes_where_the_lstm_keeps_it():
    df = U.gradient_norms(U.GradConfig())
    assert list(df.columns) == ["t", "model", "grad_norm"] and len(df) == 100
    assert _ratio(df, "RNN") < 1e-4  # vanished across 50 steps
    assert _ratio(df, "LSTM") > 1e-2  # the forget gate (bias 3) keeps the path open


def test_large_weight_scale_explodes_the_rnn_gradient():
    df = U.gradient_norms(U.GradConfig(weight_scale=3.0, nonlinearity="relu"))
    assert _ratio(df, "RNN") > 1e6


def test_overflow_becomes_nan_not_an_exception():
    df = U.gradient_norms(U.GradConfig(seq_len=400, weight_scale=4.0, nonlinearity="relu"))
    rnn = df[df.model == "RNN"]["grad_norm"]
    assert rnn.isna().any()
    assert df[df.model == "LSTM"]["grad_norm"].map(math.isfinite).all()


def test_forget_bias_zero_makes_the_lstm_vanish_too():
    df = U.gradient_norms(U.GradConfig(forget_bias=0.0))
    assert _ratio(df, "LSTM") < 1e-6


@pytest.mark.parametrize("settings, lesson", [
    ({}, "shown"),
    ({"forget_bias": 0.0}, "lstm_vanished"),
    ({"weight_scale": 2.0, "nonlinearity": "relu"}, "rnn_exploded"),
    ({"weight_scale": 1.5}, "rnn_kept"),
    ({"weight_scale": 4.0, "nonlinearity": "relu", "seq_len": 400}, "rnn_exploded"),
])
def test_the_gradient_verdict_follows_the_run(settings, lesson):
    """The sentence section 5 says is read from the run: a setting that breaks the lesson gets its own."""
    cfg = U.GradConfig(**settings)
    verdict = U.gradient_verdict(U.gradient_norms(cfg), cfg)
    assert verdict.lesson == lesson, verdict


# ---------------------------------------------------------------- the text's counts, the charts' axes


@pytest.mark.parametrize("batch", [1, 2, 3])
@pytest.mark.parametrize("layers", [1, 2])
def test_the_counts_the_text_states_are_the_runs_shapes(batch, layers):
    """Section 1 and 2 state counts (numbers compared, parameters shared); each comes from the run."""
    ex = U.worked_example(U.UnrollConfig(batch_size=batch, num_layers=layers))
    three = U.three_ways(ex)
    counts = three.counts()
    assert (counts["T"], counts["B"], counts["H"]) == (3, batch, 2)
    assert counts["n"] == three.by_module.numel() == 3 * batch * 2  # layer 1, every sequence
    shared = U.shared_weights(ex)
    assert shared["rnn"] == U.parameter_count(ex.rnn) == 16 + 12 * (layers - 1)  # nn.RNN(4, 2), then (2, 2)
    assert shared["readout"] == 12 and shared["layers"] == layers  # Linear(2, 4)
    assert shared["real"] == shared["rnn"] + shared["readout"] and shared["if_unshared"] == 3 * shared["real"]


def test_a_one_axis_shape_prints_as_python_prints_it():
    assert U.shape_text((2,)) == "(2,)" and U.shape_text((3, 1, 4)) == "(3, 1, 4)"
    table = U.shape_table(U.worked_example(U.UnrollConfig())).set_index("tensor")["shape"]
    assert table["bias_ih_l0"] == "(2,)"


def test_heatmap_ticks_are_whole_and_evenly_spaced():
    assert charts.int_ticks(range(1, 4), 30) == [1, 2, 3]
    for n, most in [(40, 30), (64, 30), (64, 12), (400, 30)]:
        ticks = charts.int_ticks(list(range(1, n + 1)), most)
        gaps = {b - a for a, b in itertools.pairwise(ticks)}
        assert len(ticks) <= most and len(gaps) == 1 and all(isinstance(v, int) for v in ticks), (n, ticks)
    assert charts.int_ticks(["1:h", "2:e"], 30) is None  # not numbers: the axis keeps its own labels
    df = pd.DataFrame([(t, u, 0.1) for t in range(1, 65) for u in range(1, 65)], columns=["t", "unit", "value"])
    spec = charts.heatmap(df, "t", "unit", "h", "time step t", "hidden unit", even_ticks=True).to_dict()
    x, y = spec["encoding"]["x"]["axis"], spec["encoding"]["y"]["axis"]
    assert x["values"] == list(range(5, 65, 5)) and not x["labelOverlap"]  # every label shown, none dropped
    assert y["values"][:2] == [5, 10] and spec["height"] == {"step": 400 / 64}
    # a lone small positive value among negatives is pale, not as red as the largest value is blue
    few = pd.DataFrame({"t": [1, 2, 3], "unit": [1, 1, 1], "value": [-0.83, 0.026, -0.5]})
    scale = charts.heatmap(few, "t", "unit", "h", "t", "unit", symmetric=True).to_dict()["encoding"]["color"]["scale"]
    assert scale["domain"] == [-0.83, 0.83] and scale["domainMid"] == 0


def test_the_gradient_axis_has_one_tick_format_and_starts_at_step_1():
    df = U.gradient_norms(U.GradConfig())
    assert charts.log_format(df["grad_norm"]) == ".0e"  # 1e-7 .. 4: powers of ten throughout
    assert charts.log_format([0.05, 4.0]) == "~g"  # a narrow range: plain decimals throughout
    spec = charts.line(df, "t", "grad_norm", "g", "time step t", "norm", color="model", log_y=True,
                       x_domain=(1, 50), x_whole=True, y_format=charts.log_format(df["grad_norm"])).to_dict()
    assert spec["encoding"]["y"]["axis"]["format"] == ".0e" and spec["encoding"]["y"]["scale"]["type"] == "log"
    assert spec["encoding"]["x"]["scale"]["domain"] == [1, 50]  # no step 0
    assert spec["encoding"]["x"]["axis"]["tickMinStep"] == 1


# ---------------------------------------------------------------- the page: text that follows the settings

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def open_unrolling() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/1_RNN_Unrolling.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_every_formula_and_sentence_names_the_runs_nonlinearity():
    at = open_unrolling()
    assert r"h_t = \tanh(" in at.latex[0].value
    at.selectbox(key="unroll_nl").set_value("relu").run()
    at.selectbox(key="gtt_nl").set_value("relu").run()
    assert not at.exception
    equations = [x.value for x in at.latex]
    assert r"h_t = \mathrm{relu}(" in equations[0] and r"h_1 = \mathrm{relu}" in " ".join(equations)
    assert not any(r"\tanh" in e for e in equations), equations
    assert any(c.value.startswith("**relu**, chosen in section 1") for c in at.caption)
    text = " ".join(m.value for m in at.markdown)
    assert "relu′" in text and "tanh′" not in text  # section 5's intro and its lesson
    at.selectbox(key="gtt_nl").set_value("tanh").run()
    text = " ".join(m.value for m in at.markdown)
    assert "tanh′" in text and "relu′" not in text


def test_every_count_in_the_text_agrees_with_the_tables_shown():
    """Batch 1, 2, 3 and layers 1, 2: what sections 1 and 2 say matches their tables."""
    at = open_unrolling()
    for layers in (1, 2):
        for batch in (1, 2, 3):
            at.number_input(key="unroll_layers").set_value(layers).run()
            at.number_input(key="unroll_batch").set_value(batch).run()
            assert not at.exception
            captions = [c.value for c in at.caption]
            verdict = next(c for c in captions if c.startswith("They agree: over all"))
            assert f"over all {3 * batch * 2} numbers of layer 1" in verdict
            assert f"= 3 × {batch} × 2)" in verdict
            ways = next(tb.value for tb in at.table if "nn.RNN (one call)" in tb.value.columns)
            assert len(ways) == 3 * 2  # one sequence's rows: seq_len × hidden_size
            if batch > 1:  # the table is one sequence of several: the page says which and how many
                assert any(c.startswith(f"All 6 rows (seq_len × hidden_size = 3 × 2) of sequence 1 of {batch}")
                           for c in captions), captions
            else:
                assert not any(c.startswith("All 6 rows") for c in captions)
            text = " ".join(m.value for m in at.markdown)
            real = 28 + 12 * (layers - 1)
            start = "**Not 3 layers:**" if layers == 1 else "**Not 3 × 2 layers:**"
            assert start in text and f"learns **{real}** numbers" in text and f"need {3 * real}." in text
            per_unit = next(tb.value for tb in at.table if "hₜ" in tb.value.columns)
            assert list(per_unit.index) == [1, 2]  # the units the sentence above it counts
            step = "**Step t = 1**, layer 1" + (f", sequence 1 of {batch}" if batch > 1 else ", per hidden unit")
            assert step in text
    layer = next(s for s in at.selectbox if s.label == "layer")
    layer.set_value(2).run()
    assert any(c.value.startswith("Layer 2 reads layer 1's hidden state") for c in at.caption)
    assert any(r"W_{ih}h^{(1)}_1" in x.value for x in at.latex)  # layer 2's input is layer 1's h_t


def test_a_model_whose_states_differ_but_answers_do_not_is_told_so():
    """Seed 0, the RNNCell recipe: "l" at both l's, though h₄ and h₃ differ by 1.28; the page says
    the states differ but not enough to change the answer (it said it had not learnt to use them)."""
    at = open_unrolling()
    at.number_input(key="hello_seed").set_value(0).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    mem = U.memory_check(at.session_state["hello__run"].model)
    assert not mem.told_apart and mem.h_distance > U.SAME_STATE
    assert f"Its hidden states there do differ (‖h₄ − h₃‖ = {mem.h_distance:.2f}, last layer)" in text
    assert "almost the same" not in text


def test_a_gradient_that_shrank_but_did_not_vanish_says_where_vanishing_starts():
    """Weight scale 1.5: the RNN keeps 8.4e-02 of its gradient; 'did not vanish' names the line (1e-02)."""
    at = open_unrolling()
    at.slider(key="gtt_scale").set_value(1.5).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "the RNN's gradient did not vanish over these 49 steps: at t = 1 it is still 8.41e-02 times" in text
    assert f"not below {U.VANISHED:.0e}, where this page calls it vanished" in text
