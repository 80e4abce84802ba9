"""Shared read-only results computed once per server in a background thread.

For the default settings of a slow experiment (the gates page's gap sweep): the first
visitor starts it, every visitor sees its rows as they arrive, nobody waits for it.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st


class Job:
    """Iterates a generator of rows in a thread; rows, done and error are read-only to pages.

    rows(stop) gets a callable that turns True when the process exits: a long job checks
    it and returns, so torch is not torn down under a running thread (which aborts).
    """

    def __init__(self, rows: Callable[[Callable[[], bool]], Iterable[Any]]):
        self.rows: list[Any] = []
        self.done = False
        self.error = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(rows,), name="rnnviz-background", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def close(self, timeout: float = 10.0) -> None:
        """Ask the job to stop and wait for it (at exit)."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self, rows: Callable[[Callable[[], bool]], Iterable[Any]]) -> None:
        try:
            for row in rows(self._stop.is_set):
                self.rows.append(row)
        except Exception as exc:  # noqa: BLE001 (shown on the page instead of dying silently in a thread)
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.done = True


@st.cache_resource(show_spinner=False)
def shared_job(name: str, _rows: Callable[[Callable[[], bool]], Iterable[Any]]) -> Job:
    """The one Job for `name` on this server (started on first call)."""
    return Job(_rows)
