"""The predict-then-reveal block (rnnviz.checkpoint, rnnviz.ui.checkpoint) on its own: the
answer stays hidden until the learner commits, the reveal is computed when asked and judged
against the learner's answer, a new run asks again, and the record feeds progress and CSV.
Each lesson's own checkpoints are tested with its page (tests/test_lessons.py, test_page_*)."""

from __future__ import annotations

import csv
import io

import pytest
from streamlit.testing.v1 import AppTest

from rnnviz import checkpoint
from rnnviz.checkpoint import Attempt, Reveal
from rnnviz.i18n import Message


def test_a_choice_is_right_only_when_it_is_the_runs_answer():
    reveal = Reveal(right="grows", why=Message("checkpoint.hidden"))
    assert checkpoint.is_right("grows", reveal) and not checkpoint.is_right("shrinks", reveal)


@pytest.mark.parametrize(("answer", "right", "expected"), [(10.0, 12.0, True), (8.0, 12.0, False),
                                                          (0.2, 0.0, True), (2.0, 0.0, False)])
def test_an_estimate_is_right_within_its_tolerance(answer, right, expected):
    assert checkpoint.is_right(answer, Reveal(right=right, why=Message("checkpoint.hidden"))) is expected


def test_progress_and_csv_follow_the_record(monkeypatch):
    monkeypatch.setitem(checkpoint.PATH, "sine", ("sine_a", "sine_b", "sine_c"))
    record = {"sine_b": Attempt("sine", "sine_b", "larger", "larger", True),
              "sine_a": Attempt("sine", "sine_a", "3", "12", False)}
    assert checkpoint.progress(record, "sine") == checkpoint.Progress(answered=2, right=1, total=3)
    assert checkpoint.next_checkpoint(record, "sine") == "sine_c"
    rows = list(csv.DictReader(io.StringIO(checkpoint.answers_csv(record))))
    assert [(r["checkpoint"], r["answer"], r["right_answer"], r["correct"]) for r in rows] == [
        ("sine_b", "larger", "larger", "True"), ("sine_a", "3", "12", "False")]


@pytest.fixture(autouse=True)
def catalogues():
    """The demo app adds its words to the catalogues; take them out again."""
    from rnnviz.i18n import CATALOGUES

    saved = {lang: dict(words) for lang, words in CATALOGUES.items()}
    yield
    for lang, words in saved.items():
        CATALOGUES[lang].clear()
        CATALOGUES[lang].update(words)


def _quiz_app():
    """A page with one checkpoint about a 'run' (its config: a number in session state); the
    right answer is computed from that number when revealed; the answering text is drawn
    only once the checkpoint is revealed."""
    import streamlit as st

    from rnnviz.checkpoint import Reveal
    from rnnviz.i18n import CATALOGUES, Message
    from rnnviz.ui import checkpoint as checkpoint_ui

    for lang in CATALOGUES:  # the test's own words for its one checkpoint
        CATALOGUES[lang].update({"quiz.demo_1.title": "Does it grow?", "quiz.demo_1.q": "Will the number grow?",
                                 "quiz.demo_1.o.grows": "it grows", "quiz.demo_1.o.shrinks": "it shrinks",
                                 "quiz.demo_1.why": "The run's number is {x}.", "quiz.demo_1.try": "Try 0.5."})
    x = st.number_input("x", value=2.0, key="x")  # the run's knob
    st.session_state.setdefault("reveals", 0)

    def reveal():
        st.session_state["reveals"] += 1
        return Reveal(right="grows" if x > 1 else "shrinks", why=Message("quiz.demo_1.why", x=x),
                      try_this=Message("quiz.demo_1.try"), link={"x": "0.5"})

    if checkpoint_ui.ask("demo_1", "demo", {"x": x}, reveal, options=("grows", "shrinks")):
        st.markdown("THE ANSWERING CHART")


def _open() -> AppTest:
    at = AppTest.from_function(_quiz_app, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(at: AppTest) -> bool:
    return any(m.value == "THE ANSWERING CHART" for m in at.markdown)


def test_the_answer_is_hidden_until_the_learner_commits_then_judged():
    at = _open()
    assert not _shown(at) and at.session_state["reveals"] == 0  # nothing computed, nothing drawn
    check = at.button(key="checkpoint_demo_1__check")
    assert check.disabled  # no answer chosen yet
    at.radio(key="quiz_demo_1").set_value("shrinks").run()
    assert not _shown(at)  # choosing is not committing
    at.button(key="checkpoint_demo_1__check").click().run()
    assert _shown(at) and at.session_state["reveals"] >= 1
    assert "Not this time" in at.error[0].value and "it grows" in at.error[0].value
    assert any("The run's number is 2.0." in m.value for m in at.markdown)
    attempt = at.session_state["checkpoint_record"]["demo_1"]
    assert (attempt.answer, attempt.right_answer, attempt.correct) == ("shrinks", "grows", False)


def test_a_new_run_asks_again_and_the_answer_follows_it():
    at = _open()
    at.radio(key="quiz_demo_1").set_value("shrinks").run()
    at.button(key="checkpoint_demo_1__check").click().run()
    assert at.error
    at.session_state["x"] = 0.5  # the learner changed a knob: a new run
    at.run()
    assert not _shown(at) and at.radio(key="quiz_demo_1").value is None
    at.radio(key="quiz_demo_1").set_value("shrinks").run()
    at.button(key="checkpoint_demo_1__check").click().run()
    assert _shown(at) and "Right" in at.success[0].value
    assert at.session_state["checkpoint_record"]["demo_1"].correct


def test_show_me_reveals_without_recording_an_answer():
    at = _open()
    at.button(key="checkpoint_demo_1__show").click().run()
    assert _shown(at) and "it grows" in at.info[0].value
    record = at.session_state.get("checkpoint_record", {})
    assert "demo_1" not in record


def test_try_this_turns_the_knob_here_and_keeps_the_answers():
    """A new tab would start a session with no answers: "Try it" sets the knob in this one."""
    at = _open()
    at.radio(key="quiz_demo_1").set_value("grows").run()
    at.button(key="checkpoint_demo_1__check").click().run()
    assert any(m.value == "**Try this:** Try 0.5." for m in at.markdown)
    at.button(key="checkpoint_demo_1__try").click().run()
    assert not at.exception and at.number_input(key="x").value == 0.5
    assert not _shown(at), "the new run asks again"
    assert at.session_state["checkpoint_record"]["demo_1"].correct, "the answer given before stays"
