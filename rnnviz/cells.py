"""Transparent RNN, LSTM and GRU cells: the textbook equations, step by step.

Training uses torch's fused modules (nn.RNN, nn.LSTM, nn.GRU). To show what happens
inside, we copy their weights into these cells, which compute every gate with the same
equations torch documents and keep the whole trace. tests/test_cells.py proves both give
the same numbers.

Names follow the equations on the pages (torch's documentation, d2l):

    RNN   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)          (or relu)
    LSTM  i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)              input gate
          f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)              forget gate
          g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)           candidate
          o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)              output gate
          c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t                             cell
          h_t = o_t ⊙ tanh(c_t)                                       hidden
    GRU   r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)              reset gate
          z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)              update gate
          n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))   candidate
          h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}                       hidden

Where a change goes: a new cell type is one more entry in MODES, TRACE_NAMES, GATES and
GATE_ORDER, a branch in step() (its equations, its trace), and a test against its torch
module in tests/test_cells.py; pages and charts then read its gates from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")  # torch's names (nn.RNNBase.mode) for the cells below

# What each kind records at every step, in the order the equations compute it.
# "ih" is W_ih x_t + b_ih and "hh" is W_hh h_{t-1} + b_hh (all gates stacked, as torch).
TRACE_NAMES = {
    "RNN_TANH": ("ih", "hh", "preact", "hidden"),
    "RNN_RELU": ("ih", "hh", "preact", "hidden"),
    "LSTM": ("ih", "hh", "input_pre", "forget_pre", "candidate_pre", "output_pre",
             "input", "forget", "candidate", "output", "cell", "hidden"),
    "GRU": ("ih", "hh", "reset_pre", "update_pre", "candidate_pre",
            "reset", "update", "candidate", "hidden"),
}
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
# torch's order of the stacked blocks in W_ih, W_hh, b_ih, b_hh (the candidate is torch's g / n)
GATE_ORDER = {"LSTM": ("input", "forget", "candidate", "output"), "GRU": ("reset", "update", "candidate")}
SIGMOID_GATES = ("forget", "input", "output", "update", "reset")  # σ(·): values in (0, 1)


def set_gate_bias(module: nn.RNNBase, gate: str, value: float, layer: int = 0) -> None:
    """Start one gate at σ(value): its block of b_ih filled with value, of b_hh zeroed (so the
    bias is exactly value). The forget-gate bias of Gers et al. (LSTM "forget", GRU "update"):
    near 1 at the start, the memory and its gradient survive many steps."""
    block = GATE_ORDER[module.mode].index(gate)
    H = module.hidden_size
    with torch.no_grad():
        getattr(module, f"bias_ih_l{layer}")[block * H:(block + 1) * H].fill_(value)
        getattr(module, f"bias_hh_l{layer}")[block * H:(block + 1) * H].zero_()


@dataclass(frozen=True)
class CellWeights:
    """One layer's weights, in torch's layout (gates stacked along the first axis)."""

    kind: str  # one of MODES
    W_ih: Tensor  # (G*H, I)
    W_hh: Tensor  # (G*H, H)
    b_ih: Tensor | None  # (G*H,) or None when the module has bias=False
    b_hh: Tensor | None  # (G*H,)

    @property
    def hidden_size(self) -> int:
        return self.W_hh.shape[1]

    @property
    def input_size(self) -> int:
        return self.W_ih.shape[1]


def _kind_of(module: nn.Module) -> str:
    if isinstance(module, nn.RNNBase):
        return module.mode
    if isinstance(module, nn.RNNCell):
        return "RNN_TANH" if module.nonlinearity == "tanh" else "RNN_RELU"
    if isinstance(module, nn.LSTMCell):
        return "LSTM"
    if isinstance(module, nn.GRUCell):
        return "GRU"
    raise TypeError(f"expected nn.RNN/LSTM/GRU or a *Cell, got {type(module).__name__}")


def weights_from(module: nn.Module, layer: int = 0) -> CellWeights:
    """Copy one layer's weights out of a torch recurrent module or cell (no gradient link)."""
    kind = _kind_of(module)
    if isinstance(module, nn.RNNBase):
        if module.bidirectional:
            raise ValueError("bidirectional modules are not supported by the transparent cells")
        if getattr(module, "proj_size", 0):
            raise ValueError("LSTM with proj_size is not supported by the transparent cells")
        if not 0 <= layer < module.num_layers:
            raise ValueError(f"layer {layer} does not exist in a {module.num_layers}-layer module")
        suffix = f"_l{layer}"
    elif layer != 0:
        raise ValueError(f"a {type(module).__name__} has one layer; layer {layer} does not exist")
    else:
        suffix = ""
    bias = getattr(module, "bias", True)
    get = lambda name: getattr(module, name + suffix).detach()
    return CellWeights(kind, get("weight_ih"), get("weight_hh"),
                       get("bias_ih") if bias else None, get("bias_hh") if bias else None)


def _affine(W: Tensor, b: Tensor | None, v: Tensor) -> Tensor:
    out = v @ W.T  # (B, G*H)
    return out if b is None else out + b


def step(w: CellWeights, x: Tensor, state: Tensor | tuple[Tensor, Tensor], edit=None):
    """One time step: x (B, I) and the previous state -> (new state, trace of this step).
    edit(name, gate) -> gate, when given, may change each sigmoid gate before it acts
    (an intervention, rnnviz.interventions); the trace records the gate that acted."""
    h_prev = state[0] if w.kind == "LSTM" else state  # (B, H)
    ih = _affine(w.W_ih, w.b_ih, x)  # (B, G*H)
    hh = _affine(w.W_hh, w.b_hh, h_prev)  # (B, G*H)
    if w.kind in ("RNN_TANH", "RNN_RELU"):
        preact = ih + hh
        h = torch.tanh(preact) if w.kind == "RNN_TANH" else torch.relu(preact)
        return h, {"ih": ih, "hh": hh, "preact": preact, "hidden": h}
    if w.kind == "LSTM":
        c_prev = state[1]
        i_pre, f_pre, g_pre, o_pre = (ih + hh).chunk(4, dim=1)  # torch's gate order: i, f, g, o
        i, f, g, o = torch.sigmoid(i_pre), torch.sigmoid(f_pre), torch.tanh(g_pre), torch.sigmoid(o_pre)
        if edit is not None:
            i, f, o = edit("input", i), edit("forget", f), edit("output", o)
        c = f * c_prev + i * g
        h = o * torch.tanh(c)
        return (h, c), {"ih": ih, "hh": hh, "input_pre": i_pre, "forget_pre": f_pre,
                        "candidate_pre": g_pre, "output_pre": o_pre, "input": i, "forget": f,
                        "candidate": g, "output": o, "cell": c, "hidden": h}
    # GRU: torch's gate order is r, z, n; the reset gate acts on W_hn h + b_hn only.
    ih_r, ih_z, ih_n = ih.chunk(3, dim=1)
    hh_r, hh_z, hh_n = hh.chunk(3, dim=1)
    r_pre, z_pre = ih_r + hh_r, ih_z + hh_z
    r, z = torch.sigmoid(r_pre), torch.sigmoid(z_pre)
    if edit is not None:
        r, z = edit("reset", r), edit("update", z)
    n_pre = ih_n + r * hh_n
    n = torch.tanh(n_pre)
    h = (1 - z) * n + z * h_prev
    return h, {"ih": ih, "hh": hh, "reset_pre": r_pre, "update_pre": z_pre, "candidate_pre": n_pre,
               "reset": r, "update": z, "candidate": n, "hidden": h}


def zero_state(w: CellWeights, batch: int) -> Tensor | tuple[Tensor, Tensor]:
    """The zero initial state torch uses when none is given."""
    h = w.W_hh.new_zeros(batch, w.hidden_size)
    return (h, h.clone()) if w.kind == "LSTM" else h


def run_layer(w: CellWeights, x: Tensor, state=None):
    """Run one layer over x (T, B, I) -> (outputs (T, B, H), final state, trace, hiddens).

    trace maps each name of TRACE_NAMES[kind] to a (T, B, ·) tensor; hiddens is the list
    of the T hidden-state tensors as computed, so autograd can differentiate w.r.t. each.
    """
    state = zero_state(w, x.shape[1]) if state is None else state
    if torch.is_grad_enabled() and not x.requires_grad:
        # The weights are detached copies: without a leaf here no hidden state joins the graph.
        x = x.detach().requires_grad_()
    steps, hiddens = [], []
    for x_t in x:  # (B, I)
        state, trace = step(w, x_t, state)
        steps.append(trace)
        hiddens.append(trace["hidden"])
    trace = {name: torch.stack([s[name] for s in steps]) for name in TRACE_NAMES[w.kind]}
    return torch.stack(hiddens), state, trace, hiddens


@dataclass
class Run:
    """What a transparent run of a whole module returns, laid out like torch's outputs."""

    output: Tensor  # like nn.RNN's output: (T, B, H), or (B, T, H) when batch_first
    h_n: Tensor  # (num_layers, B, H)
    c_n: Tensor | None  # (num_layers, B, H) for LSTM, else None
    traces: list[dict[str, Tensor]]  # one per layer; each value (T, B, ·), time first
    hiddens: list[list[Tensor]]  # per layer, the T hidden tensors (for gradients through time)


def run(module: nn.Module, x: Tensor, state=None) -> Run:
    """Run a torch recurrent module (or cell, on a sequence) through the transparent cells.

    Accepts what the module accepts: x (T, B, I), (B, T, I) when batch_first, or unbatched
    (T, I); state is h_0 (or (h_0, c_0) for LSTM) shaped (num_layers, B, H), or (B, H)
    for a cell. h_n always has the layer axis ((1, B, H) for a cell).
    Inter-layer dropout is not applied: inspection runs the model as in eval mode.
    """
    batch_first = getattr(module, "batch_first", False)
    unbatched = x.dim() == 2
    if unbatched:
        x = x.unsqueeze(1)  # (T, 1, I)
    elif batch_first:
        x = x.transpose(0, 1)  # (T, B, I)
    num_layers = getattr(module, "num_layers", 1)
    layers = [weights_from(module, k) for k in range(num_layers)]
    if state is not None and not isinstance(module, nn.RNNBase):  # a cell's state has no layer axis
        state = tuple(s.unsqueeze(0) for s in state) if isinstance(state, tuple) else state.unsqueeze(0)
    if state is not None and unbatched:
        state = tuple(s.unsqueeze(1) for s in state) if isinstance(state, tuple) else state.unsqueeze(1)
    h_n, c_n, traces, hiddens = [], [], [], []
    inp = x
    for k, w in enumerate(layers):
        s0 = None
        if state is not None:
            s0 = (state[0][k], state[1][k]) if w.kind == "LSTM" else state[k]
        inp, s_last, trace, hs = run_layer(w, inp, s0)
        h_n.append(s_last[0] if w.kind == "LSTM" else s_last)
        if w.kind == "LSTM":
            c_n.append(s_last[1])
        traces.append(trace)
        hiddens.append(hs)
    output = inp
    h_n_t = torch.stack(h_n)  # (L, B, H)
    c_n_t = torch.stack(c_n) if c_n else None
    if unbatched:
        output, h_n_t = output.squeeze(1), h_n_t.squeeze(1)
        c_n_t = c_n_t.squeeze(1) if c_n_t is not None else None
    elif batch_first:
        output = output.transpose(0, 1)
    return Run(output, h_n_t, c_n_t, traces, hiddens)
