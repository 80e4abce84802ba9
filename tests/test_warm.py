"""The server's warm-up (rnnviz.ui.warm): every page's default run trained when the server starts,
saved, and loaded (not trained again) by a restarted server; a page opened while its run warms
says so, then shows the run."""

from __future__ import annotations

import re

import pytest
import torch
from conftest import streamlit_server
from web import LOAD_MS, assert_no_exception, wait_finished

from rnnviz import unrolling
from rnnviz.ui import live, warm

# A MutationObserver installed before the app's scripts: did a training progress bar, or the
# warm-up's note, ever appear on the page?
SEEN_JS = """
window.__seen = {progress: false, warming: false};
new MutationObserver(() => {
  if (document.querySelector('[data-testid=stProgress]')) {
    window.__seen.progress = true;
    if (/for every visitor/.test(document.body.innerText)) window.__seen.warming = true;
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture
def hello(tmp_path):
    """The unrolling page's default run, warmed into tmp_path; the shared runs left as they were."""
    shared = dict(live._shared_runs())
    live._shared_runs().clear()
    saved = tmp_path / "warm" / f"hello-{warm.run_digest('hello', warm.default('hello'), warm.engine_digest())}.pt"
    yield saved, warm.warm("hello", warm.default("hello"), unrolling.start_hello, saved)
    live._shared_runs().clear()
    live._shared_runs().update(shared)


def test_a_warmed_run_is_shared_in_every_language_and_saved(hello):
    saved, state = hello
    assert state.status == "done" and state.last.step == state.last.total == warm.default("hello").epochs
    assert saved.exists()
    assert {lang for (key, lang) in live._shared_runs() if key == "hello"} == {"en", "zh"}
    assert live.WARMING["hello"].done.is_set()


def test_a_restarted_server_loads_the_saved_run_instead_of_training(hello):
    saved, trained = hello
    live._shared_runs().clear()

    def must_not_train(config):
        raise AssertionError("the saved run was trained again")

    loaded = warm.warm("hello", warm.default("hello"), must_not_train, saved)
    assert [s.loss for s in loaded.history] == [s.loss for s in trained.history]
    letters = torch.tensor([1, 0, 2, 2, 3])  # h, e, l, l, o (HELLO_CHARS: e, h, l, o)
    assert torch.equal(loaded.model(letters), trained.model(letters))
    assert live._shared_runs()[("hello", "en")] is loaded


def test_an_unreadable_saved_run_is_trained_again(hello):
    saved, trained = hello
    saved.write_bytes(b"not a torch file")
    live._shared_runs().clear()
    again = warm.warm("hello", warm.default("hello"), unrolling.start_hello, saved)
    assert [s.loss for s in again.history] == [s.loss for s in trained.history]  # same config and seed: same run
    assert torch.load(saved, weights_only=False).config == warm.default("hello")  # and saved whole this time


def test_the_saved_file_is_named_by_the_config_and_the_engine_code():
    engine = warm.engine_digest()
    a = warm.run_digest("hello", unrolling.HelloConfig(), engine)
    assert a == warm.run_digest("hello", unrolling.HelloConfig(), engine)
    assert a != warm.run_digest("hello", unrolling.HelloConfig(seed=1), engine)
    assert a != warm.run_digest("hello", unrolling.HelloConfig(), engine + "changed")


def _last_loss(page) -> str:
    """The caption under a finished run: 'Loss at the last step (N): X'."""
    return page.get_by_text(re.compile(r"^Loss at the last step")).first.inner_text()


def test_the_first_visitor_is_told_while_the_run_warms_and_a_restart_loads_it(browser, tmp_path, artifacts):
    """A fresh server (empty cache): the char page, opened at once, says its run is warming on the
    server, then shows it, trained once for everyone (no live training in the visitor's session).
    The same cache, restarted: the page shows the same run at once, nothing trained or warming."""
    cache = {"RNNVIZ_CACHE": str(tmp_path / "cache")}
    losses = []
    for start in ("fresh", "restarted"):
        with streamlit_server(tmp_path / f"{start}.log", env=cache) as (url, _):
            context = browser.new_context(viewport={"width": 1400, "height": 5200})
            context.add_init_script(SEEN_JS)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.goto(f"{url}/Char_Generation", timeout=LOAD_MS)
            if start == "fresh":
                page.get_by_text(re.compile("is training the character model for every visitor")).wait_for(timeout=LOAD_MS)
                page.screenshot(path=str(artifacts / "warming_char_en.png"))
            wait_finished(page, charts=4)
            assert_no_exception(page, errors)
            assert page.get_by_text(re.compile(r"^Step \d+: all 4 epochs done")).count() == 1
            assert page.get_by_role("button", name="Stop").count() == 0
            seen = page.evaluate("() => window.__seen")
            assert not seen["progress"] or seen["warming"], seen  # a bar, if any, was the warm-up's
            if start == "restarted":
                assert seen == {"progress": False, "warming": False}
            losses.append(_last_loss(page))
            context.close()
        assert list((tmp_path / "cache" / "warm").glob("char-*.pt"))  # saved by the fresh server
    assert losses[0] == losses[1]
