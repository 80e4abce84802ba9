"""The training loop, as a generator of small snapshots.

The loop never draws: a page iterates it and decides how often to redraw, a test iterates
it to the end, a benchmark times it. A caller stops training by no longer iterating; the
model keeps whatever it has learnt so far. Shared by every page's training: a new experiment
writes its loss_at (and describe/done) and calls train(); a new check that ends a run early
goes here, with its reason as a Message (words under train.* in the catalogues).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from rnnviz.i18n import Message

# torch's default generator is global; sessions run in threads of one server, so model
# initialisation under a seed holds this lock to stay reproducible per seed.
_SEED_LOCK = threading.Lock()


@contextmanager
def seeded(seed: int):
    """Run a block (building a model, drawing data) with torch's global RNG set to seed."""
    with _SEED_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@dataclass(frozen=True)
class Snapshot:
    """What a page needs to draw one moment of training; small and picklable."""

    step: int  # optimiser steps done so far
    total: int  # steps planned
    loss: float  # loss of this step's batch
    grad_norm: float  # gradient norm before clipping
    info: dict = field(default_factory=dict)  # extra per-experiment figures (e.g. the prediction)
    stopped: Message | None = None  # why training ended early (str() says it to the learner), else None


def _diverged(what: str, step: int, lr: float) -> Message:
    return Message("train.diverged", step=step, what=Message(f"train.{what}"), lr=lr, good=step - 1)


def train(
    model: nn.Module,
    loss_at: Callable[[int], Tensor],
    optimizer: torch.optim.Optimizer,
    steps: int,
    log_every: int = 1,
    clip: float | None = None,
    describe: Callable[[], dict] | None = None,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    done: Callable[[dict], str] | None = None,
) -> Iterator[Snapshot]:
    """Take `steps` optimiser steps on loss_at(step); yield a Snapshot every log_every steps.

    A non-finite loss or gradient ends training with a Snapshot whose `stopped` says why,
    and the model is restored to its weights before that step. done(info), when given, may
    end training early: it returns "" to go on, or the reason it is done (kept in info["done"]).
    """
    params = [p for p in model.parameters() if p.requires_grad]
    lr = optimizer.defaults["lr"]  # as the learner set it, before any schedule
    model.train()
    for step in range(1, steps + 1):
        good = nn.utils.parameters_to_vector(params).detach()  # the weights before this step, one copy
        optimizer.zero_grad(set_to_none=True)
        loss = loss_at(step)
        loss_value = float(loss.detach())
        bad = None if math.isfinite(loss_value) else "loss"
        grad_norm = math.nan
        if bad is None:
            loss.backward()
            grads = [p.grad for p in params if p.grad is not None]
            grad_norm = float(nn.utils.clip_grad_norm_(params, clip) if clip else nn.utils.get_total_norm(grads))
            bad = None if math.isfinite(grad_norm) else "gradient"
        if bad is None:
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            bad = None if math.isfinite(float(nn.utils.get_total_norm(params))) else "weights"
        if bad is not None:
            with torch.no_grad():
                nn.utils.vector_to_parameters(good, params)
            model.eval()
            yield Snapshot(step, steps, loss_value, grad_norm, {}, _diverged(bad, step, lr))
            return
        if step % log_every == 0 or step == steps:
            model.eval()  # the caller may use the model between steps: in eval mode
            info = describe() if describe else {}
            reason = done(info) if done else ""
            if reason:
                info["done"] = reason
            yield Snapshot(step, steps, loss_value, grad_norm, info)
            if reason:
                return
            model.train()
