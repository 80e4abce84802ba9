"""The training generator: reproducible, stoppable, and safe against a silly learning rate."""

import math

import torch
from torch import nn

from rnnviz import unrolling as U
from rnnviz.train import seeded, train


def _losses(cfg):
    model = U.hello_model(cfg)
    return [s.loss for s in U.train_hello(cfg, model)]


def test_same_config_and_seed_give_identical_loss_history():
    cfg = U.HelloConfig("embed", 0.05, 15, seed=3)
    assert _losses(cfg) == _losses(cfg)


def test_another_seed_gives_another_history():
    assert _losses(U.HelloConfig(seed=1)) != _losses(U.HelloConfig(seed=2))


def test_stopping_early_leaves_a_usable_partly_trained_model():
    cfg = U.HelloConfig("rnn", 0.1, 15)
    model = U.hello_model(cfg)
    before = U.hello_loss(model, model(U.encode("hello")), U.encode("ohlol")).item()
    for snap in U.train_hello(cfg, model):
        if snap.step == 5:
            break  # the page stops by no longer iterating
    after = U.hello_loss(model, model(U.encode("hello")), U.encode("ohlol")).item()
    assert after < before
    assert len(U.predict(model)) == 5


def test_nan_loss_stops_with_a_reason_and_restores_the_last_good_weights():
    with seeded(0):
        model = nn.Linear(3, 1)
    x = torch.randn(8, 3)
    opt = torch.optim.SGD(model.parameters(), lr=1e30)  # overshoots to inf on the first update
    snaps = list(train(model, lambda step: (model(x) ** 2).mean(), opt, steps=50))
    assert snaps[-1].stopped, "training should end with a reason"
    assert "learning rate" in snaps[-1].stopped and "1e+30" in snaps[-1].stopped
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
    cfg = U.HelloConfig(epochs=10)
    model = U.hello_model(cfg)
    x, y = U.encode("hello"), U.encode("ohlol")
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    steps = [s.step for s in train(model, lambda i: U.hello_loss(model, model(x), y), opt, 10, log_every=4)]
    assert steps == [4, 8, 10]
