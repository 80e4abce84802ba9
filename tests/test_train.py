"""The training generator: reproducible, stoppable, and safe against a silly learning rate."""

import math

import torch
from torch import nn

from rnnviz import unrolling
from rnnviz.train import seeded, train


def _losses(cfg):
    model = unrolling.hello_model(cfg)
    return [s.loss for s in unrolling.train_hello(cfg, model)]


def test_same_config_and_seed_give_identical_loss_history():
    cfg = unrolling.HelloConfig("embed", 0.05, 15, seed=3)
    assert _losses(cfg) == _losses(cfg)


def test_another_seed_gives_another_history():
    assert _losses(unrolling.HelloConfig(seed=1)) != _losses(unrolling.HelloConfig(seed=2))


def test_stopping_early_leaves_a_usable_partly_trained_model():
    cfg = unrolling.HelloConfig("rnn", 0.1, 15)
    model = unrolling.hello_model(cfg)
    before = unrolling.hello_loss(model, model(unrolling.encode("hello")), unrolling.encode("ohlol")).item()
    for snap in unrolling.train_hello(cfg, model):
        if snap.step == 5:
            break  # the page stops by no longer iterating
    after = unrolling.hello_loss(model, model(unrolling.encode("hello")), unrolling.encode("ohlol")).item()
    assert after < before


def test_nan_loss_stops_with_a_reason_and_restores_the_last_good_weights():
    with seeded(0):
        model = nn.Linear(3, 1)
    x = torch.randn(8, 3)
    opt = torch.optim.SGD(model.parameters(), lr=1e30)  # overshoots to inf on the first update
    snaps = list(train(model, lambda step: (model(x) ** 2).mean(), opt, steps=50))
    assert snaps[-1].stopped, "training should end with a reason"
    assert "learning rate" in str(snaps[-1].stopped) and "1e+30" in str(snaps[-1].stopped)
    assert len(snaps) < 50
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_clipping_reports_the_norm_before_clipping():
    with seeded(0):
        model = nn.Linear(3, 1)
    x = torch.randn(8, 3) * 100
    opt = torch.optim.SGD(model.parameters(), lr=1e-6)
    snap = next(train(model, lambda step: (model(x) ** 2).mean(), opt, steps=1, clip=1.0))
    assert snap.grad_norm > 1.0 and math.isfinite(snap.grad_norm)


def test_log_every_thins_the_snapshots_but_keeps_the_last():
    cfg = unrolling.HelloConfig(epochs=10)
    model = unrolling.hello_model(cfg)
    x, y = unrolling.encode("hello"), unrolling.encode("ohlol")
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    steps = [s.step for s in train(model, lambda i: unrolling.hello_loss(model, model(x), y), opt, 10, log_every=4)]
    assert steps == [4, 8, 10]
