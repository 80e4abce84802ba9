"""Shared read-only results computed once per server in a background thread.

For the default settings of a slow experiment (the gates page's gap sweep): the first
visitor starts it, every visitor sees its rows as they arrive, nobody waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st


class Job:
    """Iterates a generator of rows in a daemon thread; rows, done and error are read-only to pages."""

    def __init__(self, rows: Callable[[], Iterable[Any]]):
        self.rows: list[Any] = []
        self.done = False
        self.error = ""
        threading.Thread(target=self._run, args=(rows,), name="rnnviz-background", daemon=True).start()

    def _run(self, rows: Callable[[], Iterable[Any]]) -> None:
        try:
            for row in rows():
                self.rows.append(row)
        except Exception as exc:  # noqa: BLE001 (shown on the page instead of dying silently in a thread)
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.done = True


@st.cache_resource(show_spinner=False)
def shared_job(name: str, _rows: Callable[[], Iterable[Any]]) -> Job:
    """The one Job for `name` on this server (started on first call)."""
    return Job(_rows)
