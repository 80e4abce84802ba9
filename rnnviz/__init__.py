"""rnnviz: train small recurrent networks fast, then look inside them.

The engine behind the Streamlit pages. Nothing here imports streamlit except rnnviz.ui.
Importing the package sets torch's thread count once (RNNVIZ_THREADS, default 1): small
recurrent models run fastest on one or two threads, and every extra visitor on a shared
server would otherwise oversubscribe the cores.
"""

from __future__ import annotations

import os

import torch

THREADS = int(os.environ.get("RNNVIZ_THREADS", "1"))
torch.set_num_threads(max(1, THREADS))


def device() -> torch.device:
    """CUDA when present (set RNNVIZ_DEVICE=cpu to opt out), else the CPU."""
    wanted = os.environ.get("RNNVIZ_DEVICE", "cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(wanted)
