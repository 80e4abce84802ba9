"""The "Sine forecasting" page in a real browser (fixtures app_url, browser, artifacts from
conftest.py): opened by its own URL as the first request, trained with the FAQ's random
windows for 10,000 steps, stopped half way with the Stop button; the partial model stays
usable and its charts are drawn. A link made in Chinese opens with the same choices in
English. Screenshots go to tests/artifacts/2_Sine_Forecasting_*.png.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import torch
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from web import (
    DRAWN_CHARTS_JS,
    FINISHED_JS,
    PROGRESS_STEP_JS,
    assert_no_exception,
    heading,
    open_page,
    set_number,
)

VIEWPORT = {"width": 1400, "height": 5200}  # Streamlit scrolls inside its own container: a tall window shows all
LOAD_MS = 90_000  # the session's first request imports torch and trains the default models
URL_PATH = "/Sine_Forecasting"
STEPS = 10_000  # num_iter of the FAQ's random windows, as bench/reference_sine.py runs
CHARTS = 6  # Altair charts the page draws once a model is trained (sections 1-7), before any checkpoint is answered
ANSWERS = {"sine_1": 3, "sine_2": 1, "sine_3": 1, "sine_4": 2}  # the charts each checkpoint holds back until it is answered
# (sine_1: section 4's two and section 3's free run as it trains; sine_4: section 7's loss curves and its result)
CHARTS_WITHOUT_DATA = 6  # with settings that cannot work, sections 1-2 and the windows chart are gone (sine_1 shown)
PROGRESS = re.compile(r"Training the forecaster: step (\d+) of (\d+)")


def wait_finished(page, charts: int = CHARTS) -> None:
    page.wait_for_function(FINISHED_JS, timeout=LOAD_MS)
    page.wait_for_function(f"() => ({DRAWN_CHARTS_JS})() >= {charts}", timeout=LOAD_MS)
    page.wait_for_function(FINISHED_JS, timeout=LOAD_MS)


def show_me(page, checkpoint: str) -> None:
    """Press a checkpoint's "Show me" (if it still asks) and wait for what it held back."""
    button = page.locator(f".st-key-checkpoint_{checkpoint}__show button")
    if button.count():
        before = page.evaluate(DRAWN_CHARTS_JS)
        button.click()
        wait_finished(page, before + ANSWERS.get(checkpoint, 0))


def assert_results_on_page(page, errors: list[str], charts: int = CHARTS) -> None:
    """No exception, the charts drawn, sections 4 and 5 with a finite MSE table (sine_1 shown)."""
    show_me(page, "sine_1")
    exceptions = page.locator("[data-testid=stException]")
    assert exceptions.count() == 0, exceptions.all_inner_texts()
    assert not errors, errors
    drawn = page.evaluate(DRAWN_CHARTS_JS)
    assert drawn >= charts, f"{drawn} drawn charts"
    for text in ("4. Single-step vs multi-step", "5. Inside the model while it forecasts"):
        assert heading(page, text).count() >= 1, text
    table = page.locator("[data-testid=stTable]").filter(has_text="MSE vs clean sine").first.inner_text()
    numbers = [float(v) for v in re.findall(r"\d+\.\d{4}", table)]
    assert len(numbers) == 4, table  # single- and multi-step, vs noisy truth and vs clean sine
    assert "nan" not in table.lower() and "inf" not in table.lower(), table


def test_stop_half_way_keeps_a_usable_model(browser, app_url: str, artifacts: Path):
    context, page, errors = open_page(browser, app_url + URL_PATH)  # the deep link is the first request
    try:
        wait_finished(page)
        assert page.evaluate("location.pathname") == URL_PATH
        heading(page, "8. Questions, answered").wait_for(timeout=LOAD_MS)
        assert_results_on_page(page, errors)
        page.screenshot(path=str(artifacts / "2_Sine_Forecasting_opened.png"), full_page=True)

        # the FAQ's random windows, then 10,000 of them (which interrupts the 3,100-step default run)
        page.locator(".st-key-sine_recipe").get_by_text("FAQ (2): num_iter random windows", exact=True).click()
        page.locator(".st-key-sine_steps_random input").wait_for(timeout=LOAD_MS)
        set_number(page, "sine_steps_random", STEPS)
        train = page.locator(".st-key-sine__train").get_by_role("button", name=re.compile(r"^Train \(about"))
        train.click()  # a run this long waits for Train, with its estimate on the button
        page.wait_for_function(f"() => ({PROGRESS_STEP_JS})({STEPS}) > 0", timeout=LOAD_MS)
        stop = page.locator(".st-key-sine__stop").get_by_role("button", name="Stop")
        stop.wait_for(timeout=LOAD_MS)
        page.wait_for_function(f"() => ({PROGRESS_STEP_JS})({STEPS}) >= {STEPS // 2}", timeout=LOAD_MS)
        stop.click()

        warning = page.get_by_text(re.compile(r"Stopped after step \d+ of \d+"))
        warning.wait_for(timeout=LOAD_MS)
        wait_finished(page)
        step, total = map(int, re.search(r"step (\d+) of (\d+)", warning.inner_text()).groups())
        assert total == STEPS and STEPS // 2 <= step < STEPS, (step, total)
        assert page.locator("[data-testid=stProgress]").count() == 0  # training is over
        assert_results_on_page(page, errors)
        page.screenshot(path=str(artifacts / "2_Sine_Forecasting_stopped.png"), full_page=True)

        # the partial model is the last good one: bad input shows its reason and keeps it
        set_number(page, "sine_window", 320)
        page.get_by_text("must be longer than the window (320)").wait_for(timeout=LOAD_MS)
        wait_finished(page, CHARTS_WITHOUT_DATA)
        assert page.get_by_text("Showing the last model trained with valid settings").count() == 1
        assert_results_on_page(page, errors, CHARTS_WITHOUT_DATA)
        page.screenshot(path=str(artifacts / "2_Sine_Forecasting_bad_window.png"), full_page=True)
    finally:
        context.close()


def test_downloads_reproduce_the_run(browser, app_url: str, tmp_path: Path):
    """Sidebar → Export: the script, run outside the app, ends on the loss the page shows; the
    weights load with weights_only=True; a chart's CSV holds its points."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(app_url + URL_PATH, timeout=LOAD_MS)
        wait_finished(page)
        shown = page.locator("[data-testid=stCaptionContainer]").filter(has_text="Loss at the last step").first
        step, loss = re.search(r"Loss at the last step \((\d+)\): (\S+)", shown.inner_text()).groups()
        page.locator("[data-testid=stSidebar]").get_by_text("Export", exact=True).click()

        def download(name: str) -> Path:
            # a learner clicks again when nothing comes: about one click in 20 here starts no download
            # (seen in CI and by hand; noted as an open issue), so a second click is allowed, not a third
            for attempt in range(2):
                try:
                    with page.expect_download(timeout=LOAD_MS // 2) as info:
                        page.locator("[data-testid=stSidebar]").get_by_role("button", name=name).click()
                    break
                except PlaywrightTimeout:
                    if attempt:
                        raise
            path = tmp_path / name
            info.value.save_as(path)
            return path

        run = subprocess.run([sys.executable, str(download("sine_forecasters.py"))], check=False,
                             capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert run.returncode == 0, run.stderr[-2000:]
        final = float(re.search(r"final loss: (\S+)", run.stdout).group(1))
        assert f"{final:.6g}" == loss and f"step {int(step):5d}" in run.stdout, (final, loss, run.stdout[-500:])

        state = torch.load(download("sine_forecasters.pt"), weights_only=True)
        assert state and all(torch.isfinite(v).all() for v in state.values()), list(state)
        csv = pd.read_csv(download("Training loss (MSE, log scale)"))
        assert len(csv) >= 100 and "step" in csv.columns, csv.columns
    finally:
        context.close()


def test_a_link_made_in_chinese_opens_the_same_choices_in_english(browser, app_url: str, artifacts: Path):
    """Issue 10, item 6: the link carries the choices' values, not their Chinese labels."""
    maker = browser.new_context(viewport=VIEWPORT)
    page = maker.new_page()
    try:
        page.goto(app_url + URL_PATH + "?lang=zh", timeout=LOAD_MS)
        wait_finished(page)
        page.locator(".st-key-sine_recipe").get_by_text("教程：按顺序遍历一遍", exact=True).click()
        page.wait_for_function("() => location.search.includes('sine_recipe=tutorial')", timeout=LOAD_MS)
        wait_finished(page)
        page.locator(".st-key-sine_noise_kind").click()
        page.get_by_role("option", name="高斯分布").click()
        page.wait_for_function("() => location.search.includes('sine_noise_kind=gaussian')", timeout=LOAD_MS)
        wait_finished(page, CHARTS - 1)  # the recipes' comparison on another series waits for its Train button
        link = page.evaluate("location.href")
    finally:
        maker.close()
    assert "%" not in link.split("?", 1)[1], link  # no Chinese label in it
    other = browser.new_context(viewport=VIEWPORT)
    page = other.new_page()
    try:
        page.goto(link.replace("lang=zh", "lang=en"), timeout=LOAD_MS)
        wait_finished(page, CHARTS - 1)
        assert page.get_by_text("settings this page cannot use").count() == 0
        assert page.locator(".st-key-sine_noise_kind input").input_value() == "gaussian"
        checked = page.locator(".st-key-sine_recipe label").filter(has=page.locator("input:checked"))
        assert checked.inner_text().startswith("tutorial: one ordered pass"), checked.inner_text()
        page.get_by_text("Loss at the last step (310)").first.wait_for(timeout=LOAD_MS)  # one ordered pass
        page.screenshot(path=str(artifacts / "2_Sine_Forecasting_zh_link_in_english.png"), full_page=True)
    finally:
        other.close()


def test_checkpoints_answered_right_and_wrong(browser, app_url: str, artifacts: Path):
    """Issue 13: sine_1 answered right (the default RNN's free run compounds: larger), sine_4 wrong
    (after tutorial C's 300 chunks the reset state grows the error at chunk starts); each reveal
    shows the run's own numbers, and what answers it appears only then. Then the same in 简体中文."""
    context, page, errors = open_page(browser, app_url + URL_PATH)
    try:
        wait_finished(page)
        assert page.get_by_text("Your path through this lesson: 0 of 4 checkpoints answered").count() == 1
        table = page.locator("[data-testid=stTable]").filter(has_text="MSE vs clean sine")
        assert table.count() == 0  # sine_1 holds back section 4's table and charts
        page.screenshot(path=str(artifacts / "2_Sine_Forecasting_checkpoint_before.png"), full_page=True)
        page.locator(".st-key-quiz_sine_1").get_by_text("Larger", exact=True).click()
        check = page.locator(".st-key-checkpoint_sine_1__check button")
        page.wait_for_function("() => !document.querySelector('.st-key-checkpoint_sine_1__check button').disabled",
                               timeout=LOAD_MS)
        check.click()
        page.get_by_text("Right: Larger.").wait_for(timeout=LOAD_MS)
        wait_finished(page, CHARTS + ANSWERS["sine_1"])
        why = page.get_by_text(re.compile(r"In this run RNN's multi-step MSE against the clean sine is 0\.\d{4}, \d+\.\d× its single-step"))
        multi = re.search(r"clean sine is (0\.\d{4})", why.inner_text()).group(1)
        assert multi in table.first.inner_text()  # the why quotes the run's number, now in section 4's table
        page.locator(".st-key-quiz_sine_4").get_by_text("About the same (within 1.5×)", exact=True).click()
        page.wait_for_function("() => !document.querySelector('.st-key-checkpoint_sine_4__check button').disabled",
                               timeout=LOAD_MS)
        page.locator(".st-key-checkpoint_sine_4__check button").click()
        page.get_by_text("Not this time. The answer, from your run: It grows.").wait_for(timeout=LOAD_MS)
        page.get_by_text(re.compile(r"At chunk starts the reset model's MSE is 1\.0\d\d")).wait_for(timeout=LOAD_MS)
        page.locator("[data-testid=stTable]").filter(has_text="MSE at each chunk's first step").wait_for(timeout=LOAD_MS)
        assert_no_exception(page, errors)
        page.screenshot(path=str(artifacts / "2_Sine_Forecasting_checkpoint_after.png"), full_page=True)
        # 简体中文: the same run, the same checkpoints in the learner's language
        page.goto(app_url + URL_PATH + "?lang=zh", timeout=LOAD_MS)
        wait_finished(page)
        page.locator(".st-key-checkpoint_sine_1__show button").click()
        page.get_by_text("由你这次运行得出的答案：更大。").wait_for(timeout=LOAD_MS)
        assert_no_exception(page, errors)
        page.screenshot(path=str(artifacts / "2_Sine_Forecasting_checkpoint_zh.png"), full_page=True)
    finally:
        context.close()
