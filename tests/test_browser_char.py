"""The "Char-level generation" page in a real browser: opened by its own URL as the first
request, a learner uploads a text file, the model trains on it, the learner stops it half
way, and the stopped model writes text from a prefix of the learner's. Screenshots go to
tests/artifacts/4_Char_Generation_*.png.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from web import (
    LOAD_MS,
    PROGRESS_STEP_JS,
    assert_no_exception,
    choose,
    drawn_charts,
    heading,
    open_page,
    progress_step,
    set_number,
    wait_finished,
)

from rnnviz.charlm import CharConfig, detach_chain, prepare
from rnnviz.data import grammar
from rnnviz.data.text import random_batches

ROOT = Path(__file__).resolve().parents[1]
URL_PATH = "/Char_Generation"
UPLOAD = "Upload a .txt or d2l-style .zip"
EPOCHS = 100  # far more than it needs: the learner stops it
HIDDEN = 512  # slow enough (tens of ms a step) to stop half way
PREFIX = "The model"


def press_train(page) -> None:
    """Press Train: these settings wait for it (a run estimated longer than a few seconds)."""
    page.get_by_text("nothing trains until you press").wait_for(timeout=LOAD_MS)
    page.locator(".st-key-char__train").get_by_role("button").first.click()


def test_upload_train_stop_generate(browser, app_url: str, artifacts: Path, tmp_path: Path):
    context, page, errors = open_page(browser, app_url + URL_PATH)
    try:
        wait_finished(page, charts=3)  # minibatches, perplexity, gradient norms
        assert page.evaluate("location.pathname") == URL_PATH
        heading(page, "5. Generate").wait_for(timeout=LOAD_MS)
        assert_no_exception(page, errors)

        # upload the project's README as a .txt: real English text of ~8,000 characters
        text = (ROOT / "README.md").read_text(encoding="utf-8")
        upload = tmp_path / "readme.txt"
        upload.write_text(text, encoding="utf-8")
        choose(page, "char_corpus", UPLOAD)
        page.locator(".st-key-char_upload input[type=file]").set_input_files(str(upload))
        page.get_by_text(f"readme.txt: {len(text):,} characters").wait_for(timeout=LOAD_MS)
        wait_finished(page)
        if page.get_by_text("nothing trains until you press").count():  # estimated above a few seconds here
            press_train(page)
        page.get_by_text("all 4 epochs done").or_(page.get_by_text("stopped early")).first.wait_for(timeout=LOAD_MS)
        wait_finished(page, charts=3)
        assert_no_exception(page, errors)
        page.screenshot(path=str(artifacts / "4_Char_Generation_uploaded.png"))

        # a long run of a wider model, stopped by the learner after two epochs
        cfg = CharConfig()
        corpus = prepare(text, cfg.held_out)
        per_epoch = sum(1 for _ in random_batches(corpus.train_ids, cfg.batch_size, cfg.num_steps, random.Random(0)))
        total = per_epoch * EPOCHS
        set_number(page, "char_patience", EPOCHS)  # no early stop: on a busy machine it could end the run before Stop lands
        set_number(page, "char_epochs", EPOCHS)
        set_number(page, "char_hidden", HIDDEN)
        press_train(page)  # a long run waits for the Train button, with its estimate
        page.wait_for_function(f"() => ({PROGRESS_STEP_JS})({total}) >= {2 * per_epoch}", timeout=LOAD_MS)
        page.locator(".st-key-char__stop").get_by_role("button", name="Stop").click()
        stopped = page.get_by_text(re.compile(r"Stopped after step \d+ of \d+"))
        stopped.wait_for(timeout=LOAD_MS)
        wait_finished(page, charts=3)
        step, of = map(int, re.search(r"step (\d+) of (\d+)", stopped.inner_text()).groups())
        assert of == total and 2 * per_epoch <= step < total, (step, total)
        assert progress_step(page) == 0  # training is over
        heading(page, "5. Generate").wait_for(timeout=LOAD_MS)
        assert_no_exception(page, errors)

        # the stopped model writes from the learner's prefix, and says what it weighed
        set_number(page, "char_prefix", PREFIX)
        wait_finished(page, charts=3)
        written = page.locator("[data-testid=stCode]").filter(has_text=PREFIX).first.inner_text()
        assert written.startswith(PREFIX) and len(written) > len(PREFIX) + 50, written
        assert set(written) <= set(text), set(written) - set(text)  # only characters of the upload
        page.get_by_text("The top candidates for each of the first 20 generated characters").click()
        candidates = page.locator("[data-testid=stTable]").filter(has_text="top 1").first.inner_text()
        assert len(re.findall(r"\d\.\d\d", candidates)) >= 20 * 5, candidates  # 5 candidates with probabilities
        assert drawn_charts(page) >= 4  # and the warm-up heatmap
        assert_no_exception(page, errors)
        page.screenshot(path=str(artifacts / "4_Char_Generation_generated.png"))
    finally:
        context.close()


def test_checkpoints_one_right_one_wrong(browser, app_url: str, artifacts: Path):
    """Checkpoint char_1 answered right (what detach does), char_2 wrong (the default run on the grammar does not
    memorise): each says so with the run's numbers, and what it hid appears."""
    context, page, errors = open_page(browser, app_url + URL_PATH)
    try:
        wait_finished(page, charts=3)
        heading(page, "5. Generate").wait_for(timeout=LOAD_MS)
        assert page.get_by_text("backpropagation stops at the minibatch's start").count() == 0  # hidden
        assert page.get_by_text("No memorisation in this run").count() == 0
        page.screenshot(path=str(artifacts / "4_Char_Generation_checkpoint_before.png"))
        # char_1: an estimate, the steps the epoch's last backward pass would run through without detach (the
        # default samples at random: asked about consecutive sampling of the same text)
        chain = 35 * detach_chain(prepare(grammar.corpus(), 0.1), CharConfig())[0]
        set_number(page, "quiz_char_1", chain)
        wait_finished(page)
        page.locator(".st-key-checkpoint_char_1__check").get_by_role("button").click()
        wait_finished(page, charts=3)
        page.locator(".st-key-quiz_char_2").get_by_text("its training text by heart").click()
        wait_finished(page)
        page.locator(".st-key-checkpoint_char_2__check").get_by_role("button").click()
        wait_finished(page, charts=3)
        page.get_by_text(f"Right: {chain:,}").wait_for(timeout=LOAD_MS)
        page.get_by_text("Not this time. The answer, from your run: something of the language").wait_for(timeout=LOAD_MS)
        page.get_by_text(re.compile(r"With consecutive sampling \(\d+ minibatches per epoch\)")).wait_for()
        page.get_by_text("backpropagation stops at the minibatch's start").wait_for()  # what char_1 hid
        page.get_by_text("No memorisation in this run").wait_for()  # char_2's verdict
        assert_no_exception(page, errors)
        # char_4's question sits right above the unit box it asks the learner to use (no scrolling between them)
        asked, box = (page.locator(f".st-key-{k}").bounding_box() for k in ("checkpoint_char_4", "char_unit"))
        assert 0 <= box["y"] - (asked["y"] + asked["height"]) < 100, (asked, box)
        page.screenshot(path=str(artifacts / "4_Char_Generation_checkpoint_after.png"), full_page=True)
        # char_1's "Try it": consecutive sampling, set in this session (the link and the knob follow; answers stay)
        page.locator(".st-key-checkpoint_char_1__try button").first.click()  # (with help: a hidden twin measures it)
        page.wait_for_function("location.search.includes('char_sampling=consecutive')", timeout=LOAD_MS)
        wait_finished(page)
        page.get_by_text("2 of 4 checkpoints answered, 1 right").wait_for(timeout=LOAD_MS)
        assert_no_exception(page, errors)
    finally:
        context.close()
