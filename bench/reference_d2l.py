"""Reference: d2l-zh's "循环神经网络的从零开始实现" (RNN from scratch), PyTorch port, as faithfully
as a function of a seed allows.

The recipe (Dive-into-DL-PyTorch, chapter 6.4, and its d2lzh_pytorch/utils.py): the Jay Chou
lyrics with newlines as spaces (the first 10,000 characters in the chapter), a vocabulary of
its characters, `data_iter_random` (non-overlapping subsequences of num_steps = 35 in random
order, batch_size = 32, the state initialised for every minibatch), parameters W_xh, W_hh, W_hq
drawn from normal(0, 0.01) and zero biases b_h, b_q, 256 hidden units, the `rnn()` loop of
tanh(X W_xh + H W_hh + b_h) over one-hot inputs (one (batch, vocab) matrix per time step, as
`to_onehot` builds them), nn.CrossEntropyLoss on the time-major concatenated outputs (a mean),
`grad_clipping(params, θ = 0.01)` on the global norm, then `sgd(params, lr = 100, 1)` (the code
passes batch_size 1 "because the loss is already a mean"), p -= lr * grad. The training
perplexity of an epoch is exp(sum(l * n) / sum(n)), exactly as the chapter prints it. The
chapter trains 250 epochs and prints perplexity 1.30 with random sampling.

What changed, and nothing else:
- the corpus text is passed in (read from the zip by the benchmark);
- the vocabulary is sorted(set(chars)) instead of list(set(chars)), whose order changes with
  Python's hash seed from one process to the next;
- numpy's np.random.normal becomes np.random.default_rng(seed).normal and data_iter_random's
  random.shuffle a random.Random(seed), so a run is a function of its seed (the chapter seeds
  nothing);
- everything runs on the CPU in float32; no sampling of lyrics every 50 epochs (the chapter's
  `predict_rnn` printout), so the timing is training only;
- the function stops after `epochs` epochs or, at the end of the first epoch past `seconds`
  of wall time, and returns the per-epoch perplexity and elapsed wall time instead of printing.

    python bench/reference_d2l.py [epochs] [full]   # full: the whole corpus, not its first 10k
"""

from __future__ import annotations

import math
import random
import sys
import time

import numpy as np
import torch
from torch import nn

NUM_HIDDENS = 256
NUM_STEPS = 35
BATCH_SIZE = 32
LR = 100.0
CLIPPING_THETA = 0.01
NUM_EPOCHS = 250


def load_corpus(text: str) -> tuple[list[int], dict[str, int], list[str], int]:
    """load_data_jay_lyrics without the file reading: indices, char_to_idx, idx_to_char, vocab size."""
    idx_to_char = sorted(set(text))  # the chapter: list(set(text)), order depends on the hash seed
    char_to_idx = {char: i for i, char in enumerate(idx_to_char)}
    return [char_to_idx[c] for c in text], char_to_idx, idx_to_char, len(char_to_idx)


def data_iter_random(corpus_indices: list[int], batch_size: int, num_steps: int, rng: random.Random):
    """d2l's random sampling: (batch, num_steps) float tensors X, Y, shuffled subsequences."""
    num_examples = (len(corpus_indices) - 1) // num_steps
    epoch_size = num_examples // batch_size
    example_indices = list(range(num_examples))
    rng.shuffle(example_indices)

    def _data(pos):
        return corpus_indices[pos: pos + num_steps]

    for i in range(epoch_size):
        i = i * batch_size
        batch_indices = example_indices[i: i + batch_size]
        X = [_data(j * num_steps) for j in batch_indices]
        Y = [_data(j * num_steps + 1) for j in batch_indices]
        yield torch.tensor(X, dtype=torch.float32), torch.tensor(Y, dtype=torch.float32)


def one_hot(x: torch.Tensor, n_class: int) -> torch.Tensor:
    """(batch,) -> (batch, n_class)"""
    x = x.long()
    res = torch.zeros(x.shape[0], n_class, dtype=torch.float32)
    res.scatter_(1, x.view(-1, 1), 1)
    return res


def to_onehot(X: torch.Tensor, n_class: int) -> list[torch.Tensor]:
    """(batch, seq_len) -> seq_len matrices of (batch, n_class)"""
    return [one_hot(X[:, i], n_class) for i in range(X.shape[1])]


def get_params(num_inputs: int, num_hiddens: int, num_outputs: int, rng: np.random.Generator) -> nn.ParameterList:
    def _one(shape):
        ts = torch.tensor(rng.normal(0, 0.01, size=shape), dtype=torch.float32)
        return nn.Parameter(ts, requires_grad=True)

    W_xh = _one((num_inputs, num_hiddens))
    W_hh = _one((num_hiddens, num_hiddens))
    b_h = nn.Parameter(torch.zeros(num_hiddens, requires_grad=True))
    W_hq = _one((num_hiddens, num_outputs))
    b_q = nn.Parameter(torch.zeros(num_outputs, requires_grad=True))
    return nn.ParameterList([W_xh, W_hh, b_h, W_hq, b_q])


def init_rnn_state(batch_size: int, num_hiddens: int) -> tuple[torch.Tensor]:
    return (torch.zeros((batch_size, num_hiddens)),)


def rnn(inputs, state, params):
    """inputs and outputs: num_steps matrices of (batch, vocab)"""
    W_xh, W_hh, b_h, W_hq, b_q = params
    H, = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.matmul(X, W_xh) + torch.matmul(H, W_hh) + b_h)
        Y = torch.matmul(H, W_hq) + b_q
        outputs.append(Y)
    return outputs, (H,)


def grad_clipping(params, theta: float) -> None:
    norm = torch.tensor([0.0])
    for param in params:
        norm += (param.grad.data ** 2).sum()
    norm = norm.sqrt().item()
    if norm > theta:
        for param in params:
            param.grad.data *= (theta / norm)


def sgd(params, lr: float, batch_size: int) -> None:
    for param in params:
        param.data -= lr * param.grad / batch_size


def train_reference(text: str, epochs: int | None = NUM_EPOCHS, seconds: float | None = None, seed: int = 0,
                    num_hiddens: int = NUM_HIDDENS, num_steps: int = NUM_STEPS, batch_size: int = BATCH_SIZE,
                    lr: float = LR, clipping_theta: float = CLIPPING_THETA, verbose: bool = False) -> dict:
    """train_and_predict_rnn with random sampling; stops after `epochs` or once past `seconds`.

    Returns {"vocab_size", "steps_per_epoch", "ppl": [per epoch], "elapsed": [wall s at each epoch's end]}.
    """
    corpus_indices, _, _, vocab_size = load_corpus(text)
    rng, np_rng = random.Random(seed), np.random.default_rng(seed)
    t0 = time.perf_counter()
    params = get_params(vocab_size, num_hiddens, vocab_size, np_rng)
    loss = nn.CrossEntropyLoss()
    ppl, elapsed, steps = [], [], 0
    epoch = 0
    while (epochs is None or epoch < epochs) and (seconds is None or not elapsed or elapsed[-1] < seconds):
        l_sum, n, steps = 0.0, 0, 0
        for X, Y in data_iter_random(corpus_indices, batch_size, num_steps, rng):
            state = init_rnn_state(batch_size, num_hiddens)  # random sampling: a fresh state per minibatch
            inputs = to_onehot(X, vocab_size)
            outputs, state = rnn(inputs, state, params)
            outputs = torch.cat(outputs, dim=0)  # (num_steps * batch, vocab)
            y = torch.transpose(Y, 0, 1).contiguous().view(-1)  # time-major, as the outputs
            l = loss(outputs, y.long())  # the chapter's name
            if params[0].grad is not None:
                for param in params:
                    param.grad.data.zero_()
            l.backward()
            grad_clipping(params, clipping_theta)
            sgd(params, lr, 1)  # the loss is already a mean
            l_sum += l.item() * y.shape[0]
            n += y.shape[0]
            steps += 1
        epoch += 1
        ppl.append(math.exp(l_sum / n))
        elapsed.append(time.perf_counter() - t0)
        if verbose and (epoch % 10 == 0 or epoch == 1):
            print(f"epoch {epoch}, perplexity {ppl[-1]:f}, time {elapsed[-1]:.1f} sec", flush=True)
    return {"vocab_size": vocab_size, "steps_per_epoch": steps, "ppl": ppl, "elapsed": elapsed}


if __name__ == "__main__":
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    import os

    from rnnviz.data.text import d2l_lyrics, read_text

    data = Path(os.environ.get("RNNVIZ_CORPUS_DIR", root.parent / "shared" / "data"))
    raw = read_text("jaychou_lyrics.txt.zip", (data / "jaychou_lyrics.txt.zip").read_bytes())
    full = "full" in sys.argv[1:]
    text = d2l_lyrics(raw, None if full else 10_000)
    n_epochs = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else NUM_EPOCHS
    r = train_reference(text, n_epochs, verbose=True)
    print(f"vocab {r['vocab_size']}, {r['steps_per_epoch']} steps per epoch, threads {torch.get_num_threads()}")
