"""Torch is the referee: the transparent cells in rnnviz.cells give the numbers of nn.RNN,
nn.LSTM, nn.GRU and their *Cell modules, and every trace agrees with the equation it names.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor, nn

from rnnviz import cells
from rnnviz.train import seeded

ATOL = 1e-5  # the design's tolerance in float32; the fused kernels sum in another order
SEQ_LEN, BATCH, INPUT, HIDDEN = 5, 3, 4, 6  # small, and all different so a swapped axis fails
SEED = 0  # the grid's weights and inputs; hypothesis draws its own seeds


def close(actual: Tensor, expected: Tensor) -> None:
    torch.testing.assert_close(actual, expected, atol=ATOL, rtol=0)


def make_module(kind: str, input_size: int = INPUT, hidden_size: int = HIDDEN, **kw) -> nn.RNNBase:
    """The fused module of a kind (float32, torch's default init)."""
    if kind == "LSTM":
        return nn.LSTM(input_size, hidden_size, **kw)
    if kind == "GRU":
        return nn.GRU(input_size, hidden_size, **kw)
    return nn.RNN(input_size, hidden_size, nonlinearity=kind.removeprefix("RNN_").lower(), **kw)


def make_cell(kind: str, bias: bool = True) -> nn.RNNCellBase:
    if kind == "LSTM":
        return nn.LSTMCell(INPUT, HIDDEN, bias=bias)
    if kind == "GRU":
        return nn.GRUCell(INPUT, HIDDEN, bias=bias)
    return nn.RNNCell(INPUT, HIDDEN, bias=bias, nonlinearity=kind.removeprefix("RNN_").lower())


def random_state(kind: str, *lead: int, hidden_size: int = HIDDEN):
    """h_0, or (h_0, c_0) for LSTM, shaped (*lead, H)."""
    h = torch.randn(*lead, hidden_size)
    return (h, torch.randn(*lead, hidden_size)) if kind == "LSTM" else h


def module_outputs(module: nn.RNNBase, x: Tensor, state) -> tuple[Tensor, Tensor, Tensor | None]:
    """(output, h_n, c_n) of the fused module; c_n is None unless LSTM."""
    with torch.no_grad():
        out, s = module(x, state) if state is not None else module(x)
    return (out, *s) if isinstance(s, tuple) else (out, s, None)


def assert_run_matches(module: nn.RNNBase, x: Tensor, state) -> cells.Run:
    out, h_n, c_n = module_outputs(module, x, state)
    run = cells.run(module, x, state)
    close(run.output, out)
    close(run.h_n, h_n)
    if c_n is None:
        assert run.c_n is None
    else:
        close(run.c_n, c_n)
    return run


# ---------------------------------------------------------------- whole modules


@pytest.mark.parametrize("kind", cells.MODES)
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("given_state", [True, False])
def test_run_matches_module(kind, num_layers, bias, batch_first, batched, given_state):
    with seeded(SEED):
        module = make_module(kind, num_layers=num_layers, bias=bias, batch_first=batch_first)
        if not batched:
            x = torch.randn(SEQ_LEN, INPUT)  # (T, I): torch ignores batch_first here
        elif batch_first:
            x = torch.randn(BATCH, SEQ_LEN, INPUT)  # (B, T, I)
        else:
            x = torch.randn(SEQ_LEN, BATCH, INPUT)  # (T, B, I)
        lead = (num_layers, BATCH) if batched else (num_layers,)  # h_0 has no batch_first
        state = random_state(kind, *lead) if given_state else None
    run = assert_run_matches(module, x, state)
    assert len(run.traces) == len(run.hiddens) == num_layers


@pytest.mark.parametrize("kind", cells.MODES)
def test_eval_mode_dropout_is_not_applied(kind):
    with seeded(SEED):
        module = make_module(kind, num_layers=3, dropout=0.5).eval()
        x = torch.randn(SEQ_LEN, BATCH, INPUT)
    assert_run_matches(module, x, None)


@pytest.mark.parametrize("kind", cells.MODES)
def test_weights_are_copies_without_gradient_link(kind):
    with seeded(SEED):
        module = make_module(kind, num_layers=2)
        x = torch.randn(SEQ_LEN, BATCH, INPUT, requires_grad=True)
    w = cells.weights_from(module, 1)
    assert w.kind == kind and (w.input_size, w.hidden_size) == (HIDDEN, HIDDEN)
    assert w.W_ih.shape == (cells.GATES[kind] * HIDDEN, HIDDEN)
    assert not w.W_ih.requires_grad
    cells.run(module, x).output.sum().backward()
    assert all(p.grad is None for p in module.parameters())
    # ... but the gradient w.r.t. the input is torch's.
    grad_x, = torch.autograd.grad(module(x)[0].sum(), x)
    close(x.grad, grad_x)


# ---------------------------------------------------------------- *Cell modules


@pytest.mark.parametrize("kind", cells.MODES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("given_state", [True, False])
def test_cell_loop_matches_run_and_step(kind, bias, given_state):
    with seeded(SEED):
        cell = make_cell(kind, bias)
        x = torch.randn(SEQ_LEN, BATCH, INPUT)  # (T, B, I)
        state0 = random_state(kind, BATCH) if given_state else None
    w = cells.weights_from(cell)
    start = state0 if given_state else cells.zero_state(w, BATCH)  # torch's default is zeros
    with torch.no_grad():
        s, outs = start, []
        for x_t in x:  # (B, I)
            s = cell(x_t, s)
            outs.append(s[0] if kind == "LSTM" else s)
    h_ref, c_ref = (s if kind == "LSTM" else (s, None))

    run = cells.run(cell, x, state0)
    close(run.output, torch.stack(outs))  # (T, B, H)
    close(run.h_n, h_ref.unsqueeze(0))  # a cell's h_n still has the layer axis
    if kind == "LSTM":
        close(run.c_n, c_ref.unsqueeze(0))

    s = start
    for t, x_t in enumerate(x):
        s, trace = cells.step(w, x_t, s)
        close(trace["hidden"], outs[t])
    close(s[0] if kind == "LSTM" else s, h_ref)


@pytest.mark.parametrize("kind", cells.MODES)
def test_unbatched_cell_run(kind):
    with seeded(SEED):
        cell = make_cell(kind)
        x = torch.randn(SEQ_LEN, INPUT)  # (T, I)
        state0 = random_state(kind)  # (H,)
    with torch.no_grad():
        s, outs = state0, []
        for x_t in x:  # (I,)
            s = cell(x_t, s)
            outs.append(s[0] if kind == "LSTM" else s)
    run = cells.run(cell, x, state0)
    close(run.output, torch.stack(outs))  # (T, H)
    close(run.h_n, outs[-1].unsqueeze(0))  # (1, H)


# ---------------------------------------------------------------- traces


def traced_run(kind: str, num_layers: int = 2):
    with seeded(SEED):
        module = make_module(kind, num_layers=num_layers)
        x = torch.randn(SEQ_LEN, BATCH, INPUT)
        state = random_state(kind, num_layers, BATCH)
    return module, x, state, cells.run(module, x, state)


def previous(hidden: Tensor, h0: Tensor) -> Tensor:
    """h_{t-1} for every t: h_0 then the trace shifted by one step. (T, B, H)"""
    return torch.cat([h0.unsqueeze(0), hidden[:-1]])


@pytest.mark.parametrize("kind", cells.MODES)
@pytest.mark.parametrize("num_layers", [1, 3])
def test_trace_names_shapes_and_layer_outputs(kind, num_layers):
    module, x, state, run = traced_run(kind, num_layers)
    gated = cells.GATES[kind] * HIDDEN
    for k, trace in enumerate(run.traces):
        assert tuple(trace) == cells.TRACE_NAMES[kind]
        for name, value in trace.items():
            width = gated if name in ("ih", "hh") else HIDDEN
            assert value.shape == (SEQ_LEN, BATCH, width), name
        # trace["hidden"] is what layer k outputs: the first k+1 layers as a fused module say so.
        first = make_module(kind, num_layers=k + 1)
        first.load_state_dict({n: p for n, p in module.state_dict().items() if int(n[-1]) <= k})
        sub = (state[0][:k + 1], state[1][:k + 1]) if kind == "LSTM" else state[:k + 1]
        out, _, _ = module_outputs(first, x, sub)
        close(trace["hidden"], out)
        close(torch.stack(run.hiddens[k]), out)
        close(trace["hidden"][-1], run.h_n[k])
        if kind == "LSTM":
            close(trace["cell"][-1], run.c_n[k])
        # the next layer reads this one: its ih is W_ih h + b_ih
        if k + 1 < num_layers:
            w = cells.weights_from(module, k + 1)
            close(run.traces[k + 1]["ih"], trace["hidden"] @ w.W_ih.T + w.b_ih)


@pytest.mark.parametrize("kind", ["RNN_TANH", "RNN_RELU"])
def test_rnn_trace_follows_equation(kind):
    module, x, state, run = traced_run(kind)
    for k, trace in enumerate(run.traces):
        w = cells.weights_from(module, k)
        layer_in = x if k == 0 else run.traces[k - 1]["hidden"]
        close(trace["ih"], layer_in @ w.W_ih.T + w.b_ih)
        close(trace["hh"], previous(trace["hidden"], state[k]) @ w.W_hh.T + w.b_hh)
        close(trace["preact"], trace["ih"] + trace["hh"])
        act = torch.tanh if kind == "RNN_TANH" else torch.relu
        close(trace["hidden"], act(trace["preact"]))
    if kind == "RNN_TANH":
        assert (run.traces[-1]["hidden"].abs() < 1).all()
    else:
        assert (run.traces[-1]["hidden"] >= 0).all()


def test_lstm_trace_follows_equation():
    module, _, (h0, c0), run = traced_run("LSTM")
    for k, trace in enumerate(run.traces):
        pres = (trace["ih"] + trace["hh"]).chunk(4, dim=-1)  # torch's order: i, f, g, o
        for name, pre in zip(("input_pre", "forget_pre", "candidate_pre", "output_pre"), pres):
            close(trace[name], pre)
        for gate in ("input", "forget", "output"):
            close(trace[gate], torch.sigmoid(trace[gate + "_pre"]))
            assert ((trace[gate] > 0) & (trace[gate] < 1)).all(), gate
        close(trace["candidate"], torch.tanh(trace["candidate_pre"]))
        assert (trace["candidate"].abs() < 1).all()
        c_prev = previous(trace["cell"], c0[k])
        close(trace["cell"], trace["forget"] * c_prev + trace["input"] * trace["candidate"])
        close(trace["hidden"], trace["output"] * torch.tanh(trace["cell"]))
        close(trace["cell"][-1], run.c_n[k])
        w = cells.weights_from(module, k)
        close(trace["hh"], previous(trace["hidden"], h0[k]) @ w.W_hh.T + w.b_hh)


def test_gru_trace_follows_equation():
    _, _, h0, run = traced_run("GRU")
    for k, trace in enumerate(run.traces):
        ih_r, ih_z, ih_n = trace["ih"].chunk(3, dim=-1)  # torch's order: r, z, n
        hh_r, hh_z, hh_n = trace["hh"].chunk(3, dim=-1)
        close(trace["reset_pre"], ih_r + hh_r)
        close(trace["update_pre"], ih_z + hh_z)
        close(trace["candidate_pre"], ih_n + trace["reset"] * hh_n)  # reset acts on W_hn h + b_hn only
        for gate in ("reset", "update"):
            close(trace[gate], torch.sigmoid(trace[gate + "_pre"]))
            assert ((trace[gate] > 0) & (trace[gate] < 1)).all(), gate
        close(trace["candidate"], torch.tanh(trace["candidate_pre"]))
        assert (trace["candidate"].abs() < 1).all()
        z, n = trace["update"], trace["candidate"]
        close(trace["hidden"], (1 - z) * n + z * previous(trace["hidden"], h0[k]))

@pytest.mark.parametrize("kind, gate, others", [("LSTM", "forget", ("input", "output")),
                                                ("GRU", "update", ("reset",))])
def test_set_gate_bias_moves_only_that_gate(kind: str, gate: str, others: tuple[str, ...]):
    # the bias is read back through the trace: with zero weights a gate is σ(its bias) exactly
    module = make_module(kind, num_layers=2)
    with torch.no_grad():
        for p in module.parameters():
            p.zero_()
    cells.set_gate_bias(module, gate, 4.0, layer=1)
    trace0, trace1 = cells.run(module, torch.randn(SEQ_LEN, BATCH, INPUT)).traces
    close(trace1[gate], torch.full_like(trace1[gate], float(torch.sigmoid(torch.tensor(4.0)))))
    for other in others:
        close(trace1[other], torch.full_like(trace1[other], 0.5))
    close(trace0[gate], torch.full_like(trace0[gate], 0.5))  # layer 0 untouched
    assert set(cells.GATE_ORDER[kind]) - {"candidate"} <= set(cells.SIGMOID_GATES)



# ---------------------------------------------------------------- gradients through time


@pytest.mark.parametrize("kind", cells.MODES)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("x_requires_grad", [False, True])
def test_hiddens_support_autograd(kind, num_layers, x_requires_grad):
    with seeded(SEED):
        module = make_module(kind, num_layers=num_layers)
        x = torch.randn(SEQ_LEN, BATCH, INPUT, requires_grad=x_requires_grad)
    run = cells.run(module, x)
    h_last = run.hiddens[-1][-1]  # (B, H): the top layer's last hidden state
    loss = (h_last ** 2).sum()
    every = [h for layer in run.hiddens for h in layer]
    grads = torch.autograd.grad(loss, every)
    assert all(g is not None and g.shape == (BATCH, HIDDEN) for g in grads)
    close(grads[-1], 2 * h_last.detach())  # ∂L/∂h_T directly
    # every earlier step reaches h_T (through time, or up through the layers)
    assert all(g.abs().sum() > 0 for g in grads[:-1])


@pytest.mark.parametrize("kind", cells.MODES)
def test_hidden_gradients_match_a_torch_cell_loop(kind):
    with seeded(SEED):
        cell = make_cell(kind)
        x = torch.randn(SEQ_LEN, BATCH, INPUT)
    s = cells.zero_state(cells.weights_from(cell), BATCH)
    hs = []
    for x_t in x:  # the reference: torch's own cell, keeping every h_t on the graph
        s = cell(x_t, s)
        hs.append(s[0] if kind == "LSTM" else s)
    expected = torch.autograd.grad(hs[-1].sum(), hs)
    mine = cells.run(cell, x).hiddens[0]
    for g, e in zip(torch.autograd.grad(mine[-1].sum(), mine), expected):
        close(g, e)


def test_no_grad_mode_builds_no_graph():
    with seeded(SEED):
        module = make_module("LSTM")
        x = torch.randn(SEQ_LEN, BATCH, INPUT)
    with torch.no_grad():
        run = cells.run(module, x)
    assert not run.output.requires_grad and not x.requires_grad


# ---------------------------------------------------------------- what is refused


@pytest.mark.parametrize("kind", cells.MODES)
def test_bidirectional_is_refused(kind):
    module = make_module(kind, bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional"):
        cells.run(module, torch.randn(SEQ_LEN, BATCH, INPUT))


def test_lstm_projection_is_refused():
    module = nn.LSTM(INPUT, HIDDEN, proj_size=2)
    with pytest.raises(ValueError, match="proj_size"):
        cells.weights_from(module)


@pytest.mark.parametrize("layer", [-1, 2, 5])
def test_layer_out_of_range_is_refused(layer):
    module = make_module("GRU", num_layers=2)
    with pytest.raises(ValueError, match=f"layer {layer} does not exist in a 2-layer module"):
        cells.weights_from(module, layer)


@pytest.mark.parametrize("module", [nn.Linear(INPUT, HIDDEN), nn.Conv1d(INPUT, HIDDEN, 3)],
                         ids=["Linear", "Conv1d"])
def test_non_recurrent_module_is_refused(module):
    with pytest.raises(TypeError, match="expected nn.RNN/LSTM/GRU"):
        cells.run(module, torch.randn(SEQ_LEN, BATCH, INPUT))
    with pytest.raises(TypeError, match=type(module).__name__):
        cells.weights_from(module)


# ---------------------------------------------------------------- any shape


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(cells.MODES), seq_len=st.integers(1, 8), batch=st.integers(1, 4),
       input_size=st.integers(1, 6), hidden_size=st.integers(1, 6), num_layers=st.integers(1, 3),
       bias=st.booleans(), batch_first=st.booleans(), given_state=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_run_matches_module_for_any_shape(kind, seq_len, batch, input_size, hidden_size,
                                          num_layers, bias, batch_first, given_state, seed):
    with seeded(seed):
        module = make_module(kind, input_size, hidden_size, num_layers=num_layers, bias=bias,
                             batch_first=batch_first)
        shape = (batch, seq_len) if batch_first else (seq_len, batch)
        x = torch.randn(*shape, input_size)
        state = random_state(kind, num_layers, batch, hidden_size=hidden_size) if given_state else None
    run = assert_run_matches(module, x, state)
    for trace in run.traces:
        assert trace["hidden"].shape == (seq_len, batch, hidden_size)
