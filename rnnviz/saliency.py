"""How far back a prediction looks: the gradient of one prediction with respect to each earlier
input (saliency), and the number of steps until that influence has faded (memory span).

    influence_k = ‖∂ y / ∂ x_{t-k}‖,  k = 0 … K

where y is the quantity read at step t (the log-probability the model gives the next
character, a forecast value, the recalled symbol's logit) and x_{t-k} the input k steps
before it (a one-hot row, an embedding, a sine value). Many positions at once: each position
is its own window in the batch, so one backward pass through the summed outputs gives every
window its own gradient (windows share no computation). Used by the char, sine and gates
pages; the model-specific part (what y is) is the caller's `read` function.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

FADED = 0.1  # the influence has faded once it stays below this fraction of its peak


def influence(read: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """x: (B, K+1, D) windows, each ending at the step whose prediction is read; read(x) -> (B,)
    the prediction of each window. Returns (B, K+1): column k is ‖∂ read(x)_b / ∂ x_{b, K-k}‖,
    the influence of the input k steps back (k = 0: the last input)."""
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        read(x).sum().backward()  # windows are independent: one pass, each its own gradient
    return x.grad.norm(dim=-1).flip(1)


def span(profile: Tensor, fraction: float = FADED) -> int:
    """Steps back until a (K+1,) influence profile falls below `fraction` of its peak for good:
    the last k whose influence is still at least that, counted from k = 0 (0: only the last
    input matters; K: it never faded within the window)."""
    above = (profile >= fraction * profile.max()).nonzero()
    return int(above.max()) if len(above) else 0


def shares(profile: Tensor) -> list[float]:
    """Each step's influence as a share of the profile's peak (0 … 1; all 0 for a flat profile)."""
    peak = float(profile.max())
    return (profile / peak).tolist() if peak > 0 else [0.0] * len(profile)
