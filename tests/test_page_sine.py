"""The "Sine forecasting" page through Streamlit's AppTest: every control changes what a
learner would notice, and bad input gives a clear message while the last good model and its
charts stay on the page.

The page is opened through the entry file and st.switch_page, as in test_pages.py. To keep
the suite quick, most tests preset the step counts in st.session_state before the page's
first run (the widgets pick those values up), so each retraining takes a fraction of a
second; one test opens the page with its real defaults.
"""

from __future__ import annotations

import math
import re

import pytest
from apptest import (
    chart,
    chart_titles,
    no_exception,
    open_page,
    retrained,
    sections,
    specs,
    texts,
    title_of,
    train_if_waiting,
)
from streamlit.testing.v1 import AppTest

from rnnviz import sincos, sine
from rnnviz.charts import chart_data
from rnnviz.data.sine import make_series
from rnnviz.models import FORECASTERS
from rnnviz.ui.page import SHOWN

PAGE = "pages/2_Sine_Forecasting.py"
TIMEOUT = 120  # seconds per script run: the defaults train two models on a busy machine
QUICK = {"sine_steps_fast": 20, "sine_passes": 1, "sine_steps_random": 30, "sc_steps": 20}  # cheap retraining
FORECAST_TITLE = ": truth, clean sine, single-step and multi-step forecasts"  # section 4's chart


# ---------------------------------------------------------------- helpers


def open_sine(**preset) -> AppTest:
    """The page as a learner reaches it from home, with widget values preset by key."""
    return open_page(PAGE, timeout=TIMEOUT, **preset)


def has_title(at: AppTest, part: str) -> bool:
    return any(part in t for t in chart_titles(at))


def run(at: AppTest, key: str = "sine__run"):
    return at.session_state.get(key)


def scores(at: AppTest):
    """Section 4's MSE table, indexed by (model, how)."""
    return next(t.value for t in at.table if "MSE vs clean sine" in t.value.columns)


def free_run_reads(at: AppTest) -> dict[str, str]:
    table = next(t.value for t in at.table if "reads" in t.value.columns)
    return dict(zip(table.index, table["reads"]))


def weight_table(at: AppTest) -> dict[str, str]:
    table = next(t.value for t in at.table if "shape" in t.value.columns)
    return dict(zip(table.index, table["shape"]))


def reveal(at: AppTest, *ids: str) -> None:
    """Press "Show me" on the checkpoints whose answers a test reads: what answers a checkpoint
    stays hidden until the learner commits, and a new run asks again."""
    for i in ids:
        if any(b.key == f"checkpoint_{i}__show" for b in at.button):
            at.button(key=f"checkpoint_{i}__show").click().run()
            no_exception(at)


def assert_results_shown(at: AppTest, kind: str = "RNN") -> None:
    """Sections 4 and 5 with their charts, as after any successful training (sine_1 shown)."""
    reveal(at, "sine_1")
    assert {"4", "5", "7"} <= set(sections(at)), sections(at)
    assert has_title(at, kind + FORECAST_TITLE), chart_titles(at)
    assert has_title(at, "Error vs horizon") and has_title(at, "Hidden-state trajectory (PCA)")
    assert has_title(at, f"{kind}: hidden state h_T after each window")
    mse = scores(at).to_numpy()
    assert mse.size and all(math.isfinite(v) for v in mse.ravel())


@pytest.fixture
def quick() -> AppTest:
    at = open_sine(**QUICK)
    assert run(at).status == "done" and run(at).config.steps == 20
    return at


# ---------------------------------------------------------------- defaults


def test_defaults_render_every_section_with_the_tutorials_numbers():
    at = open_sine()
    assert at.title[0].value == "Sine forecasting"
    assert sections(at) == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert not at.error and not at.warning
    reveal(at, "sine_1", "sine_3", "sine_4")
    state = run(at)
    assert state.status == "done" and state.config.steps == 400 and state.config.recipe == "fast"
    assert state.config.kinds == ("RNN",)
    assert has_title(at, "y = sin(x) + noise: 320 points to train on, 80 to test")
    for part in ("One training sample", "Which windows the first 12 training steps read",
                 "Training loss (MSE, log scale)", "Multi-step forecast of the test part, as it trains",
                 "Multi-step forecast of the test part, one line per recipe",
                 "Training loss per chunk", "After training: cos t"):
        assert has_title(at, part), (part, chart_titles(at))
    assert_results_shown(at)
    mse = scores(at)
    single, multi = (mse.loc[("RNN", how), "MSE vs clean sine"] for how in ("single-step", "multi-step"))
    assert single <= 0.03 < multi  # the lesson: the errors accumulate (the LSTM default showed the opposite)
    md = texts(at.markdown)
    assert "**The errors accumulate, as the tutorial teaches.**" in md and f"{multi:.4f}**, **{multi / single:.1f}×" in md
    assert "first exceeds" in md and "keeps oscillating" in md and "flat line" not in md
    # the recipes side by side: the tutorial's one ordered pass reproduces its figures, and says it is flat
    cmp = next(t.value for t in at.table if "multi-step forecast" in t.value.columns)
    assert len(cmp) == 5 and cmp.loc["tutorial: one ordered pass", "multi-step forecast"] == "decays to a flat line"
    assert cmp.loc["tutorial: one ordered pass", "steps"] == 310
    assert cmp.loc["fast: all windows per step, Adam", "windows read"] == 400 * 310
    assert "Here, with the tutorial's recipe: single-step **0.061**, multi-step **0.497**." in md
    # tutorial A and C are named where the page first follows them; section 6 runs tutorial C's 300 steps
    assert "**tutorial A**, “学习RNN和LSTM”" in texts(at.caption) and "**tutorial C**" in texts(at.caption)
    assert run(at, "sincos__run").config.steps == 300 and "**300 steps**" in texts(at.caption)
    assert "**The carried state knows, as the tutorial shows.**" in md
    reads = free_run_reads(at)
    assert reads["pred[320]"] == ", ".join(f"y[{i}]" for i in range(310, 320))
    assert reads["pred[322]"] == ", ".join([f"y[{i}]" for i in range(312, 320)] + ["pred[320]", "pred[321]"])
    assert reads["pred[331]"] == ", ".join(f"pred[{i}]" for i in range(321, 331))
    assert "The training part holds **310** such windows" in texts(at.markdown)
    sc = next(t.value for t in at.table if "MSE at each chunk's first step" in t.value.columns)
    assert sc.loc["carried", "MSE at each chunk's first step"] < 0.1 < sc.loc["reset", "MSE at each chunk's first step"]
    faq = texts(at.markdown)
    assert "(batch, 10, 1)" in faq and "all 310 windows" in faq
    assert weight_table(at)["rnn.weight_hh_l0"] == "(12, 12)"
    assert at.button(key="sine__train").label == "Retrain"


# ---------------------------------------------------------------- every control


def test_data_controls_retrain_and_redraw(quick: AppTest):
    at = quick
    before = run(at)
    at.number_input(key="sine_split").set_value(240).run()
    no_exception(at)
    assert run(at) is not before and run(at).config.series.split == 240
    assert has_title(at, "240 points to train on, 160 to test")
    assert "pred[240]" in free_run_reads(at)
    for key, value, field in [("sine_n", 300, "n_points"), ("sine_noise", 0.5, "noise"),
                              ("sine_window", 5, "window"), ("sine_data_seed", 3, "seed")]:
        before = run(at)
        at.number_input(key=key).set_value(value).run()
        no_exception(at)
        assert run(at) is not before and getattr(run(at).config.series, field) == value, key
        assert not at.error
    assert has_title(at, "240 points to train on, 60 to test")
    before = run(at)
    at.selectbox(key="sine_noise_kind").set_value("gaussian").run()
    no_exception(at)
    assert run(at) is not before and run(at).config.series.noise_kind == "gaussian"
    md = texts(at.markdown)
    assert "Input **y[100] … y[104]** (a window of 5" in md and "(batch, 5, 1)" in md
    assert free_run_reads(at)["pred[240]"] == ", ".join(f"y[{i}]" for i in range(235, 240))
    # the window slider only redraws section 2: no retraining
    before = run(at)
    at.slider(key="sine_t").set_value(7).run()
    no_exception(at)
    assert run(at) is before
    assert "Input **y[7] … y[11]** (a window of 5" in texts(at.markdown)
    assert_results_shown(at)


def test_models_recipe_and_training_controls(quick: AppTest):
    at = quick
    at.multiselect(key="sine_kinds").set_value(list(FORECASTERS)).run()
    no_exception(at)
    assert run(at).config.kinds == FORECASTERS and set(run(at).model.models) == set(FORECASTERS)
    reveal(at, "sine_1")
    assert set(scores(at).index.get_level_values(0)) == set(FORECASTERS) and len(scores(at)) == 8
    # MyRNN and RNN coincide by construction: the page says so, with the largest difference
    caption = texts(at.caption)
    assert "**MyRNN and RNN coincide by construction**" in caption
    assert float(re.search(r"differ by at most \*\*(\S+)\*\*", caption).group(1)) < 1e-4
    before = run(at)
    at.selectbox(key="sine_shown").set_value("GRU").run()  # which model to draw: no retraining
    no_exception(at)
    assert run(at) is before
    assert_results_shown(at, "GRU")
    assert weight_table(at)["rnn.weight_hh_l0"] == "(36, 12)"
    for key, value, field in [("sine_hidden", 4, "hidden_size"), ("sine_lr_fast", 0.01, "lr"),
                              ("sine_seed", 2, "seed")]:
        before = run(at)
        at.number_input(key=key).set_value(value).run()
        no_exception(at)
        assert run(at) is not before and getattr(run(at).config, field) == value, key
    assert weight_table(at)["rnn.weight_hh_l0"] == "(12, 4)"
    # the tutorial's recipe: one ordered pass, so its steps are fixed, and its own learning rate
    train_if_waiting(at.radio(key="sine_recipe").set_value("tutorial").run(), "sine")  # 4 models, one window a step
    cfg = run(at).config
    assert (cfg.recipe, cfg.lr, cfg.steps) == ("tutorial", 0.01, 310)
    assert at.number_input(key="sine_lr_tutorial").value == pytest.approx(0.01)
    assert "the 310 steps trained read 1.00 pass(es) over the 310 windows" in texts(at.markdown)
    # the FAQ's alternatives: passes of the ordered pass, and num_iter random windows
    at.radio(key="sine_recipe").set_value("epochs").run()
    train_if_waiting(at.number_input(key="sine_passes").set_value(2).run(), "sine")
    assert (run(at).config.recipe, run(at).config.steps, run(at).last.step) == ("epochs", 620, 620)
    assert "the 620 steps trained are 2.0 passes over the 310 windows" in texts(at.markdown)
    at.radio(key="sine_recipe").set_value("random").run()
    train_if_waiting(at.number_input(key="sine_steps_random").set_value(40).run(), "sine")
    assert (run(at).config.recipe, run(at).config.steps, run(at).last.step) == ("random", 40, 40)
    assert "the 40 steps trained read about 0.1 passes' worth" in texts(at.markdown)
    # Retrain trains again, from the same seed to the same losses
    first, again = retrained(at, "sine")
    assert [s.loss for s in again.history] == [s.loss for s in first.history]
    assert_results_shown(at, "GRU")


def test_sincos_controls(quick: AppTest):
    at = quick
    sine_before = run(at)
    for key, value, field in [("sc_steps", 30, "steps"), ("sc_hidden", 8, "hidden_size"),
                              ("sc_lr", 0.01, "lr"), ("sc_seed", 1, "seed")]:
        before = run(at, "sincos__run")
        at.number_input(key=key).set_value(value).run()
        no_exception(at)
        assert run(at, "sincos__run") is not before, key
        assert getattr(run(at, "sincos__run").config, field) == value, key
    assert run(at, "sincos__run").last.step == 30
    assert run(at) is sine_before  # section 6 does not retrain the forecaster
    reveal(at, "sine_4")
    sc = next(t.value for t in at.table if "MSE at each chunk's first step" in t.value.columns)
    assert list(sc.index) == ["carried", "reset"]
    assert has_title(at, "After training: cos t")
    # the sentence under the table is the one this run supports, with its numbers
    start, start_reset = sc["MSE at each chunk's first step"]
    learnt = start < start_reset / 10 and sc.loc["carried", "MSE"] < sc.loc["reset", "MSE"]
    said = (f"the carried model's error is **{start:.4f}**" if learnt
            else f"its error is {start:.4f}, not 10× below")
    assert said in texts(at.markdown)


# ---------------------------------------------------------------- bad input


BAD_INPUT = [  # (widget key, bad value, good value, what the error says)
    ("sine_window", 320, 10, "must be longer than the window (320)"),  # window as long as the training part
    ("sine_window", 400, 10, "must be longer than the window (400)"),
    ("sine_split", 399, 320, "leaves 1 test point(s) of 400"),  # split = points - 1
    ("sine_n", 20, 400, "leaves"),  # the split lies past the series' end
    ("sine_lr_tutorial", 1000.0, 0.01, "learning rate 1000"),  # the tutorial's SGD: the loss becomes NaN
]


def test_bad_input_explains_and_keeps_the_last_good_model(quick: AppTest):
    at = quick
    for key, bad, good_value, message in BAD_INPUT:
        if key == "sine_lr_tutorial":
            at.radio(key="sine_recipe").set_value("tutorial").run()  # its default lr trains fine
            assert run(at).config.recipe == "tutorial" and run(at).status == "done"
        good = run(at)
        at.number_input(key=key).set_value(bad).run()
        no_exception(at)
        assert message in texts(at.error), (key, bad, texts(at.error))
        assert run(at) is good and good.status == "done", key
        assert_results_shown(at)
        assert ("previous settings" in texts(at.info)
                or "last model trained with valid settings" in texts(at.info)), texts(at.info)
        # a rerun for an unrelated reason loses neither the model nor the message
        at.number_input(key="sc_seed").set_value(at.number_input(key="sc_seed").value + 1).run()
        no_exception(at)
        assert run(at) is good and message in texts(at.error), key
        assert_results_shown(at)
        # back to the good value: the same model, no message, nothing retrained
        at.number_input(key=key).set_value(good_value).run()
        no_exception(at)
        notes = [i.value for i in at.info if not i.value.startswith("The answer, from your run:")]  # not a checkpoint's answer
        assert run(at) is good and not at.error and not notes, (key, notes)


def test_no_noise_trains_and_both_errors_agree(quick: AppTest):
    at = quick
    for kind in ("uniform", "gaussian"):
        at.selectbox(key="sine_noise_kind").set_value(kind).run()
        at.number_input(key="sine_noise").set_value(0.0).run()
        no_exception(at)
        assert not at.error and run(at).config.series.noise == 0.0
        reveal(at, "sine_1")
        mse = scores(at)
        assert mse["MSE vs noisy truth"].tolist() == pytest.approx(mse["MSE vs clean sine"].tolist())
        assert_results_shown(at)


def test_no_model_selected_keeps_the_last_one(quick: AppTest):
    at = quick
    good = run(at)
    at.multiselect(key="sine_kinds").set_value([]).run()
    no_exception(at)
    assert "Pick at least one model" in texts(at.warning)
    assert run(at) is good
    assert_results_shown(at)


def test_sine_2_twin_is_the_run_the_page_trains_at_window_1(quick: AppTest):
    """sine_2's reveal trains the learner's run at window 1: for every recipe, the config it builds
    is the one the page's own knobs build at window 1 (the ordered recipes' steps are passes over
    one_pass windows: 319 at window 1, not the 310 of window 10). At window 1 sine_2 is not asked."""
    at = quick
    for recipe in sine.RECIPES:
        at.radio(key="sine_recipe").set_value(recipe).run()
        at.number_input(key="sine_window").set_value(10).run()
        no_exception(at)
        twin = sine.with_window(run(at).config, "RNN", 1)
        at.number_input(key="sine_window").set_value(1).run()
        no_exception(at)
        assert run(at).config == twin, recipe
        assert not [r for r in at.radio if r.key == "quiz_sine_2"], recipe
        assert "asked when the window holds more than 1 value" in texts(at.caption)
        text = texts(at.markdown)
        assert "from the true y[319] on" in text and "from prediction number 2 on" in text and "y[t+0]" not in text
    assert run(at).config.steps == twin.steps == 20  # fast (the last recipe) keeps the learner's steps


def test_a_single_training_window_is_allowed(quick: AppTest):
    at = quick
    at.number_input(key="sine_window").set_value(319).run()  # split 320: exactly one window
    no_exception(at)
    assert not at.error and run(at).config.series.window == 319


def test_split_leaving_two_test_points_works(quick: AppTest):
    at = quick
    at.number_input(key="sine_split").set_value(398).run()
    no_exception(at)
    assert not at.error and run(at).config.series.split == 398
    assert list(free_run_reads(at)) == ["pred[398]", "pred[399]"]
    assert_results_shown(at)


def test_an_interrupted_run_is_reported_and_stays_usable(quick: AppTest):
    """What the Stop button leads to (the browser test clicks it for real): the run found
    "running" on the next pass was interrupted; its partial model is drawn."""
    at = quick
    state = run(at)
    state.status, state.history = "running", state.history[:5]
    at.slider(key="sine_t").set_value(3).run()
    no_exception(at)
    assert run(at) is state and state.status == "stopped"
    assert f"Stopped after step {state.last.step} of 20" in texts(at.warning)
    assert_results_shown(at)


# ---------------------------------------------------------------- what the charts draw


def spec_with_title(at: AppTest, part: str) -> dict:
    return next(s for s in specs(at) if part in title_of(s))


def encodings(spec: dict) -> list[dict]:
    """Every layer's encoding, nested layers flattened."""
    out, todo = [], [spec]
    while todo:
        s = todo.pop()
        todo += s.get("layer", [])
        if "encoding" in s:
            out.append(s["encoding"])
    return out


def test_charts_axes_span_the_data_and_legends_match_the_lines(quick: AppTest):
    """The review's chart defects (issue 10): x axes that ran past the data (to 40 for data
    ending at 36; to 350 for 310 steps), one threshold drawn for two models with its label
    crossed by a line, pale legend swatches, a sample chart without a legend."""
    at = quick
    at.multiselect(key="sine_kinds").set_value(["MyRNN", "RNN", "LSTM"]).run()
    no_exception(at)
    reveal(at, "sine_1", "sine_4")
    data = spec_with_title(at, "y = sin(x) + noise")
    assert {"domain": [0.0, 36.0], "nice": False} in [e["x"].get("scale") for e in encodings(data)]
    loss = spec_with_title(at, "Training loss (MSE, log scale)")
    assert {"domain": [1.0, 20.0], "nice": False} in [e["x"].get("scale") for e in encodings(loss)]
    # MyRNN coincides with RNN: drawn wide and pale under it, and its legend swatch says so
    widths = [e["strokeWidth"]["scale"] for e in encodings(loss) if "strokeWidth" in e]
    assert widths and all(w == {"type": "ordinal", "domain": ["MyRNN", "RNN", "LSTM"], "range": [7, 2, 2]}
                          for w in widths)  # ordinal: RNN and LSTM 2 px (a point scale gave RNN 4.5)
    # a threshold per model, named in the legend (no text mark to be crossed by a line)
    horizon = spec_with_title(at, "Error vs horizon")
    assert not [s for s in horizon.get("layer", []) if s.get("mark", {}).get("type") == "text"]
    rows = chart_data(at.session_state[SHOWN]["Error vs horizon: |forecast − sin(x)|"])
    levels = rows[rows["how"] == "2 × single-step's mean error"]
    assert set(levels["model"]) == {"MyRNN", "RNN", "LSTM"}  # each model's own, flat at its level
    assert all(g["abs_error"].nunique() == 1 for _, g in levels.groupby("model"))
    dashes = next(e["strokeDash"]["scale"] for e in encodings(horizon) if "strokeDash" in e)
    assert dashes["domain"][2] == "2 × single-step's mean error"
    # the sample chart names its three kinds of points
    sample = spec_with_title(at, "One training sample")
    assert "legend" not in sample["encoding"]["color"] or sample["encoding"]["color"]["legend"] is not None
    assert sample["encoding"]["color"]["scale"]["domain"] == [
        "training part of the series", "input window", "target: the next value"]
    windows = spec_with_title(at, "Which windows the first 12 training steps read")
    assert windows["encoding"]["y"]["title"] == "training step" and windows["encoding"]["x"]["title"].startswith(
        "window start t (a window: input y[t] … y[t+9], target y[t+10])")
    # sin -> cos: the target wide and pale under the predictions, the reset one dashed, in the legend too
    after = spec_with_title(at, "After training: cos t")
    dash = next(e["strokeDash"]["scale"] for e in encodings(after) if "strokeDash" in e)
    assert dash["domain"][2] == "prediction, state reset" and dash["range"] == [[1, 0], [1, 0], [6, 3]]
    opacity = next(e["opacity"]["scale"] for e in encodings(after) if "opacity" in e)
    assert opacity["domain"][0] == "cos t (target)" and opacity["range"] == [0.35, 1.0, 1.0]
    assert opacity["type"] == "ordinal"  # the carried prediction fully opaque, not half way on a ramp
    # a mark's own width or opacity would override the encoded one (MyRNN's wide line was drawn 2 px)
    for spec in specs(at):
        todo = [spec]
        while todo:
            part = todo.pop()
            todo += part.get("layer", [])
            mark = part.get("mark") if isinstance(part.get("mark"), dict) else {}
            for channel in ("strokeWidth", "opacity", "strokeDash"):
                assert not (channel in part.get("encoding", {}) and channel in mark), (title_of(spec), channel)
    trains = spec_with_title(at, "Multi-step forecast of the test part, as it trains")
    assert [e["strokeWidth"]["scale"]["range"] for e in encodings(trains) if "strokeWidth" in e] == [[7, 2, 2]] * 2


# ---------------------------------------------------------------- checkpoints: asked first, answered from the run


def values(elements) -> list[str]:
    return [e.value for e in elements]


def test_checkpoints_hide_what_answers_them_until_the_learner_commits(quick: AppTest):
    at = quick
    path = next(e for e in at.expander if "Your path through this lesson" in e.label)
    assert "0 of 4 checkpoints answered" in path.label
    # sine_1: section 4's forecast chart and MSE table, and section 3's free run as it trains, wait for an answer
    assert not has_title(at, "Multi-step forecast of the test part, as it trains")
    assert "waits for your answer to the first checkpoint" in texts(at.caption)
    assert not has_title(at, "RNN" + FORECAST_TITLE) and not [t for t in at.table if "MSE vs clean sine" in t.value.columns]
    assert at.button(key="checkpoint_sine_1__check").disabled
    fc = sine.forecast(run(at).model, make_series(run(at).config.series), 10)  # the run on the page
    v, right = fc.verdicts["RNN"], sine.multi_step_reveal(fc, "RNN").right
    wrong = next(o for o in ("larger", "same", "smaller") if o != right)
    at.radio(key="quiz_sine_1").set_value(wrong).run()
    at.button(key="checkpoint_sine_1__check").click().run()
    no_exception(at)
    assert any(m.startswith("Not this time. The answer, from your run:") for m in values(at.error)), values(at.error)
    assert f"{v.multi:.4f}" in texts(at.markdown) and has_title(at, "RNN" + FORECAST_TITLE)
    assert has_title(at, "Multi-step forecast of the test part, as it trains")
    assert scores(at).loc[("RNN", "multi-step"), "MSE vs clean sine"] == pytest.approx(v.multi, abs=1e-4)
    assert at.session_state["checkpoint_record"]["sine_1"].correct is False
    # sine_2, answered right: its reveal trains the window-1 twin and quotes both runs
    one = sine.trained_verdict(sine.with_window(run(at).config, "RNN", 1))
    right = sine.window_one_reveal(run(at).config, "RNN", v).right
    at.radio(key="quiz_sine_2").set_value(right).run()
    at.button(key="checkpoint_sine_2__check").click().run()
    no_exception(at)
    assert any(m.startswith("Right:") for m in values(at.success)), values(at.success)
    assert any(f"{one.multi:.3f}" in m and "windows of 1" in m for m in values(at.markdown))
    at.button(key="checkpoint_sine_2__try")  # try this: the window it names, set here
    # sine_3: the recipes' table waits for an answer; sine_4: section 6's chart and table
    assert not [t for t in at.table if "multi-step forecast" in t.value.columns]
    assert not has_title(at, "After training: cos t")
    # sine_4: the loss curves (reset flat, carried falling) and the reason wait too; the question is neutral
    assert not has_title(at, "Training loss per chunk") and "loss curves wait for your answer" in texts(at.caption)
    assert "only the carried state knows" not in texts(at.markdown)
    q = next(r for r in at.radio if r.key == "quiz_sine_4").label
    assert "sin t = 0" not in q and "+1 or −1" not in q, q
    reveal(at, "sine_3", "sine_4")
    assert [t for t in at.table if "multi-step forecast" in t.value.columns] and has_title(at, "After training: cos t")
    sc = run(at, "sincos__run")
    assert has_title(at, "Training loss per chunk")
    assert str(sincos.reset_reveal(sincos.judge(sc.model, sc.config)).why) in texts(at.markdown)
    assert sum(m.startswith("The answer, from your run:") for m in values(at.info)) == 2
    # a new run asks again
    at.number_input(key="sine_seed").set_value(1).run()
    no_exception(at)
    assert not has_title(at, "RNN" + FORECAST_TITLE) and at.radio(key="quiz_sine_1").value is None


# ---------------------------------------------------------------- 6. how far back a forecast looks


def span_table(at: AppTest):
    return next(t.value for t in at.table if "span, single-step" in t.value.columns)


def test_how_far_back_draws_and_a_knob_redraws_it_without_training(quick: AppTest):
    at = quick
    before = run(at)
    md = texts(at.markdown)
    assert "**Influence** (also called *saliency*)" in md and "**zero by construction**" in md
    assert "The free run's forecast of y[339], 20 step(s) after the split" in md  # the default: 20 steps on
    _, frames = chart(at, "RNN: influence on the forecast of y[339], multi-step")
    bars = next(f for f in frames if "influence" in f.columns)
    assert list(bars["k"]) == list(range(29)) and (bars["influence"] > 0).all()  # back to y[310], past the window
    assert set(bars.loc[bars["k"] < 19, "read"]) == {"own prediction"} and set(bars.loc[bars["k"] >= 19, "read"]) == {"true value"}
    assert has_title(at, "RNN: what the forecast of y[339] (red ◆) read")
    assert list(span_table(at).index) == ["RNN"]
    # a position: the same model, another row of its profiles
    at.slider(key="sine_span_h").set_value(50).run()
    no_exception(at)
    assert run(at) is before
    _, frames = chart(at, "RNN: influence on the forecast of y[369], multi-step")
    assert len(next(f for f in frames if "influence" in f.columns)) == 59
    assert "The free run's forecast of y[369], 50 step(s) after the split" in texts(at.markdown)
    # single-step: only the window's 10 true values matter, the rest is zero
    at.radio(key="sine_span_how").set_value("single_step").run()
    no_exception(at)
    _, frames = chart(at, "RNN: influence on the forecast of y[369], single-step")
    bars = next(f for f in frames if "influence" in f.columns)
    assert (bars.loc[bars["k"] < 10, "influence"] > 0).all() and (bars.loc[bars["k"] >= 10, "influence"] == 0).all()
    assert "The single-step forecast of y[369] reads y[359] … y[368]" in texts(at.markdown)
    single = span_table(at).loc["RNN", "span, single-step"]
    assert 0 <= single <= 9 and f"**{single}** step(s) back" in texts(at.markdown)
    # the kinds it lacks train on request, with its settings; then overlaid with their spans
    assert at.button(key="sine_span_train").label.startswith("Train LSTM, GRU with the same settings")
    at.button(key="sine_span_train").click().run()
    no_exception(at)
    assert run(at) is before
    table = span_table(at)
    assert list(table.index) == ["RNN", "LSTM", "GRU"] and (table["span, single-step"] <= 9).all()
    _, frames = chart(at, "Influence over its peak on the forecast of y[369] (single-step), by model")
    lines = next(f for f in frames if "share" in f.columns)
    assert sorted(lines["model"].unique()) == sorted(f"{k}: span {table.loc[k, 'span, single-step']}" for k in table.index)
    at.slider(key="sine_span_h").set_value(5).run()  # asked once: the twins stay, no button
    no_exception(at)
    assert not any(b.key == "sine_span_train" for b in at.button) and len(span_table(at)) == 3


def test_how_far_back_in_chinese():
    at = open_page(PAGE, timeout=TIMEOUT, language="zh", **QUICK)
    no_exception(at)
    assert "6. 一次预测往回看多远" in [h.value for h in at.header]
    assert has_title(at, "RNN：对 y[339] 的预测的影响（递推多步预测）")
    assert "跨度" in texts(at.markdown)
    at.slider(key="sine_span_h").set_value(30).run()  # a redraw of the section speaks the session's language too
    no_exception(at)
    assert has_title(at, "RNN：对 y[349] 的预测的影响（递推多步预测）")
