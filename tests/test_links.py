"""Shareable links through AppTest: every setting that shapes a result lives in the URL.

A link with settings opens each page with exactly those settings, trains exactly that run
(two fresh sessions from one link give the same losses), and shows the link back in the
sidebar. A malformed link (unknown name, out of range, not a choice, not a number) opens
the page on the defaults with a note naming what was not used, never an exception.
The browser test of a link made by one session and opened by another is in
test_browser_links.py.
"""

from __future__ import annotations

import pytest
from apptest import open_page
from streamlit.testing.v1 import AppTest

TIMEOUT = 120

# per page: a link of cheap non-default settings, the run it trains, and a malformed link
PAGES = {
    "pages/1_RNN_Unrolling.py": {
        "link": {"unroll_seq_len": "5", "unroll_batch_first": "true", "hello_variant": "rnn", "hello_seed": "3",
                 "hello_epochs": "8", "gtt_len": "20"},
        "run": "hello__run",
        "bad": {"unroll_seq_len": "999", "unroll_batch_first": "maybe", "hello_variant": "lstm",
                "hello_seed": "three", "nonsense": "1"},
    },
    "pages/2_Sine_Forecasting.py": {
        "link": {"sine_seed": "2", "sine_hidden": "6", "sine_steps_fast": "60", "sine_kinds": ["GRU", "RNN"],
                 "sc_steps": "20"},
        "run": "sine__run",
        "bad": {"sine_kinds": ["RNN", "Transformer"], "sine_hidden": "-4", "sine_recipe": "slow"},
    },
    "pages/3_LSTM_Gates.py": {
        "link": {"gates_seed": "1", "gates_hidden": "6", "gates_steps": "30", "gates_gap": "5",
                 "gates_kind": "GRU"},
        "run": "gates__run",
        "bad": {"gates_kind": "Transformer", "gates_gap": "1e9", "gates_task": ""},
    },
    "pages/4_Char_Generation.py": {
        "link": {"char_seed": "4", "char_epochs": "1", "char_hidden": "8", "char_batch": "64",
                 "char_sampling": "consecutive", "char_kind": "LSTM"},
        "run": "char__run",
        "bad": {"char_corpus": "/etc/passwd", "char_dropout": "2", "char_opt": "lbfgs"},
    },
}


def open_link(page: str, params: dict) -> AppTest:
    """A fresh session opening `page` by a link with these query parameters."""
    return open_page(page, timeout=TIMEOUT, link=params)


def widget_value(at: AppTest, key: str):
    return at.session_state[key]


def as_link_value(value) -> str | list[str]:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return [str(v) for v in value]
    return f"{value:g}" if isinstance(value, float) else str(value)


def losses(at: AppTest, run: str) -> list[float]:
    state = at.session_state[run]
    assert state.status == "done" and state.history
    return [s.loss for s in state.history]


@pytest.mark.parametrize("page", list(PAGES))
def test_a_link_opens_the_page_with_its_settings_and_trains_the_same_run(page: str):
    spec = PAGES[page]
    first = open_link(page, spec["link"])
    assert not first.warning, [w.value for w in first.warning]
    for key, value in spec["link"].items():
        assert as_link_value(widget_value(first, key)) == value, key
    again = open_link(page, spec["link"])  # another learner, the same link
    assert losses(again, spec["run"]) == losses(first, spec["run"])
    # the link back, in the sidebar: every setting of the link is in it
    link = next(c.value for c in first.sidebar.code if c.value.startswith("?") or "://" in c.value)
    for key, value in spec["link"].items():
        for v in value if isinstance(value, list) else [value]:
            assert f"{key}={v}" in link, key


@pytest.mark.parametrize("page", list(PAGES))
def test_a_malformed_link_falls_back_to_the_defaults_with_a_note(page: str):
    spec = PAGES[page]
    at = open_link(page, spec["bad"])
    note = " ".join(w.value for w in at.warning)
    assert "This link has settings this page cannot use" in note
    for key, value in spec["bad"].items():
        shown = ",".join(value) if isinstance(value, list) else value
        assert f"`{key}={shown}`" in note, key
    defaults = open_link(page, {})
    assert not defaults.warning
    for key in spec["bad"]:
        if key in defaults.session_state:
            assert widget_value(at, key) == widget_value(defaults, key), key
    assert losses(at, spec["run"]) == losses(defaults, spec["run"])  # the default run, trained as usual
    at.run()  # the note stays while the learner is on the page, and nothing breaks on a rerun
    assert "This link has settings this page cannot use" in " ".join(w.value for w in at.warning)


def test_a_link_naming_the_chapters_recipe_opens_with_its_knobs():
    at = open_link("pages/4_Char_Generation.py", {"char_recipe": "d2l", "char_seed": "3"})
    state = at.session_state
    assert (state["char_kind"], state["char_hidden"], state["char_opt"], state["char_batch"], state["char_epochs"]) \
        == ("RNN", 256, "sgd", 32, 250)
    assert state["char_seed"] == 3  # the link's own setting wins
    assert "char__run" not in state  # a 2-minute run never starts from a link alone
