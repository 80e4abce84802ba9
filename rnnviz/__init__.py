"""rnnviz: train small recurrent networks fast, then look inside them.

The engine behind the Streamlit pages. Nothing here imports streamlit except rnnviz.ui.
Importing the package sets torch's thread count once (RNNVIZ_THREADS, default 1): small
recurrent models run fastest on one or two threads, and every extra visitor on a shared
server would otherwise oversubscribe the cores. It also caps glibc's malloc arenas (see
_cap_malloc_arenas).
"""

from __future__ import annotations

import ctypes
import os

import torch

THREADS = int(os.environ.get("RNNVIZ_THREADS", "1"))
torch.set_num_threads(max(1, THREADS))
MALLOC_ARENAS = 2  # unless the host set MALLOC_ARENA_MAX


def _cap_malloc_arenas() -> None:
    """glibc gives each thread that allocates while another does its own malloc arena, up to 8
    per core, and a Streamlit server runs every session's script in a thread of its own: each
    arena keeps what a training run freed, so a server held about 110 MB freed but not returned
    (bench/rss.py). MALLOC_ARENA_MAX set by the host wins; elsewhere than glibc, nothing to do."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, MALLOC_ARENAS)  # -8: M_ARENA_MAX
    except (OSError, AttributeError):
        pass


_cap_malloc_arenas()


def give_back_memory() -> None:
    """Return the memory glibc holds freed to the system (malloc_trim): called after a training
    run, whose freed batches and activations would otherwise stay in the server's RSS (74-92 MB
    after 8 runs at once, bench/rss.py). Elsewhere than glibc, nothing to do."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def device() -> torch.device:
    """CUDA when present (set RNNVIZ_DEVICE=cpu to opt out), else the CPU."""
    wanted = os.environ.get("RNNVIZ_DEVICE", "cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(wanted)
