"""The forecasters the sine page trains.

SeqRegressor reads a window of values and predicts the next one. Its `kind` picks the
recurrent core, as in pytorch/examples' word_language_model: the fused nn.RNN / nn.LSTM /
nn.GRU, or "MyRNN", the tutorial's hand-written loop (linear_ih, linear_hh, tanh) that
computes exactly what nn.RNN computes, one value at a time.

A new forecaster: add its name to FORECASTERS and build its core in SeqRegressor.__init__
(with a `recurrent()` the transparent cells of rnnviz.cells can read); the sine page's
model picker and the exported script list FORECASTERS, and tests/test_sine.py runs every one.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

FORECASTERS = ("MyRNN", "RNN", "LSTM", "GRU")  # the recurrent cores SeqRegressor can build


class MyRNN(nn.Module):
    """The tutorial's RNN: h_t = tanh(linear_ih(x_t) + linear_hh(h_{t-1})), stepped in Python."""

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_ih = nn.Linear(input_size, hidden_size)  # W_ih x_t + b_ih
        self.linear_hh = nn.Linear(hidden_size, hidden_size)  # W_hh h_{t-1} + b_hh

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x (B, T, I) -> (outputs (B, T, H), h_T (1, B, H)), like nn.RNN with batch_first."""
        h = x.new_zeros(x.shape[0], self.hidden_size)  # (B, H)
        outs = []
        for t in range(x.shape[1]):
            h = torch.tanh(self.linear_ih(x[:, t]) + self.linear_hh(h))
            outs.append(h)
        return torch.stack(outs, dim=1), h.unsqueeze(0)

    def as_rnn(self) -> nn.RNN:
        """The same weights in an nn.RNN, for the transparent cells and the fused path."""
        rnn = nn.RNN(self.linear_ih.in_features, self.hidden_size, batch_first=True)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(self.linear_ih.weight), rnn.bias_ih_l0.copy_(self.linear_ih.bias)
            rnn.weight_hh_l0.copy_(self.linear_hh.weight), rnn.bias_hh_l0.copy_(self.linear_hh.bias)
        return rnn


class SeqRegressor(nn.Module):
    """A window (B, T, input_size) -> the next value (B, 1), read off the last hidden state."""

    def __init__(self, kind: str = "RNN", hidden_size: int = 12, input_size: int = 1, num_layers: int = 1):
        super().__init__()
        if kind not in FORECASTERS:
            raise ValueError(f"unknown model kind {kind!r}; choose one of {FORECASTERS}")
        self.kind = kind
        fused = getattr(nn, "RNN" if kind == "MyRNN" else kind)(input_size, hidden_size, num_layers,
                                                                  batch_first=True)
        if kind == "MyRNN":
            if num_layers != 1:
                raise ValueError("MyRNN has one layer, as in the tutorial")
            # start from the very weights nn.RNN would get under the same seed, so the two
            # ways train along the same path and differ only in speed
            with torch.random.fork_rng(devices=[]):  # leave the RNG where nn.RNN's path leaves it
                self.rnn = MyRNN(input_size, hidden_size)
            with torch.no_grad():
                self.rnn.linear_ih.weight.copy_(fused.weight_ih_l0), self.rnn.linear_ih.bias.copy_(fused.bias_ih_l0)
                self.rnn.linear_hh.weight.copy_(fused.weight_hh_l0), self.rnn.linear_hh.bias.copy_(fused.bias_hh_l0)
        else:
            self.rnn = fused
        self.linear_ho = nn.Linear(hidden_size, 1)  # y = W_ho h_T + b_ho

    def forward(self, x: Tensor) -> Tensor:
        out, _ = self.rnn(x)  # (B, T, H)
        return self.linear_ho(out[:, -1])  # (B, 1)

    def recurrent(self) -> nn.Module:
        """The recurrent core as a torch module the transparent cells can read."""
        return self.rnn.as_rnn() if self.kind == "MyRNN" else self.rnn
