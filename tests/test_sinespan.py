"""How far back a sine forecast looks (rnnviz.sinespan): every test position's influence profile
comes from one batched backward pass and equals a pass per position; single-step forecasts see
only their window; the free run looks past it through its own predictions; the span follows
the model (its window, its kind); the kinds trained on request are the ones the page would train."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from rnnviz import saliency, sine, sinespan
from rnnviz.data.sine import SeriesConfig, make_series
from rnnviz.i18n import Message
from rnnviz.models import SeqRegressor

SHORT = SeriesConfig(n_points=150, split=120, window=6)  # 30 test positions: the per-position loop stays quick


def trained(window: int, kinds=("RNN",), seed: int = 0, steps: int = 400) -> tuple[sine.Forecasters, sine.SineConfig]:
    cfg = sine.SineConfig(series=SeriesConfig(window=window), kinds=kinds, seed=seed, steps=steps)
    model, snapshots = sine.build(cfg)
    for _ in snapshots:
        pass
    return model, cfg


def one_position(m: SeqRegressor, y: np.ndarray, split: int, window: int, h: int, how: str) -> torch.Tensor:
    """The influence profile of the forecast h steps after the split, on its own: single-step
    from its window of true values; free-running from a free run of its own, nudging each value
    read (a true one, or a prediction as it is fed back in) by a zero that carries the gradient."""
    y = torch.from_numpy(y)
    if how == "single_step":
        x = y[split + h - 1 - window:split + h - 1].view(1, window, 1).clone().requires_grad_(True)
        m(x)[0, 0].backward()
        return x.grad.view(-1).abs().flip(0)
    nudge = torch.zeros(window + h - 1, requires_grad=True)
    values = list(y[split - window:split] + nudge[:window])
    for j in range(h):
        p = m(torch.stack(values[-window:]).view(1, window, 1))[0, 0]
        if j < h - 1:
            values.append(p + nudge[window + j])
    p.backward()
    return nudge.grad.abs().flip(0)


@pytest.mark.parametrize("kind", ["RNN", "LSTM"])
@pytest.mark.parametrize("how", sine.HOW)
def test_one_batched_pass_equals_a_pass_per_position(kind, how):
    torch.manual_seed(1)
    m, series = SeqRegressor(kind, 8), make_series(SHORT)
    matrix = sinespan.influence(m, series, SHORT.window, how)
    horizon = len(series.y) - series.split
    assert matrix.shape == (horizon, sinespan.reach(series, SHORT.window) + 1) == (30, 35)
    for h in range(1, horizon + 1):
        alone = one_position(m, series.y, series.split, SHORT.window, h, how)
        torch.testing.assert_close(matrix[h - 1, :len(alone)], alone, rtol=1e-4, atol=1e-6)
        assert (matrix[h - 1, len(alone):] == 0).all(), "nothing the forecast did not read"


def test_values_read_are_the_page_forecasts_inputs():
    torch.manual_seed(0)
    m, series = SeqRegressor("GRU", 8), make_series(SHORT)
    free = sinespan.values_read(m, series, SHORT.window, "multi_step")
    preds, _ = sine.free_run(m, series.y, series.split, len(series.y), SHORT.window)
    np.testing.assert_allclose(free[series.split:], preds, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(free[:series.split], series.y[:series.split])
    np.testing.assert_array_equal(sinespan.values_read(m, series, SHORT.window, "single_step"), series.y)


def test_single_step_sees_its_window_the_free_run_sees_past_it():
    model, cfg = trained(10)
    m, series = model.models["RNN"], make_series(cfg.series)
    single, free = (sinespan.influence(m, series, 10, how) for how in sine.HOW)
    assert (single[:, 10:] == 0).all() and (single[:, :10] > 0).all(), "zero beyond the window, by construction"
    h = 30
    ps = {how: sinespan.profile(mat, sinespan.values_read(m, series, 10, how), series, 10, "RNN", how, h)
          for how, mat in zip(sine.HOW, (single, free))}
    assert ps["single_step"].span <= 9 and ps["single_step"].beyond == 0
    assert ps["multi_step"].reach == h + 10 - 2
    # the free run's forecast 30 steps on still depends on values 20 and more steps older than its window
    assert ps["multi_step"].span >= 20, ps["multi_step"].span
    assert ps["multi_step"].beyond > 0.3, ps["multi_step"].beyond
    frame = ps["multi_step"].frame
    assert set(frame.loc[frame["k"] < h - 1, "read_as"]) == {"own"} and set(frame.loc[frame["k"] >= h - 1, "read_as"]) == {"true"}
    assert frame.loc[frame["k"] == h - 1, "i"].item() == series.split - 1


def mean_span(matrix: torch.Tensor, window: int) -> float:
    return float(np.mean([saliency.span(row[:window]) for row in matrix]))


def test_single_step_span_follows_the_window():
    spans = {}
    for window in (1, 20):
        model, cfg = trained(window)
        series = make_series(cfg.series)
        spans[window] = mean_span(sinespan.influence(model.models["RNN"], series, window, "single_step"), window)
    # one value read: nothing further back can matter; twenty: the forecast leans on many of them
    assert spans[1] == 0 and spans[20] >= 5, spans


@pytest.mark.parametrize("seed", [0, 1])
def test_free_run_span_follows_the_kind(seed):
    """Window 1: each forecast reads one value, so the free run is a map y -> f(y) iterated. The
    RNN's carries a nudge to its start on for 60 steps; the LSTM's fades it within 20."""
    model, cfg = trained(1, ("RNN", "LSTM"), seed)
    series, h = make_series(cfg.series), 60
    ps = {k: sinespan.profile(sinespan.influence(m, series, 1, "multi_step"),
                              sinespan.values_read(m, series, 1, "multi_step"), series, 1, k, "multi_step", h)
          for k, m in model.models.items()}
    assert not ps["RNN"].faded and ps["RNN"].span == h - 1, ps["RNN"].span
    assert ps["LSTM"].faded and ps["LSTM"].span <= 20, ps["LSTM"].span
    assert sinespan.message(ps["RNN"]).key == "sine.span.multi_kept"
    assert sinespan.message(ps["LSTM"]).key == "sine.span.multi_faded"


def test_message_says_the_runs_numbers():
    torch.manual_seed(0)
    m, series = SeqRegressor("RNN", 8), make_series(SHORT)
    p = sinespan.profile(sinespan.influence(m, series, 6, "single_step"), series.y, series, 6, "RNN", "single_step", 4)
    msg = sinespan.message(p)
    assert isinstance(msg, Message) and msg.key == "sine.span.single"
    assert (msg.values["i"], msg.values["first"], msg.values["last"], msg.values["span"]) == (123, 117, 122, p.span)


def test_the_kinds_trained_on_request_are_the_ones_the_page_trains():
    cfg = sine.SineConfig(kinds=("RNN",), steps=15)
    assert sinespan.missing(cfg) == ("LSTM", "GRU")
    twins = sinespan.trained_twins(cfg)
    together, _ = trained(cfg.series.window, ("RNN", "LSTM", "GRU"), steps=15)
    assert set(twins.models) == {"LSTM", "GRU"}
    for kind, m in twins.models.items():
        for (name, a), b in zip(m.state_dict().items(), together.models[kind].state_dict().values()):
            torch.testing.assert_close(a, b, rtol=0, atol=0, msg=f"{kind} {name}")
    assert sinespan.missing(replace(cfg, kinds=("GRU", "LSTM", "RNN"))) == ()


def test_a_long_test_part_or_window_explains_its_first_positions_only():
    """The batched free run costs positions² × window model steps: the default test part is
    explained whole, a longer one (or window) its first positions, still from one pass."""
    assert sinespan.horizon(make_series(SeriesConfig()), 10) == 80  # every test point of the tutorial's series
    long = make_series(SeriesConfig(n_points=2000, split=1000, window=300))
    assert sinespan.horizon(long, 300) == 29 and sinespan.horizon(long, 1) == 505
    torch.manual_seed(0)
    m = SeqRegressor("LSTM", 4)
    matrix = sinespan.influence(m, long, 300, "multi_step")
    assert matrix.shape == (29, 29 + 300 - 1)
    for h in (1, 29):
        alone = one_position(m, long.y, long.split, 300, h, "multi_step")
        torch.testing.assert_close(matrix[h - 1, :len(alone)], alone, rtol=1e-4, atol=1e-6)
