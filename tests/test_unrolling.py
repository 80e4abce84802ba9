"""The RNN-unrolling experiments: the worked example, hello -> ohlol, gradients through time."""

import math

import pytest
import torch

from rnnviz import unrolling as U


@pytest.mark.parametrize("variant", list(U.VARIANTS))
def test_default_seed_solves_hello_within_15_epochs(variant):
    cfg = U.HelloConfig(variant, U.LR_OF_VARIANT[variant])
    model = U.hello_model(cfg)
    predicted = [s.info["predicted"] for s in U.train_hello(cfg, model)]
    assert len(predicted) == 15
    assert "ohlol" in predicted


@pytest.mark.parametrize("variant", list(U.VARIANTS))
def test_at_least_4_of_5_seeds_solve_hello(variant):
    solved = 0
    for seed in range(5):
        cfg = U.HelloConfig(variant, U.LR_OF_VARIANT[variant], 15, seed)
        model = U.hello_model(cfg)
        solved += any(s.info["predicted"] == "ohlol" for s in U.train_hello(cfg, model))
    assert solved >= 4


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
