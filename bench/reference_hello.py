"""Reference: the classic hello -> ohlol code of 刘二大人 (PyTorch 深度学习实践, lecture 12),
in its three variants, copied as faithfully as a function of a seed allows.

What changed from the notes, and nothing else:
- each script is a function `run_<variant>(seed, lr=<notes' lr>, epochs=15, verbose=False)`
  that calls torch.manual_seed(seed) just before building the model (the notes seed nothing);
- the prints are kept behind `verbose`; the function returns the per-epoch predicted strings,
  losses and elapsed wall times (seconds since the function started, taken at the end of
  each epoch), which is what the benchmark needs.
- the prediction is made during the forward pass, as the notes print it: epoch k's string
  comes from the weights BEFORE epoch k's optimiser step (rnnviz.unrolling.train_hello does
  the same, so with the same seed and lr both print the same strings at the same epochs).

The notes' learning rates: Adam 0.1 for the RNNCell loop, 0.05 for nn.RNN and for the
embedding model. Run as a script to print the notes' output for one seed.
"""

# ruff: noqa: UP008, UP031  (the notes' own style, kept verbatim)
from __future__ import annotations

import sys
import time

import torch

idx2char = ['e', 'h', 'l', 'o']
x_data = [1, 0, 2, 2, 3]  # hello
y_data = [3, 1, 2, 3, 2]  # ohlol
one_hot_lookup = [[1, 0, 0, 0],
                  [0, 1, 0, 0],
                  [0, 0, 1, 0],
                  [0, 0, 0, 1]]

NOTES_LR = {"cell": 0.1, "rnn": 0.05, "embed": 0.05}


# ---------------------------------------------------------------- 1. RNNCell


def run_cell(seed: int, lr: float = NOTES_LR["cell"], epochs: int = 15, verbose: bool = False) -> dict:
    t0 = time.perf_counter()
    input_size = 4
    hidden_size = 4
    batch_size = 1

    x_one_hot = [one_hot_lookup[x] for x in x_data]
    inputs = torch.Tensor(x_one_hot).view(-1, batch_size, input_size)
    labels = torch.LongTensor(y_data).view(-1, 1)

    class Model(torch.nn.Module):
        def __init__(self, input_size, hidden_size, batch_size):
            super(Model, self).__init__()
            self.batch_size = batch_size
            self.input_size = input_size
            self.hidden_size = hidden_size
            self.rnncell = torch.nn.RNNCell(input_size=self.input_size, hidden_size=self.hidden_size)

        def forward(self, input, hidden):
            hidden = self.rnncell(input, hidden)
            return hidden

        def init_hidden(self):
            return torch.zeros(self.batch_size, self.hidden_size)

    torch.manual_seed(seed)
    net = Model(input_size, hidden_size, batch_size)

    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)

    predicted, losses, times = [], [], []
    for epoch in range(epochs):
        loss = 0
        optimizer.zero_grad()
        hidden = net.init_hidden()
        chars = []
        for input, label in zip(inputs, labels):
            hidden = net(input, hidden)
            loss += criterion(hidden, label)
            _, idx = hidden.max(dim=1)
            chars.append(idx2char[idx.item()])
        loss.backward()
        optimizer.step()
        predicted.append(''.join(chars))
        losses.append(loss.item())
        times.append(time.perf_counter() - t0)
        if verbose:
            print('Predicted string: ' + predicted[-1], end='')
            print(', Epoch [%d/15] loss=%.4f' % (epoch + 1, loss.item()))
    return {"predicted": predicted, "losses": losses, "times": times}


# ---------------------------------------------------------------- 2. nn.RNN, one-hot


def run_rnn(seed: int, lr: float = NOTES_LR["rnn"], epochs: int = 15, verbose: bool = False) -> dict:
    t0 = time.perf_counter()
    input_size = 4
    hidden_size = 4
    num_layers = 1
    batch_size = 1
    seq_len = 5

    x_one_hot = [one_hot_lookup[x] for x in x_data]
    inputs = torch.Tensor(x_one_hot).view(seq_len, batch_size, input_size)
    labels = torch.LongTensor(y_data)

    class Model(torch.nn.Module):
        def __init__(self, input_size, hidden_size, batch_size, num_layers=1):
            super(Model, self).__init__()
            self.num_layers = num_layers
            self.batch_size = batch_size
            self.input_size = input_size
            self.hidden_size = hidden_size
            self.rnn = torch.nn.RNN(input_size=self.input_size, hidden_size=self.hidden_size,
                                    num_layers=num_layers)

        def forward(self, input):
            hidden = torch.zeros(self.num_layers, self.batch_size, self.hidden_size)
            out, _ = self.rnn(input, hidden)
            return out.view(-1, self.hidden_size)

    torch.manual_seed(seed)
    net = Model(input_size, hidden_size, batch_size, num_layers)
    return _train_whole_sequence(net, inputs, labels, lr, epochs, t0, verbose)


def _train_whole_sequence(net, inputs, labels, lr: float, epochs: int, t0: float, verbose: bool) -> dict:
    """The notes' loop for scripts 2 and 3 (the same lines in both): one Adam step per epoch on
    the whole sequence, the prediction read from the outputs."""
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)

    predicted, losses, times = [], [], []
    for epoch in range(epochs):
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        _, idx = outputs.max(dim=1)
        idx = idx.data.numpy()
        predicted.append(''.join([idx2char[x] for x in idx]))
        losses.append(loss.item())
        times.append(time.perf_counter() - t0)
        if verbose:
            print('Predicted: ', predicted[-1], end='')
            print(', Epoch [%d/15] loss = %.3f' % (epoch + 1, loss.item()))
    return {"predicted": predicted, "losses": losses, "times": times}


# ---------------------------------------------------------------- 3. Embedding + 2-layer RNN + Linear


def run_embed(seed: int, lr: float = NOTES_LR["embed"], epochs: int = 15, verbose: bool = False) -> dict:
    t0 = time.perf_counter()
    num_class = 4
    input_size = 4
    hidden_size = 8
    embedding_size = 10
    num_layers = 2
    batch_size = 1  # noqa: F841 (the notes define it)
    seq_len = 5  # noqa: F841

    inputs = torch.LongTensor([x_data])  # (batch, seq_len)
    labels = torch.LongTensor(y_data)  # (batch * seq_len)

    class Model(torch.nn.Module):
        def __init__(self):
            super(Model, self).__init__()
            self.emb = torch.nn.Embedding(input_size, embedding_size)
            self.rnn = torch.nn.RNN(input_size=embedding_size, hidden_size=hidden_size,
                                    num_layers=num_layers, batch_first=True)
            self.fc = torch.nn.Linear(hidden_size, num_class)

        def forward(self, x):
            hidden = torch.zeros(num_layers, x.size(0), hidden_size)
            x = self.emb(x)  # (batch, seqLen, embeddingSize)
            x, _ = self.rnn(x, hidden)
            x = self.fc(x)
            return x.view(-1, num_class)

    torch.manual_seed(seed)
    net = Model()
    return _train_whole_sequence(net, inputs, labels, lr, epochs, t0, verbose)


RUN = {"cell": run_cell, "rnn": run_rnn, "embed": run_embed}


if __name__ == "__main__":
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    for name, fn in RUN.items():
        print(f"--- {name} (seed {seed}, lr {NOTES_LR[name]})")
        fn(seed, verbose=True)
