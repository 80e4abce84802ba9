"""Predict, then reveal: the engine side of a checkpoint (no streamlit, no words).

A checkpoint asks the learner what their own model will do (or shows) before the answer is
on the page, then reveals the answer computed from that model. This module holds what is not
Streamlit: each lesson's checkpoints in page order (PATH), the reveal a lesson's engine
computes from its run (Reveal), judging an answer, and the learner's record (Attempt,
progress, CSV). The widgets are rnnviz.ui.checkpoint.

A new checkpoint: its id in PATH (page order); a function in the lesson's engine module that
computes its Reveal from the run (tested on two settings whose right answers differ); its
words in the lesson's catalogues under quiz.<id> (title: the one-line goal; q: the question;
o.<value>: each option; why/try keys as the Reveal's Messages name them); one ask() call on
the page, above the chart that answers it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import astuple, dataclass, fields

from rnnviz.i18n import Message

LESSONS = ("unrolling", "sine", "gates", "char")
PATH: dict[str, tuple[str, ...]] = {  # each lesson's checkpoints, in the order the page asks them
    "unrolling": ("unrolling_1", "unrolling_2", "unrolling_3", "unrolling_4"),
    "sine": ("sine_1", "sine_2", "sine_3", "sine_4"),
    "gates": ("gates_1", "gates_2", "gates_3", "gates_4"),  # keep gate (2.), memory unit (4.), b_f 0 (5.), RNN gap 50 (last)
    "char": ("char_1", "char_2", "char_3", "char_4"),
}
TOLERANCE = 0.25  # an estimate within 25 % of the run's number counts as right


@dataclass(frozen=True)
class Reveal:
    """The answer, computed from the learner's run."""

    right: str | float  # the right option's value (a choice) or the run's number (an estimate)
    why: Message  # two or three sentences tied to what is on screen, with the run's numbers
    try_this: Message | None = None  # a knob to turn that tests the idea further
    link: dict[str, str] | None = None  # the page's query parameters that set that knob
    tolerance: float = TOLERANCE  # an estimate: relative error still counted right


def is_right(answer: str | float, reveal: Reveal) -> bool:
    """A choice is right when it is the right option; an estimate when it is within the
    reveal's tolerance of the run's number (relative; absolute when that number is 0)."""
    if isinstance(reveal.right, str):
        return str(answer) == reveal.right
    right, answer = float(reveal.right), float(answer)
    return abs(answer - right) <= reveal.tolerance * (abs(right) or 1.0)


@dataclass(frozen=True)
class Attempt:
    """One answered checkpoint, as the session keeps it (never in the share link)."""

    lesson: str
    checkpoint: str
    answer: str
    right_answer: str
    correct: bool


@dataclass(frozen=True)
class Progress:
    answered: int
    right: int
    total: int


def progress(record: dict[str, Attempt], lesson: str) -> Progress:
    """How far the learner is in a lesson: checkpoints answered, answered right, in all."""
    ids = PATH[lesson]
    done = [record[i] for i in ids if i in record]
    return Progress(len(done), sum(a.correct for a in done), len(ids))


def next_checkpoint(record: dict[str, Attempt], lesson: str) -> str | None:
    """The first of the lesson's checkpoints the learner has not answered, or None."""
    return next((i for i in PATH[lesson] if i not in record), None)


def answers_csv(record: dict[str, Attempt]) -> str:
    """The learner's answers as CSV: lesson, checkpoint, answer, right answer, correct."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f.name for f in fields(Attempt)])
    for attempt in record.values():
        writer.writerow(astuple(attempt))
    return out.getvalue()
