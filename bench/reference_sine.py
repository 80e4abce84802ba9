"""Reference: the classic noisy-sine RNN tutorial, as faithfully as a function of a seed allows.

The tutorial: x = np.linspace(0, 36, 400); y = sin(x) + np.random.uniform(0, 0.2, 400); the
first 320 points train, the last 80 test. A hand-written RNN (MyRNN: linear_ih, linear_hh,
linear_ho, 12 hidden units, default nn.Linear init) reads one value per call. Each training
iteration picks ONE random start t in [0, 310), feeds y[t] .. y[t+9] one by one from a zero
hidden state, and takes an SGD step (lr 0.01) on the MSE between the output after the 10th
value and y[t+10]. The tutorial runs 10,000 iterations. The test part is then forecast
free-running: from y[310..319], each prediction is appended and fed back in (the 3rd
prediction reads y[312..319], pred[320], pred[321]).

What changed from the tutorial, and nothing else:
- the series is rnnviz.data.sine.make_series(SeriesConfig(seed=seed)) (same x, same
  U[0, 0.2) noise, drawn from numpy's default_rng(seed)), so the reference and rnnviz see
  identical data;
- torch.manual_seed(seed) just before building the model, and the random starts come from
  np.random.default_rng(seed) (the tutorial seeds nothing);
- a function run(seed, iterations=10_000, ...) returning the training time and the free
  run's MSE vs the clean sine and vs the noisy truth, instead of plotting them (plus, not
  in the tutorial, the single-step MSE vs the clean sine, to show the model did learn).

    python bench/reference_sine.py [seed] [iterations]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rnnviz.data.sine import SeriesConfig, make_series

N_TRAIN = 320
WINDOW = 10
HIDDEN = 12
LR = 0.01
ITERATIONS = 10_000


class MyRNN(nn.Module):
    def __init__(self, input_size=1, hidden_size=HIDDEN, output_size=1):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear_ih = nn.Linear(input_size, hidden_size)
        self.linear_hh = nn.Linear(hidden_size, hidden_size)
        self.linear_ho = nn.Linear(hidden_size, output_size)

    def forward(self, x_t, hidden):
        h = torch.tanh(self.linear_ih(x_t) + self.linear_hh(hidden))
        return self.linear_ho(h), h

    def init_hidden(self):
        return torch.zeros(1, self.hidden_size)


def predict_next(model: MyRNN, values) -> torch.Tensor:
    """Feed the window's values one by one from a zero hidden state; the output after the last."""
    hidden = model.init_hidden()
    for v in values:
        x_t = torch.tensor([[v]], dtype=torch.float32)
        out, hidden = model(x_t, hidden)
    return out


def run(seed: int = 0, iterations: int = ITERATIONS, lr: float = LR, verbose: bool = False) -> dict:
    series = make_series(SeriesConfig(seed=seed))
    x, y, clean = series.x, series.y, series.clean
    train_y, test_y = y[:N_TRAIN], y[N_TRAIN:]

    t0 = time.perf_counter()
    torch.manual_seed(seed)
    model = MyRNN()
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    losses = []
    for it in range(iterations):
        t = int(rng.integers(0, N_TRAIN - WINDOW))  # [0, 310): the target y[t+10] stays in the training part
        output = predict_next(model, train_y[t:t + WINDOW])
        target = torch.tensor([[train_y[t + WINDOW]]], dtype=torch.float32)
        loss = criterion(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if verbose and (it + 1) % 1000 == 0:
            print(f"iteration {it + 1}: loss {np.mean(losses[-1000:]):.4f}")
    train_s = time.perf_counter() - t0

    # free-running forecast of the 80 test points
    t1 = time.perf_counter()
    values = list(y[N_TRAIN - WINDOW:N_TRAIN])
    preds = []
    with torch.no_grad():
        for _ in range(len(test_y)):
            p = predict_next(model, values[-WINDOW:]).item()
            preds.append(p)
            values.append(p)
    forecast_s = time.perf_counter() - t1
    preds = np.array(preds, dtype=np.float32)
    with torch.no_grad():  # not in the tutorial: single-step, each from the TRUE previous 10 values
        single = np.array([predict_next(model, y[i - WINDOW:i]).item() for i in range(N_TRAIN, len(y))],
                          dtype=np.float32)
    mse_clean = float(np.mean((preds - clean[N_TRAIN:]) ** 2))
    mse_noisy = float(np.mean((preds - test_y) ** 2))
    if verbose:
        print(f"free run MSE vs clean sine {mse_clean:.4f}, vs noisy truth {mse_noisy:.4f}")
    return {"train_s": train_s, "forecast_s": forecast_s, "mse_clean": mse_clean, "mse_noisy": mse_noisy,
            "single_step_mse_clean": float(np.mean((single - clean[N_TRAIN:]) ** 2)),
            "final_loss_mean_last_1000": float(np.mean(losses[-1000:])), "preds": preds, "x": x[N_TRAIN:]}


if __name__ == "__main__":
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    iters = int(sys.argv[2]) if len(sys.argv) > 2 else ITERATIONS
    r = run(seed, iters, verbose=True)
    print(f"training {r['train_s']:.2f} s, forecast {r['forecast_s']:.3f} s")
