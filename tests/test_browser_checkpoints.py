"""Checkpoints in a real browser, on every page that has them: a learner answers the page's
first checkpoint before its answer is shown, checks it, and reads whether the model agrees;
a second learner answers the other way. One of them is right and the other wrong, and the
answering part appears only after checking. Screenshots of the checkpoint before and after,
in English and 简体中文, go to tests/artifacts/checkpoint_<page>_<lang>_{before,after}.png (the
sine page's to tests/artifacts/readme/, for the README).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from web import LOAD_MS, assert_no_exception, open_page, wait_finished

from rnnviz import checkpoint

PAGES = {"unrolling": "/RNN_Unrolling", "sine": "/Sine_Forecasting", "gates": "/LSTM_Gates",
         "char": "/Char_Generation"}
README_LESSON = "sine"  # whose checkpoint the README shows, before and after, in both languages
VERDICT = {"en": ("Right:", "Not this time."), "zh": ("答对了", "这次不对")}


def answer_first_checkpoint(browser, url: str, lesson: str, lang: str, pick, shots: Path | None):
    """Open the page, answer its first checkpoint, check it: (the option's words, every option's
    words, the verdict's text). pick(options' words) -> the index to choose. Screenshots of the
    checkpoint before and after when shots."""
    cid = checkpoint.PATH[lesson][0]
    context, page, errors = open_page(browser, f"{url}?lang={lang}")
    try:
        wait_finished(page)
        box = page.locator(f".st-key-checkpoint_{cid}")
        box.wait_for(timeout=LOAD_MS)
        box.scroll_into_view_if_needed()
        assert box.locator('[data-testid="stAlert"]').count() == 0  # nothing revealed before the learner commits
        options = box.locator('[data-testid="stRadio"] [data-testid="stRadioOption"]')
        if shots:
            box.screenshot(path=str(shots / f"checkpoint_{lesson}_{lang}_before.png"))
        every = [options.nth(i).inner_text().strip() for i in range(options.count())]
        if every:  # a multiple choice
            assert len(every) >= 2
            chosen = options.nth(pick(every))
            words = chosen.inner_text().strip()
            chosen.click()
        else:  # an estimate: a number
            words = str(pick(every))
            field = page.locator(f".st-key-quiz_{cid} input")
            field.fill(words)
            field.press("Enter")
        wait_finished(page)
        page.locator(f".st-key-checkpoint_{cid}__check button").click()
        box.locator('[data-testid="stAlert"]').first.wait_for(timeout=LOAD_MS)
        wait_finished(page)
        verdict = box.locator('[data-testid="stAlert"] [data-testid="stMarkdownContainer"]').first.inner_text().strip()
        if shots:
            box.screenshot(path=str(shots / f"checkpoint_{lesson}_{lang}_after.png"))
        assert_no_exception(page, errors)
        return words, every, verdict
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("lesson", list(PAGES))
def test_a_right_and_a_wrong_answer_are_told_apart(browser, app_url: str, artifacts: Path, lesson: str, lang: str):
    if not checkpoint.PATH[lesson]:
        pytest.skip(f"the {lesson} page has no checkpoint yet")
    right, wrong = VERDICT[lang]
    shots = artifacts / "readme" if lesson == README_LESSON else artifacts  # docs/screenshots/update.py copies readme/
    shots.mkdir(exist_ok=True)
    first_words, every, first = answer_first_checkpoint(browser, app_url + PAGES[lesson], lesson, lang,
                                                         lambda words: 0 if words else 1, shots)
    assert first.startswith((right, wrong)), first
    if not every:  # an estimate of 1 is wrong; the verdict names the run's number, which is right
        assert first.startswith(wrong), first
        run_number = int(re.findall(r"\d[\d,]*", first)[-1].replace(",", ""))
        pick = run_number
    else:
        named = max((w for w in every if w in first), key=len)  # the verdict names the run's answer
        if first.startswith(right):
            assert named == first_words
            pick = 1  # a second learner answers otherwise: wrong
        else:
            assert named != first_words
            pick = every.index(named)  # a second learner answers what the model says: right
    second_words, _, second = answer_first_checkpoint(browser, app_url + PAGES[lesson], lesson, lang,
                                                      lambda words: pick, None)
    assert second_words != first_words
    assert {first.startswith(right), second.startswith(right)} == {True, False}, (first, second)
