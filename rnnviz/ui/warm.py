"""The server's warm-up: every page's default run trained in the background when the server
starts, so the first visitor of a page does not wait for its training.

`streamlit run streamlit_app.py` serves the app as an st.App whose lifespan calls start()
(see streamlit_app.py). A run is shared with every session exactly as a first visitor's default
run is (rnnviz.ui.live.share); a page opened before its run is ready says so and waits for it.
Each finished run is also saved under RNNVIZ_CACHE/warm/, named by a digest of its key, config,
torch's version and the engine's source (rnnviz/*.py), so a restarted server, or a second
process behind the proxy, loads it in milliseconds instead of training it again; any change to
the engine's code or the config names a new file.
A new page with a default run: one entry in default_runs(), with the config and start function
the page passes to live_training.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch

from rnnviz import charlm, cost, gates, sincos, sine, unrolling
from rnnviz.data import grammar
from rnnviz.data.text import CACHE
from rnnviz.train import Snapshot
from rnnviz.ui.live import WARMING, TrainState, WarmUp, share, train_quietly

THREADS = 2  # the runs are trained in this many threads at once
SAVED = CACHE / "warm"
ENGINE = Path(__file__).resolve().parents[1]  # rnnviz/: the code a run depends on


@functools.cache
def default_runs() -> tuple[tuple[str, Any, Callable[[Any], tuple[Any, Iterator[Snapshot]]]], ...]:
    """(page key, default config, start) of every page's default run, the quickest first, so each page's
    first run is ready soon; the sine page's recipe comparison (about 20 s) last. The pages pass
    default(key) to live_training, so the run warmed is the one they share."""
    char_default = charlm.CharConfig()
    reber = grammar.corpus()
    corpus = charlm.prepare(reber, char_default.held_out, char_default.vocab_cap)
    prefixes = charlm.prefixes_for("reber", reber)
    return (
        ("gates", gates.GateConfig(), gates.build),
        ("sine", sine.SineConfig(), sine.build),
        ("sincos", sincos.SinCosConfig(), sincos.build),
        ("hello", unrolling.HelloConfig(), unrolling.start_hello),
        ("char", charlm.RunKey(corpus="reber", length=len(reber), config=char_default),
         lambda key: charlm.build(key.config, corpus, prefixes, grammar.is_embedded_reber)),
        ("sinecmp", sine.CompareConfig(), sine.compare),
    )


def default(key: str) -> Any:
    """The default config of the page's run `key` (what a page passes to live_training as default)."""
    return next(config for k, config, _ in default_runs() if k == key)


def start() -> list[threading.Thread]:
    """Warm every default run in THREADS background threads (daemons: the server does not wait)."""
    runs = list(default_runs())
    for key, _, _ in runs:  # known before any thread starts: a page opened now waits instead of training
        WARMING.setdefault(key, WarmUp())
    engine = engine_digest()
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not runs:
                    return
                key, config, start_run = runs.pop(0)
            warm(key, config, start_run, SAVED / f"{key}-{run_digest(key, config, engine)}.pt")

    threads = [threading.Thread(target=worker, name=f"rnnviz-warm-{i}", daemon=True) for i in range(THREADS)]

    def measure_then_train() -> None:
        cost.measure()  # on a quiet machine: the warm-up's own training would inflate the prices
        for thread in threads:
            thread.start()

    first = threading.Thread(target=measure_then_train, name="rnnviz-warm", daemon=True)
    first.start()
    return [first, *threads]


def warm(key: str, config: Any, start_run: Callable, saved: Path) -> TrainState | None:
    """Load the run saved at `saved`, or train it and save it there; then share it."""
    progress = WARMING.setdefault(key, WarmUp())
    try:
        state = _load(saved, config)
        if state is None:
            state = train_quietly(config, start_run, progress)
            if state is not None:
                _save(state, saved)
        if state is not None:
            share(key, state)
        return state
    finally:
        progress.done.set()


def engine_digest() -> str:
    """A digest of the engine's source (rnnviz/**/*.py) and torch's version."""
    h = hashlib.sha256(torch.__version__.encode())
    for path in sorted(ENGINE.rglob("*.py")):
        h.update(path.relative_to(ENGINE).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


def run_digest(key: str, config: Any, engine: str) -> str:
    return hashlib.sha256(f"{key}\n{config!r}\n{engine}".encode()).hexdigest()[:20]


def _load(path: Path, config: Any) -> TrainState | None:
    try:  # this server's own file, written by _save from a run it trained
        state = torch.load(path, weights_only=False)
    except Exception:  # noqa: BLE001 (missing, cut short, or from older code: whatever the reason, train it)
        return None
    return state if isinstance(state, TrainState) and state.config == config and state.status == "done" else None


def _save(state: TrainState, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        torch.save(state, partial)
        os.replace(partial, path)  # whole or absent: several processes may warm at once
        for old in path.parent.glob(f"{path.name.split('-')[0]}-*.pt"):  # older code's runs of this page
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:  # a read-only cache folder: the run is still shared in memory
        pass
