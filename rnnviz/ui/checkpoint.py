"""Predict, then reveal: a question about the learner's own model, asked before the answer is
on the page (its widgets; the engine side is rnnviz.checkpoint).

A page asks, then draws the chart that answers only once the learner has committed:

    if checkpoint.ask("gates_1", "gates", state.config, lambda: gates.keep_gate_reveal(model, cfg),
                      options=("forget_high", "forget_low", "input_high")):
        show(chart_that_answers_it)

The answer widget's key is quiz_<id> (tests find checkpoints by that prefix). Answers stay in
this session (st.session_state[RECORD], never in the share link); a new run (its config
changes) asks again. path(lesson) draws the lesson's checkpoints at the top of the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from rnnviz import checkpoint
from rnnviz.checkpoint import Attempt, Reveal
from rnnviz.i18n import tr

RECORD = "checkpoint_record"  # id -> the learner's last Attempt at it
SHORT = 4  # options this short (unit numbers) sit in a row


def record() -> dict[str, Attempt]:
    return st.session_state.setdefault(RECORD, {})


def path(lesson: str, skipped: Mapping[str, str] | None = None) -> None:
    """The lesson's path, at the top of its page: each checkpoint's goal in order, whether it is
    answered (right or not), a link down to it, and the progress. skipped: the checkpoints this
    page's settings do not ask (a GRU has no forget bias), each with why, in the learner's words."""
    ids = checkpoint.PATH[lesson]
    if not ids:
        return
    done, skipped = record(), skipped or {}
    mark = {True: "✅", False: "❌"}
    lines = [f"{n}. {mark.get(done[i].correct, '') if i in done else '○'} " +
             (f"{tr(f'quiz.{i}.title')} — *{skipped[i]}*" if i in skipped and i not in done else
              f"[{tr(f'quiz.{i}.title')}](#quiz-{i})")
             for n, i in enumerate(ids, start=1)]
    p = checkpoint.progress(done, lesson)
    with st.expander(tr("checkpoint.path", answered=p.answered, right=p.right, total=p.total),
                     icon=":material/quiz:", expanded=p.answered == 0):
        st.caption(tr("checkpoint.path_help"))
        st.markdown("\n".join(lines))


def progress_line(lesson: str) -> None:
    """A home card's line: the lesson's checkpoints answered and right, and the next one."""
    if not checkpoint.PATH[lesson]:
        return
    p = checkpoint.progress(record(), lesson)
    st.caption(tr("checkpoint.home_progress", answered=p.answered, right=p.right, total=p.total))
    if (nxt := checkpoint.next_checkpoint(record(), lesson)) is not None:
        st.caption(tr("checkpoint.home_next", title=tr(f"quiz.{nxt}.title")))


def ask(checkpoint_id: str, lesson: str, run: object, reveal: Callable[[], Reveal],
        options: Sequence[str] | None = None, labels: Mapping[str, str] | None = None,
        number: Mapping | None = None, values: Mapping | None = None) -> bool:
    """Ask checkpoint `checkpoint_id` about the run made with config `run`; True once the answer
    is revealed (the page then draws what answers it).

    options: the stable values of a multiple choice (their words: labels, or the catalogue's
    quiz.<id>.o.<value>); or number: st.number_input's arguments for an estimate. reveal()
    computes the answer from the run; it is called only after the learner commits or asks
    to be shown. values fill the question's {placeholders}. The click that reveals reruns the
    page once, so the answer shows as committed and the path at the top counts it."""
    key, shown_key, run_key = f"quiz_{checkpoint_id}", f"checkpoint_{checkpoint_id}__shown", f"checkpoint_{checkpoint_id}__run"
    if st.session_state.get(run_key) != repr(run):  # a new run: ask again
        st.session_state[run_key] = repr(run)
        st.session_state.pop(key, None)
        st.session_state.pop(shown_key, None)
    words = (lambda v: labels.get(v, str(v))) if labels is not None else (lambda v: tr(f"quiz.{checkpoint_id}.o.{v}"))
    with st.container(border=True, key=f"checkpoint_{checkpoint_id}"):  # .st-key-checkpoint_<id> on the page
        st.subheader(f":material/quiz: {tr(f'quiz.{checkpoint_id}.title')}", anchor=f"quiz-{checkpoint_id}")
        question = tr(f"quiz.{checkpoint_id}.q", **(values or {}))
        if options is not None:
            answer = st.radio(question, list(options), index=None, format_func=words, key=key,
                              disabled=bool(st.session_state.get(shown_key)),
                              horizontal=all(len(words(o)) <= SHORT for o in options))  # unit numbers: a row, not 128 lines
        else:
            answer = st.number_input(question, value=None, key=key, disabled=bool(st.session_state.get(shown_key)),
                                     **(number or {}))
        if not st.session_state.get(shown_key):
            c = st.columns([1, 1, 3])
            if c[0].button(tr("checkpoint.check"), key=f"checkpoint_{checkpoint_id}__check", type="primary",
                           disabled=answer is None):
                result = reveal()
                record()[checkpoint_id] = Attempt(lesson, checkpoint_id, str(answer), str(result.right),
                                                  checkpoint.is_right(answer, result))
                st.session_state[shown_key] = "answered"
                st.rerun()
            elif c[1].button(tr("checkpoint.show"), key=f"checkpoint_{checkpoint_id}__show"):
                st.session_state[shown_key] = "shown"
                st.rerun()
            c[2].caption(tr("checkpoint.hidden"))
            return False
        result = reveal()
        right_words = words(result.right) if options is not None else _number(result.right)
        attempt = record().get(checkpoint_id)
        if st.session_state[shown_key] == "answered" and attempt is not None:
            correct = attempt.correct
            if correct:
                st.success(tr("checkpoint.right", answer=right_words), icon=":material/check_circle:")
            else:
                st.error(tr("checkpoint.wrong", answer=right_words), icon=":material/cancel:")
        else:
            st.info(tr("checkpoint.answer", answer=right_words), icon=":material/visibility:")
        st.markdown(str(result.why))
        if result.try_this is not None:
            st.markdown(tr("checkpoint.try", text=str(result.try_this)))
            if result.link:  # in this session: a new tab would start one with no answers
                st.button(tr("checkpoint.try_button"), key=f"checkpoint_{checkpoint_id}__try", on_click=_try,
                          args=(result.link,), icon=":material/science:", help=tr("checkpoint.try_help"))
    return True


ON_SET: dict[str, Callable[..., None]] = {}  # a knob whose own on_change sets others (the char recipe): keep=


def _try(link: Mapping[str, str]) -> None:
    """Turn the page's knobs to a try-this's values (before the rerun draws them), keeping the
    learner's answers; a knob with its own on_change (ON_SET) runs it, the link's other knobs kept."""
    for key, value in link.items():
        st.session_state[key] = _like(st.session_state.get(key), value)
        if key in ON_SET:
            ON_SET[key](keep=set(link))


def _like(current: object, value: str) -> object:
    """value (a link's string) as the type the widget holds."""
    if isinstance(current, bool):
        return value.lower() == "true"
    if isinstance(current, (int, float)):
        return type(current)(float(value))
    if isinstance(current, list):
        return value.split(",")
    return value


def revealed(checkpoint_id: str, run: object) -> bool:
    """Whether the learner has seen checkpoint_id's answer for the run made with config `run`
    (a page may then show what would have given the answer away)."""
    return bool(st.session_state.get(f"checkpoint_{checkpoint_id}__shown")) and \
        st.session_state.get(f"checkpoint_{checkpoint_id}__run") == repr(run)


def _number(x) -> str:
    x = float(x)
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"
