"""The server's memory: glibc's malloc arenas capped when rnnviz is imported (bench/rss.py measures the RSS).

A Streamlit server runs each session's script in its own thread, and glibc gives every thread
that allocates while others are alive an arena of its own (up to 8 per core), each keeping what
its training freed. Importing rnnviz caps them (rnnviz.MALLOC_ARENAS) unless the host set
MALLOC_ARENA_MAX. Checked in a fresh interpreter per case, since the cap lasts for the process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# 8 threads alive at once, each training a little (as 8 sessions' scripts do), then glibc's count of arenas
EIGHT_THREADS = """
import ctypes, json, sys, threading
{imports}
import torch
libc = ctypes.CDLL("libc.so.6")
start = threading.Barrier(8)
def train():
    start.wait()
    model = torch.nn.LSTM(8, 32)
    opt = torch.optim.Adam(model.parameters())
    for _ in range(3):
        out, _ = model(torch.randn(50, 4, 8))
        out.sum().backward(); opt.step(); opt.zero_grad()
    start.wait()  # every thread holds its arena until all have trained
threads = [threading.Thread(target=train) for _ in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
buf, size = ctypes.c_void_p(), ctypes.c_size_t()
libc.open_memstream.restype = ctypes.c_void_p
stream = ctypes.c_void_p(libc.open_memstream(ctypes.byref(buf), ctypes.byref(size)))
libc.malloc_info(0, stream); libc.fclose(stream)
print(json.dumps(ctypes.string_at(buf, size.value).decode().count("<heap nr=")))
"""


def arenas(imports: str, **env: str) -> int:
    clean = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run([sys.executable, "-c", EIGHT_THREADS.format(imports=imports)], cwd=ROOT,
                          env={**clean, **env}, capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")


def test_importing_rnnviz_caps_the_arenas_that_concurrent_sessions_would_each_get():
    import rnnviz

    assert arenas("") > rnnviz.MALLOC_ARENAS  # without the cap, the threads spread over more arenas
    assert arenas("import rnnviz") <= rnnviz.MALLOC_ARENAS


def test_a_host_setting_malloc_arena_max_wins():
    assert arenas("import rnnviz", MALLOC_ARENA_MAX="4") in (3, 4)  # more than the default cap, within the host's
