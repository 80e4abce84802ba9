"""The bad-input catalogue (docs/BAD_INPUT.md): every bad input a learner can give the app that
no other test covers, through Streamlit's AppTest. Each test checks the message the learner
sees AND that what they had survives: the trained model (the same object in session_state),
its results on the page, and the settings.

Pages are opened through the entry file and st.switch_page, as a learner arrives; cheap
recipes are preset in st.session_state (or put in the link) so each training takes a second.
Downloads go to a local HTTP server on 127.0.0.1 (tests/test_text.py's) and the download
cache is a tmp dir. The gates page's background comparison is replaced by a finished stand-in
so no torch thread runs behind the tests.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import apptest
import pytest
import torch
from apptest import no_exception, sections, texts, zip_of
from streamlit.testing.v1 import AppTest
from test_text import reference_routes, serve

from rnnviz import gates
from rnnviz.data import text
from rnnviz.ui import TrainState

TIMEOUT = 120  # seconds per script run: the default runs train on a busy, shared machine
UNROLL = "pages/1_RNN_Unrolling.py"
SINE = "pages/2_Sine_Forecasting.py"
GATES = "pages/3_LSTM_Gates.py"
CHAR = "pages/4_Char_Generation.py"
# cheap recipes, preset before a page's first run (or put in its link)
QUICK = {
    UNROLL: {},
    SINE: {"sine_steps_fast": 20, "sine_steps_tutorial": 30, "sc_steps": 20},
    GATES: {"gates_steps": 30},
    CHAR: {"char_epochs": 1, "char_hidden": 8, "char_batch": 64},
}
RUN = {UNROLL: "hello__run", SINE: "sine__run", GATES: "gates__run", CHAR: "char__run"}
LINK_NOTE = "This link has settings this page cannot use"
UPLOAD = "upload"  # the char page's corpus values (the link's)
BUILT_IN = "Embedded Reber grammar (built in)"  # its default corpus, as the page names it


# ---------------------------------------------------------------- helpers


def open_page(page: str, link: dict | None = None, **preset) -> AppTest:
    """A fresh session: home, then `page` by a link with these query parameters, with widget
    values preset by key before the page's first run."""
    return apptest.open_page(page, timeout=TIMEOUT, link=link, **preset)


def run(at: AppTest, page: str) -> TrainState | None:
    return at.session_state.get(RUN[page])


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test sees (or fills) the real download cache."""
    monkeypatch.setattr(text, "CACHE", tmp_path / "cache")
    return tmp_path / "cache"


@pytest.fixture(scope="module", autouse=True)
def finished_default_sweep():
    """The gates page's server-wide background comparison, replaced by a finished one."""
    yield from apptest.finished_job("gates-default-sweep", [{"kind": k, "gap": g, "accuracy": 0.5, "seconds": 1.0}
                                                            for g in (5, 20, 50) for k in gates.CELL_TYPES])


# ---------------------------------------------------------------- links: values past a widget's bounds


PAST_BOUNDS = [  # (page, the link's bad settings, its good ones: a cheap recipe)
    (UNROLL, {"unroll_hidden": "100000", "unroll_seed": "-5", "hello_lr_cell": "abc"}, {}),
    (SINE, {"sine_window": "0", "sine_lr_fast": "1e6", "sc_hidden": "abc"}, {"sine_steps_fast": "20", "sc_steps": "20"}),
    (GATES, {"gates_hidden": "100000", "gates_seed": "-5", "gates_fb": "nan"}, {"gates_steps": "30"}),
    (CHAR, {"char_k": "0", "char_temp": "1e6", "char_length": "0", "char_lr_adam": "abc"},
     {k: str(v) for k, v in QUICK[CHAR].items()}),
]


@pytest.mark.parametrize("page, bad, good", PAST_BOUNDS, ids=["unrolling", "sine", "gates", "char"])
def test_link_values_past_the_bounds_fall_back_to_the_defaults(page: str, bad: dict, good: dict):
    at = open_page(page, {**good, **bad})
    defaults = open_page(page, good)
    note = texts(at.warning)
    assert LINK_NOTE in note
    for key, value in bad.items():
        assert f"`{key}={value}`" in note, key
        if key in defaults.session_state:
            assert at.session_state[key] == defaults.session_state[key], key
    for key, value in good.items():  # the usable settings of the same link are taken
        assert f"`{key}=" not in note and str(at.session_state[key]) == value, key
    state = run(at, page)
    assert state is not None and state.status == "done" and not at.error, texts(at.error)
    assert [s.loss for s in state.history] == [s.loss for s in run(defaults, page).history]


@pytest.mark.parametrize("page, key, bad, message, kept_note", [
    (SINE, "sine_window", 320, "训练部分（320 个点）必须比窗口（320）长", "下面显示的是最后一个用有效设置训练的模型。"),
    (GATES, "gates_gap", 500, "间隔必须在 1 到 200 个时间步之间（当前为 500）。", "下面显示的是最后一个用有效设置训练的模型。"),
], ids=["sine", "gates"])
def test_bad_input_is_explained_in_the_learners_language(page: str, key: str, bad, message: str, kept_note: str):
    at = open_page(page, lang="zh", **QUICK[page])  # the session's language, as the sidebar switch sets it
    good = run(at, page)
    at.number_input(key=key).set_value(bad).run()
    no_exception(at)
    assert message in texts(at.error) and kept_note in texts(at.info), (texts(at.error), texts(at.info))
    results = {SINE: "4", GATES: "2"}[page]  # the trained model's first section of results
    assert run(at, page) is good and results in sections(at)


# ---------------------------------------------------------------- 1. unrolling


def test_hello_one_epoch_trains_and_says_not_solved_yet():
    at = open_page(UNROLL)
    at.number_input(key="hello_epochs").set_value(1).run()
    no_exception(at)
    state = run(at, UNROLL)
    assert state.config.epochs == 1 and state.status == "done" and len(state.history) == 1
    assert "Not solved yet: last prediction" in texts(at.info) and "Try more epochs" in texts(at.info)
    assert any(c.value.startswith("Predicted string:") for c in at.code)
    assert not at.error and not at.warning


def test_hello_smallest_learning_rate_trains_and_keeps_the_printout():
    at = open_page(UNROLL)
    at.number_input(key="hello_lr_cell").set_value(1e-4).run()
    no_exception(at)
    state = run(at, UNROLL)
    assert state.config.lr == pytest.approx(1e-4) and state.status == "done"
    assert "Not solved yet" in texts(at.info)  # too small to learn in 15 epochs: said in words
    assert any(c.value.startswith("Predicted string:") for c in at.code)
    assert not at.error


def test_stop_before_the_first_step_keeps_the_trained_model():
    """What Stop does when it lands before the first step of a retrain: the run found
    "running" with no step has nothing; the last trained model should stay."""
    at = open_page(UNROLL)
    good = run(at, UNROLL)
    at.number_input(key="hello_seed").set_value(7).run()  # a retrain...
    fresh = run(at, UNROLL)
    # ...interrupted before its first step: what _train leaves in the session then
    fresh.status, fresh.history, fresh.previous = "running", [], good
    at.slider(key="gtt_scale").set_value(1.5).run()
    no_exception(at)
    assert "Stopped before the first step" in texts(at.warning)
    assert run(at, UNROLL) is good, "the learner's trained model is gone"
    at.slider(key="gtt_scale").set_value(1.0).run()  # another rerun does not start the stopped retrain
    assert run(at, UNROLL) is good and "Stopped before the first step" in texts(at.warning)
    assert any(c.value.startswith("Predicted string:") for c in at.code)


# ---------------------------------------------------------------- 2. sine


def test_sine_window_of_one_trains():
    at = open_page(SINE, **QUICK[SINE])
    at.number_input(key="sine_window").set_value(1).run()
    no_exception(at)
    state = run(at, SINE)
    assert state.config.series.window == 1 and state.status == "done" and not at.error
    assert {"4", "5", "7"} <= set(sections(at))


def test_sine_fast_recipe_learning_rate_1000_is_explained_and_keeps_the_model():
    at = open_page(SINE, **QUICK[SINE])
    good = run(at, SINE)
    at.number_input(key="sine_lr_fast").set_value(1000.0).run()
    no_exception(at)
    shown = run(at, SINE)
    # Adam's steps are bounded by lr: it trains, badly, and says so (a NaN would keep `good`)
    assert "The loss ended higher than it started" in texts(at.warning)
    assert "The learning rate 1000 is probably too large" in texts(at.warning)
    assert shown is not None and shown.history and (shown is good or shown.config.lr == 1000.0)
    assert {"4", "5", "7"} <= set(sections(at))
    at.number_input(key="sine_lr_fast").set_value(0.02).run()  # back: the good settings train the same run
    no_exception(at)
    assert [s.loss for s in run(at, SINE).history] == [s.loss for s in good.history] and not at.warning


def test_sin_to_cos_learning_rate_1000_is_explained():
    at = open_page(SINE, **QUICK[SINE])
    good = run(at, SINE)
    at.number_input(key="sc_lr").set_value(1000.0).run()
    no_exception(at)
    assert "The learning rate 1000 is probably too large" in texts(at.warning)
    assert run(at, SINE) is good  # the forecaster above is untouched
    assert {"4", "5", "7"} <= set(sections(at))


def test_sine_smallest_sizes_train():
    at = open_page(SINE, **QUICK[SINE])
    for key, value in [("sine_hidden", 1), ("sine_steps_fast", 1), ("sine_lr_fast", 1e-5), ("sc_hidden", 1),
                       ("sc_steps", 1), ("sc_lr", 1e-5)]:
        at.number_input(key=key).set_value(value).run()
        no_exception(at)
        assert not at.error, (key, texts(at.error))
    state = run(at, SINE)
    assert (state.config.hidden_size, state.config.steps) == (1, 1) and state.status == "done"
    assert at.session_state["sincos__run"].config.steps == 1
    assert {"4", "5", "6", "7"} <= set(sections(at))


def test_sine_all_three_models_at_once():
    at = open_page(SINE, **QUICK[SINE])
    at.multiselect(key="sine_kinds").set_value(["RNN", "LSTM", "GRU"]).run()
    no_exception(at)
    assert set(run(at, SINE).model.models) == {"RNN", "LSTM", "GRU"} and not at.error
    assert at.selectbox(key="sine_shown").options == ["RNN", "LSTM", "GRU"]


def test_sine_link_with_a_sample_start_past_the_end():
    at = open_page(SINE, {"sine_t": "5000", "sine_steps_fast": "20", "sc_steps": "20"})
    assert "`sine_t=5000`" in texts(at.warning) and LINK_NOTE in texts(at.warning)
    assert at.slider(key="sine_t").value == 100 and run(at, SINE).status == "done"


# ---------------------------------------------------------------- 3. gates


def test_gates_extreme_forget_bias_and_one_step_train():
    at = open_page(GATES, **QUICK[GATES])
    for key, value in [("gates_fb", -5.0), ("gates_fb", 10.0), ("gates_steps", 1)]:
        at.number_input(key=key).set_value(value).run()
        no_exception(at)
        assert not at.error, (key, texts(at.error))
        assert {"1", "2", "3", "4", "5"} <= set(sections(at))
    state = run(at, GATES)
    assert (state.config.forget_bias, state.config.steps) == (10.0, 1) and state.status == "done"


def test_gates_no_gap_picked_disables_the_comparison():
    at = open_page(GATES, **QUICK[GATES])
    good = run(at, GATES)
    at.multiselect(key="gates_gaps").set_value([]).run()
    no_exception(at)
    assert at.button(key="gates_sweep_go").disabled and not at.error
    assert run(at, GATES) is good and "2" in sections(at)


def test_gates_link_past_the_model_views_bounds():
    at = open_page(GATES, {"gates_unit": "500", "gates_t": "999", "gates_example": "100", "gates_steps": "30"})
    note = texts(at.warning)
    assert all(f"`{k}`" in note for k in ("gates_unit=500", "gates_t=999", "gates_example=100")), note
    assert at.number_input(key="gates_unit").value == 1 and at.number_input(key="gates_example").value == 0
    assert run(at, GATES).status == "done" and not at.error


def test_gates_sine_task_with_another_example_number():
    at = open_page(GATES, **QUICK[GATES])
    at.number_input(key="gates_example").set_value(1).run()
    no_exception(at)
    at.radio(key="gates_task").set_value("sine").run()
    no_exception(at)
    assert run(at, GATES).config.task == "sine" and {"2", "3"} <= set(sections(at))
    # another example is the same sine with other noise: a different sequence, not the same one again
    cfg = run(at, GATES).config
    assert not torch.equal(gates.example(cfg, 1).x, gates.example(cfg, 0).x)
    at.number_input(key="gates_example").set_value(2).run()
    no_exception(at)


# ---------------------------------------------------------------- 4. char


def test_top_k_larger_than_the_vocabulary_samples_from_all():
    at = open_page(CHAR, **QUICK[CHAR])
    good = run(at, CHAR)
    assert len(good.model.vocab) < 100
    at.selectbox(key="char_mode").set_value("top-k").run()
    at.number_input(key="char_k").set_value(100).run()
    no_exception(at)
    assert not at.error and run(at, CHAR) is good and "6" in sections(at)


@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "empty.txt is empty."),
    ("big.txt", b"a" * (text.MAX_BYTES + 1), f"big.txt is {text.MAX_BYTES + 1:,} bytes; the limit is {text.MAX_BYTES:,}."),
], ids=["empty", "oversize"])
def test_an_empty_or_oversize_upload_is_refused_and_the_corpus_kept(name: str, data: bytes, message: str):
    at = open_page(CHAR, **QUICK[CHAR], char_corpus=UPLOAD)
    good = run(at, CHAR)
    at.file_uploader(key="char_upload").set_value((name, data, "text/plain")).run()
    no_exception(at)
    assert message in texts(at.error)
    assert f"Still using the last corpus that loaded: {BUILT_IN}." in texts(at.caption)
    assert run(at, CHAR) is good and "6" in sections(at)


def test_a_download_that_returns_html_is_refused_and_the_model_kept(monkeypatch):
    at = open_page(CHAR, **QUICK[CHAR])
    good = run(at, CHAR)
    page = b"<!doctype html><html><body>Rate limit exceeded</body></html>"
    name = "lyrics"
    with serve({"/lyrics.zip": page}) as srv:
        monkeypatch.setitem(text.SOURCES, name, replace(text.SOURCES[name], url=srv.url("/lyrics.zip")))
        at.selectbox(key="char_corpus").set_value(name).run()
    no_exception(at)
    assert "is corrupted or changed" in texts(at.error) and "Nothing was saved" in texts(at.error)
    assert f"Still using the last corpus that loaded: {BUILT_IN}." in texts(at.caption)
    assert run(at, CHAR) is good and "6" in sections(at)


def test_a_zip_with_several_txt_files_reads_the_first_and_says_which():
    at = open_page(CHAR, **QUICK[CHAR], char_corpus=UPLOAD)
    first, second = "alpha beta\n" * 300, "gamma delta\n" * 300
    data = zip_of({"a.txt": first.encode(), "b.txt": second.encode()})
    at.file_uploader(key="char_upload").set_value(("several.zip", data, "application/zip")).run()
    no_exception(at)
    assert not at.error and (run(at, CHAR).config.corpus, run(at, CHAR).config.length) == ("several.zip", len(first))
    assert any(m.value.startswith(f"**`several.zip`**: {len(first):,} characters, 9 distinct") for m in at.markdown)
    # not silently (issue 11): the page names the member it read and offers the others
    assert any("holds 2 .txt files; this page reads **`a.txt`**" in c.value for c in at.caption)


@pytest.mark.parametrize("sample, info", [
    ("a" * 5000, ""),
    ("\n" * 5000, "This feature is constant in the text: no unit can track it."),
], ids=["one-character", "only-newlines"])
def test_a_text_of_one_repeated_character_trains(sample: str, info: str):
    at = open_page(CHAR, **QUICK[CHAR], char_corpus=UPLOAD)
    at.file_uploader(key="char_upload").set_value(("one.txt", sample.encode(), "text/plain")).run()
    no_exception(at)
    state = run(at, CHAR)
    assert state.config.corpus == "one.txt" and len(state.model.vocab) == 1 and state.status == "done"
    assert not at.error and info in texts(at.info)
    assert {"4", "5", "6"} <= set(sections(at))


def test_a_prefix_longer_than_the_corpus_and_a_length_of_one():
    at = open_page(CHAR, **QUICK[CHAR], char_corpus=UPLOAD)
    at.file_uploader(key="char_upload").set_value(("a.txt", b"ab" * 2500, "text/plain")).run()
    good = run(at, CHAR)
    at.text_input(key="char_prefix").set_value("ab" * 3000).run()  # 6,000 characters, the corpus 5,000
    no_exception(at)
    assert not at.error and run(at, CHAR) is good
    at.number_input(key="char_length").set_value(1).run()
    no_exception(at)
    # the prefix (cut to its first 500 characters since issue 11) and one character
    assert any(c.value == "ab" * 250 + c.value[-1] for c in at.code)
    assert run(at, CHAR) is good


def test_the_highest_temperature_and_extreme_recipes_train():
    at = open_page(CHAR, **QUICK[CHAR])
    good = run(at, CHAR)
    at.number_input(key="char_temp").set_value(5.0).run()
    no_exception(at)
    assert not at.error and run(at, CHAR) is good
    for key, value in [("char_held", 0.01), ("char_dropout", 0.9)]:
        at.number_input(key=key).set_value(value).run()
        no_exception(at)
        assert not at.error and run(at, CHAR).status == "done", key
    at.selectbox(key="char_opt").set_value("sgd").run()
    for key, value in [("char_lr_sgd", 1000.0), ("char_clip_sgd", 0.001)]:
        at.number_input(key=key).set_value(value).run()
        no_exception(at)
        assert not at.error and run(at, CHAR).status == "done", key
    assert {"4", "5", "6"} <= set(sections(at))


def test_a_link_with_a_prefix_outside_the_vocabulary():
    at = open_page(CHAR, {"char_prefix": "zzz", "char_mode": "beam", **{k: str(v) for k, v in QUICK[CHAR].items()}})
    assert "These characters are not in the corpus' vocabulary: 'z'" in texts(at.error)
    assert "`char_mode=beam`" in texts(at.warning)
    assert run(at, CHAR).status == "done" and "6" in sections(at)


def test_a_damaged_cached_corpus_is_downloaded_again(cache: Path, monkeypatch):
    at = open_page(CHAR, **QUICK[CHAR])
    name = "time_machine"
    src = text.SOURCES[name]
    monkeypatch.setattr(text, "DATA", cache.parent / "data")  # its shipped copy hidden: this is about the cache
    cache.mkdir(parents=True)
    (cache / src.name).write_bytes(b"half a file")
    with serve(reference_routes()) as srv:
        monkeypatch.setitem(text.SOURCES, name, replace(src, url=srv.url("/timemachine.txt")))
        at.selectbox(key="char_corpus").set_value(name).run()
        assert srv.hits == {"/timemachine.txt": 1}
    no_exception(at)
    assert (cache / src.name).stat().st_size == src.size
    assert any(m.value.startswith("**The Time Machine**: ") for m in at.markdown)



def test_the_classic_corpora_load_with_no_network(monkeypatch):
    """Tiny Shakespeare and The Time Machine ship in data/ (issue 12): with no network at all
    the page reads them, checked against their sha256, and trains; the lyrics still say where
    to put them."""
    asked: list[str] = []

    def offline(url, *args, **kwargs):
        asked.append(url)
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    at = open_page(CHAR, **QUICK[CHAR])
    at.selectbox(key="char_corpus").set_value("time_machine").run()
    no_exception(at)
    assert not at.error and asked == []
    assert any(m.value.startswith("**The Time Machine**: 178,979 characters, 70 distinct") for m in at.markdown)
    assert run(at, CHAR).status == "done" and "6" in sections(at)
    at.selectbox(key="char_corpus").set_value("shakespeare").run()
    no_exception(at)
    assert not at.error and asked == []
    assert any(m.value.startswith("**Tiny Shakespeare**: 1,115,394 characters, 65 distinct") for m in at.markdown)
    at.selectbox(key="char_corpus").set_value("lyrics").run()  # a download only: it needs the network
    no_exception(at)
    assert asked == [text.SOURCES["lyrics"].url]
    assert f"put it at {text.CACHE / text.SOURCES['lyrics'].name}" in texts(at.error)

def test_char_adam_learning_rate_1000_is_explained_and_keeps_the_model():
    at = open_page(CHAR, **QUICK[CHAR])
    good = run(at, CHAR)
    at.number_input(key="char_lr_adam").set_value(1000.0).run()
    no_exception(at)
    assert "learning rate 1000" in texts(at.error) + texts(at.warning)
    assert run(at, CHAR) is good or run(at, CHAR).status == "done"
    assert "6" in sections(at)


def test_char_loss_grew_warning_names_the_learning_rate():
    at = open_page(CHAR, **QUICK[CHAR])
    at.selectbox(key="char_opt").set_value("sgd").run()
    at.number_input(key="char_lr_sgd").set_value(1000.0).run()
    at.number_input(key="char_held").set_value(0.5).run()
    no_exception(at)
    warning = texts(at.warning)
    assert "The loss ended higher than it started" in warning  # this setting does make it worse
    assert "learning rate 1000" in warning, warning


def test_a_too_short_corpus_gives_only_the_length_message():
    at = open_page(CHAR, **QUICK[CHAR])
    good = run(at, CHAR)
    at.selectbox(key="char_corpus").set_value("hello").run()
    no_exception(at)
    assert "needs at least 2,276" in texts(at.error) and run(at, CHAR) is good
    assert "not in the corpus' vocabulary" not in texts(at.error), texts(at.error)


def test_a_damaged_zip_upload_names_the_damage_and_keeps_the_corpus():
    at = open_page(CHAR, **QUICK[CHAR], char_corpus=UPLOAD)
    good = run(at, CHAR)
    data = bytearray(zip_of({"a.txt": ("hello world " * 50).encode()}))
    data[45] ^= 0xFF  # inside the compressed data
    at.file_uploader(key="char_upload").set_value(("a.zip", bytes(data), "application/zip")).run()
    no_exception(at)
    assert "a.zip: a.txt could not be unpacked (Bad CRC-32 for file 'a.txt'); the zip is damaged or encrypted." \
        in texts(at.error)
    assert f"Still using the last corpus that loaded: {BUILT_IN}." in texts(at.caption)
    assert run(at, CHAR) is good and "6" in sections(at)


def test_a_zip_inside_a_zip_is_refused_and_a_zip_named_txt_is_read():
    at = open_page(CHAR, **QUICK[CHAR], char_corpus=UPLOAD)
    good = run(at, CHAR)
    nested = zip_of({"inner.zip": zip_of({"a.txt": b"x" * 100})})
    at.file_uploader(key="char_upload").set_value(("nested.zip", nested, "application/zip")).run()
    no_exception(at)
    assert "nested.zip holds no .txt file (it has: inner.zip)." in texts(at.error)
    assert run(at, CHAR) is good
    lines = "".join(f"line {i}: the cat sat on mat {i * 7919 % 1000}.\n" for i in range(200))
    at.file_uploader(key="char_upload").set_value(("zipped.txt", zip_of({"a.txt": lines.encode()}), "text/plain")).run()
    no_exception(at)
    assert not at.error, texts(at.error)
    assert (run(at, CHAR).config.corpus, run(at, CHAR).config.length) == ("zipped.txt", len(lines))


def test_a_one_space_upload_is_too_short_and_keeps_the_model():
    at = open_page(CHAR, **QUICK[CHAR], char_corpus=UPLOAD)
    good = run(at, CHAR)
    at.file_uploader(key="char_upload").set_value(("space.txt", b" ", "text/plain")).run()
    no_exception(at)
    assert "The training text has 0 characters; one minibatch of 64 × 35 needs at least 2,276" in texts(at.error)
    assert f"Showing the last model trained ({BUILT_IN})." in texts(at.info)
    assert run(at, CHAR) is good and "6" in sections(at)


def test_an_upload_of_only_a_bom_is_refused_as_empty():
    at = open_page(CHAR, **QUICK[CHAR], char_corpus=UPLOAD)
    good = run(at, CHAR)
    at.file_uploader(key="char_upload").set_value(("bom.txt", b"\xef\xbb\xbf", "text/plain")).run()
    no_exception(at)
    assert run(at, CHAR) is good
    assert "bom.txt is empty." in texts(at.error), texts(at.error)
    assert f"Still using the last corpus that loaded: {BUILT_IN}." in texts(at.caption)


def test_a_small_repetitive_text_in_a_zip_is_accepted():
    at = open_page(CHAR, **QUICK[CHAR], char_corpus=UPLOAD)
    words = "hello world, " * 400  # 5,200 bytes
    at.file_uploader(key="char_upload").set_value(("hello.zip", zip_of({"a.txt": words.encode()}), "application/zip")).run()
    no_exception(at)
    assert not at.error, texts(at.error)
    assert at.session_state["char_text"] == ("hello.zip", words)
