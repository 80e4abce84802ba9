"""The live-training block every page uses.

It trains when the settings are new and the run is short (or on the Train button), draws
progress in words, a Stop button and the page's charts every few tenths of a second, and
keeps the result in st.session_state so a rerun never retrains. A run estimated (from its
config, rnnviz.cost) to take longer than AUTO_SECONDS waits for the Train button, with the
estimate on the page: a learner changes several settings, then trains once. Stop works the
Streamlit way: the click reruns the script, which interrupts the loop; the run found "running" on the next pass was
interrupted, and its partial model stays usable. A run that diverges gives way to the
last good run, with the reason on the page.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import StopException
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

import rnnviz
from rnnviz import cost
from rnnviz.i18n import LANGUAGES, language, tr
from rnnviz.train import Snapshot
from rnnviz.ui.page import fragment

# Every update is a message to the browser, and Streamlit drops a session whose browser falls
# 500 messages behind: a live view's rate and size stay bounded however long the run.
REDRAW_SECONDS = 0.5  # charts are redrawn at most this often at the start of a run...
REDRAW_SHARE = 1 / 30  # ...and later every 1/30 of the time trained so far (a 10-minute run: every 20 s)
PROGRESS_SECONDS = 0.25  # how often the progress bar moves
LIVE_POINTS = 300  # snapshots a live redraw draws at most
FINAL_POINTS = 2_000  # snapshots the finished run's charts draw at most: a 125,000-step run is not a 10 MB chart
# A session keeps at most this many snapshots of a run (about 0.44 KB each), thinned as it grows:
# a 10-minute run of tiny steps would keep 144,000 (60 MB), and Streamlit holds a closed tab's
# session (its runs included) until a later visit clears it.
HISTORY_LIMIT = 20_000
AUTO_SECONDS = float(os.environ.get("RNNVIZ_AUTO_SECONDS", "5"))  # longer runs wait for the Train button
# A hosted demo refuses a run over rnnviz.cost's budget (memory, one step's time, the run's time);
# a learner's own machine asks first ("Train anyway"). Either way a link alone never starts one.
HOSTED = os.environ.get("RNNVIZ_HOSTED") == "1"


@dataclass
class TrainState:
    """One training run as the page keeps it."""

    config: Any  # the frozen config it was trained with
    model: Any  # the trained (or partly trained) model
    history: list[Snapshot] = field(default_factory=list)
    status: str = "running"  # running, done, stopped
    message: str = ""  # shown to the learner beside the results
    previous: Any = field(default=None, repr=False)  # the run shown before this one, until this one's first step

    @property
    def last(self) -> Snapshot | None:
        return self.history[-1] if self.history else None


@dataclass(frozen=True)
class Failure:
    """A run that gave nothing to show (it diverged, or was stopped before its first step): the
    settings it was for, why, and how loud to say it. Kept until the settings change."""

    config: Any
    message: str
    severity: str = "error"  # error (diverged), warning (stopped by the learner)


def live_training(
    key: str,
    config: Any,
    start: Callable[[Any], tuple[Any, Iterator[Snapshot]]],
    render: Callable[[TrainState], None],
    what: str,
    auto: bool = True,
    default: Any = None,
    seconds: float | None = None,
    vocab: int | None = None,
) -> TrainState | None:
    """Train `config` live (start(config) -> (model, snapshots)) and draw with render(state).

    render must draw no widgets: it is called many times in one run. Returns the state
    shown (the fresh run, or the last good one after a failure), or None before any run.
    When config == default, the run is shared read-only with every session on this server:
    the first visitor trains it live, later ones get it at once (same config and seed give
    the same run, so nothing differs but the wait). Retrain always trains a private copy.
    seconds: the run's estimated length (default: rnnviz.cost.seconds(config)); above
    AUTO_SECONDS new settings wait for the Train button instead of training at once.
    A run over rnnviz.cost's budget never starts by itself: refused on a hosted demo, asked
    for ("Train anyway") on the learner's machine, with the estimate and the knob to turn.
    vocab: the char model's vocabulary size (its one-hot width), for the estimates.
    """
    skey, fkey = f"{key}__run", f"{key}__failed"
    state: TrainState | None = st.session_state.get(skey)
    if state is not None and state.status == "running":  # the loop was interrupted by a rerun
        state.status = "stopped"
        if state.history:
            state.message = tr("live.stopped", step=state.last.step, total=state.last.total)
        else:  # stopped before its first step: nothing learnt, the last model stays (and no auto-retrain)
            st.session_state[fkey] = Failure(state.config, tr("live.stopped_before"), "warning")
            state = st.session_state[skey] = state.previous
    failed: Failure | None = st.session_state.get(fkey)
    if failed is not None and failed.config != config:
        failed = None
    stale = state is None or state.config != config
    will_train = auto and stale and failed is None
    waiting = None  # the estimated seconds of a long run that waits for the Train button
    over: dict[str, float] = {}  # the budget's limits this run would pass
    if stale and config != default:
        estimate = cost.seconds(config, vocab) if seconds is None else seconds
        over = cost.over_budget(config, vocab, estimate)
        if will_train and (estimate > AUTO_SECONDS or over):
            will_train, waiting = False, estimate
    label = tr("live.retrain") if state is not None or will_train else tr("live.train")
    note = st.empty()  # the estimate of a waiting run; gone once it trains
    if over:
        label = tr("live.train_anyway", about=about(waiting or estimate))
        note.error(heavy(config, vocab, over, what, state is not None), icon=":material/memory:")
    elif waiting is not None:
        label = tr("live.train_about", label=tr("live.train"), about=about(waiting))
        previous = tr("live.waiting_previous") if state is not None else ""
        note.info(tr("live.waiting", what=what, about=about(waiting), previous=previous), icon=":material/schedule:")
    clicked = st.button(label, key=f"{key}__train", type="primary", help=tr("live.train_help", what=what),
                        disabled=bool(over) and HOSTED)
    if clicked:
        note.empty()
    shared, shared_key = _shared_runs(), (key, language())  # its messages are in the language it ran in
    if state is None and moved() and config != default:
        with st.container(key="rnnviz_moved"):
            st.warning(tr("live.moved", what=what) + " " + tr("live.moved_retraining" if will_train else "live.moved_train"),
                       icon=":material/sync_problem:")
    if will_train and not clicked and config == default and shared_key not in shared and warming(key):
        _warming_note(key, what)  # the page goes on without it, and is drawn again when it is ready
        return None
    if will_train and not clicked and default is not None and config == default and shared_key in shared:
        state = st.session_state[skey] = shared[shared_key]
    elif clicked or will_train:
        state = _train(key, config, start, render, what, previous=state)
        if not clicked and state is not None and state.status == "done" and config == default:
            shared.setdefault(shared_key, state)
        if clicked and label != tr("live.retrain") and state is not None and state.config == config:
            st.rerun()  # the button above still says "Train (about 2 min)": draw the page again, with Retrain
    failed = st.session_state.get(fkey)
    if failed is not None and failed.config == config:
        if failed.severity == "warning":
            st.warning(failed.message, icon=":material/pause_circle:")
        else:
            st.error(failed.message, icon=":material/error:")
    if state is not None and state.config != config and waiting is None:
        st.info(tr("live.previous_settings"), icon=":material/info:")
    if state is None:
        return None
    if state.message:
        st.warning(state.message, icon=":material/pause_circle:")
    grew = _loss_grew(state)
    if grew:
        st.warning(grew, icon=":material/trending_up:")
    if state.last is not None:
        parts = len(state.last.info.get("losses", {}))  # several models trained side by side: their sum
        st.caption(tr("live.final", step=state.last.step, loss=state.last.loss)
                   + (tr("live.final_sum", n=parts) if parts > 1 else ""))
    with st.container():
        render(thinned(state, FINAL_POINTS))
    return state


def heavy(config, vocab: int | None, over: dict[str, float], what: str, shown: bool) -> str:
    """Why a run is over the budget, with its estimates, and the knob to turn."""
    why = [tr(f"live.over_{limit}", value=value, about=about(value),
             limit=cost.RUN_MEMORY_MB if limit == "memory" else cost.STEP_SECONDS if limit == "step"
             else about(cost.RUN_SECONDS)) for limit, value in over.items()]
    knob = tr("live.knob_run") if set(over) == {"run"} else tr(f"live.knob_{cost.largest(config, vocab)}", vocab=vocab)
    ending = tr("live.refused") if HOSTED else tr("live.ask")
    previous = tr("live.waiting_previous") if shown else ""
    return tr("live.heavy", what=what, why=tr("live.why_join").join(why), knob=knob, ending=ending, previous=previous)


def about(seconds: float) -> str:
    """A run's estimated length in words: about 20 s, about 3 min."""
    if seconds < 90:
        return tr("live.about_seconds", seconds=max(1, round(seconds / 10) * 10 if seconds > 15 else round(seconds)))
    if seconds < 90 * 60:
        return tr("live.about_minutes", minutes=round(seconds / 60))
    return tr("live.about_hours", hours=round(seconds / 3600, 1 if seconds < 10 * 3600 else None))


def thinned(state: TrainState, limit: int = LIVE_POINTS) -> TrainState:
    """The run as a chart draws it: about `limit` evenly spaced snapshots, the last one,
    and every milestone (a snapshot that carries more than the first, such as an epoch's end)."""
    history = state.history
    if len(history) <= limit:
        return state
    usual = set(history[0].info)
    stride = len(history) / limit
    keep = {int(k * stride) for k in range(limit)} | {len(history) - 1}
    keep |= {i for i, snap in enumerate(history) if set(snap.info) - usual}
    return replace(state, history=[history[i] for i in sorted(keep)])


def _loss_grew(state: TrainState) -> str:
    """A warning when training made the loss worse (a learning rate too large for Adam to blow up)."""
    if len(state.history) < 2 or state.status != "done":
        return ""
    runs: dict[object, list[float]] = {}  # models trained one after another (the sine page's recipes): each its own
    for snap in state.history:
        runs.setdefault(snap.info.get("recipe"), []).append(snap.loss)
    for losses in runs.values():
        first, last = losses[0], losses[-1]
        if last > 2 * first:
            lr = learning_rate(state.config)
            tail = tr("live.lr_too_large", lr=lr) if lr is not None else ""
            return tr("live.loss_grew", first=first, last=last, tail=tail)
    return ""


def learning_rate(config) -> float | None:
    """A run's learning rate: its config's lr, or the lr of the config a run key wraps (the char
    page's key names its corpus too, and holds the model's settings as .config)."""
    for c in (config, getattr(config, "config", None)):
        if hasattr(c, "lr"):
            return c.lr
    return None


@st.cache_resource(show_spinner=False)
def _shared_runs() -> dict[tuple[str, str], TrainState]:
    """Finished default runs, one per (page key, language), shared read-only by every session."""
    return {}


@dataclass
class WarmUp:
    """A page's default run trained when the server started (rnnviz.ui.warm), before anyone asked."""

    step: int = 0
    total: int = 0
    done: threading.Event = field(default_factory=threading.Event)


WARMING: dict[str, WarmUp] = {}  # page key -> its default run's warm-up (none when the server did not warm)


def train_quietly(config: Any, start: Callable[[Any], tuple[Any, Iterator[Snapshot]]],
                  progress: WarmUp) -> TrainState | None:
    """Train `config` without drawing (the server's warm-up), its step kept in `progress`.
    None when it diverged."""
    model, snapshots = start(config)
    state = TrainState(config, model)
    for snap in snapshots:
        if snap.stopped:
            return None
        _keep(state, snap)
        progress.step, progress.total = snap.step, snap.total
    state.status = "done"
    rnnviz.give_back_memory()
    return state


def share(key: str, state: TrainState) -> None:
    """Share a page's finished default run with every session, as if its first visitor had trained
    it (same config and seed, same run). It carries no words: the same run for every language."""
    for lang in LANGUAGES:
        _shared_runs().setdefault((key, lang), state)


def warming(key: str) -> bool:
    """Whether the page's default run `key` is still being trained by the server's warm-up."""
    warm = WARMING.get(key)
    return warm is not None and not warm.done.is_set()


def _warming_note(key: str, what: str) -> None:
    """Say that the server is still training the page's default run, with its step, and draw the
    whole page again once it is done (the page meanwhile shows everything that does not need it)."""
    warm = WARMING[key]

    @fragment(run_every=2 * PROGRESS_SECONDS)
    def note() -> None:
        if not warm.done.is_set():
            text = tr("live.warming_step", what=what, step=warm.step, total=warm.total) if warm.total \
                else tr("live.warming", what=what)
            st.progress(warm.step / warm.total if warm.total else 0.0, text=text)
        else:
            st.rerun()  # the whole page, now with the run

    note()


def moved() -> bool:
    """Whether this session's browser reconnected from a server process that no longer holds its
    session (the process restarted, or a replica behind the proxy stopped): the websocket asked to
    resume a session id this process does not know (Streamlit sends it as the third
    Sec-WebSocket-Protocol entry). Its trained models stayed in the old process's memory.
    Streamlit's frontend reconnects by itself but runs the script again only at the learner's next
    action (a widget, or R to rerun): the message shows then, above the run to retrain."""
    if "_moved" not in st.session_state:
        entries = [e.strip() for e in st.context.headers.get("Sec-Websocket-Protocol", "").split(",")]
        asked = entries[2] if len(entries) > 2 else ""
        ctx = get_script_run_ctx()
        st.session_state["_moved"] = bool(asked) and ctx is not None and asked != ctx.session_id
    return st.session_state["_moved"]


def _keep(state: TrainState, snap: Snapshot) -> None:
    """Add a snapshot to a run's history, halved when it grows past HISTORY_LIMIT (every other
    step, all milestones, the last)."""
    state.history.append(snap)
    if len(state.history) > HISTORY_LIMIT:
        state.history = thinned(state, HISTORY_LIMIT // 2).history


def _train(key, config, start, render, what, previous: TrainState | None) -> TrainState | None:
    skey, fkey = f"{key}__run", f"{key}__failed"
    model, snapshots = start(config)
    state = TrainState(config, model, previous=previous)
    st.session_state[skey] = state
    st.session_state.pop(fkey, None)
    progress = st.progress(0.0, text=tr("live.training", what=what))
    stop = st.empty()
    stop.button(tr("live.stop"), key=f"{key}__stop", icon=":material/stop:", help=tr("live.stop_help"))
    area = st.empty()
    began = drawn = moved = time.perf_counter()
    try:
        for snap in snapshots:
            if snap.stopped:
                st.session_state[fkey] = Failure(config, str(snap.stopped))
                break
            _keep(state, snap)
            state.previous = None
            if time.perf_counter() - moved > PROGRESS_SECONDS:
                progress.progress(snap.step / snap.total,
                                  text=tr("live.progress", what=what, step=snap.step, total=snap.total, loss=snap.loss))
                moved = time.perf_counter()
            now = time.perf_counter()
            if now - drawn > max(REDRAW_SECONDS, (now - began) * REDRAW_SHARE):
                with area.container():
                    render(thinned(state))
                drawn = time.perf_counter()
    except StopException:  # Streamlit's own Stop (the toolbar): nothing can be drawn any more this run,
        if state.history:  # so the next run finds the model kept and says why, as after our Stop button
            state.status = "stopped"
            state.message = tr("live.stopped", step=state.last.step, total=state.last.total)
        raise
    progress.empty()
    stop.empty()
    area.empty()
    rnnviz.give_back_memory()
    if fkey in st.session_state:  # diverged: the last good run stays on the page
        st.session_state[skey] = previous
        return previous
    state.status = "done"
    return state
