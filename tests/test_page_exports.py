"""Exports through AppTest: every page's sidebar offers the data behind each chart it drew
(CSV, one button per chart, named by the chart's title), the weights of its trained
models and standalone scripts; the CSV is the chart's own data. The files' bytes are checked in the browser test."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import torch
from streamlit.testing.v1 import AppTest

from rnnviz.charts import chart_data, chart_title, line, perplexity_chart
from rnnviz.ui.page import SHOWN, _state_dict_bytes

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")
WEIGHTS = {"pages/1_RNN_Unrolling.py": ["hello_ohlol.pt"],
           "pages/2_Sine_Forecasting.py": ["sine_forecasters.pt", "sin_to_cos.pt"],
           "pages/3_LSTM_Gates.py": ["gates_model.pt"],
           "pages/4_Char_Generation.py": ["char_model.pt"]}
SCRIPTS = {"pages/1_RNN_Unrolling.py": ["hello_ohlol.py"],
           "pages/2_Sine_Forecasting.py": ["sine_forecasters.py", "sin_to_cos.py"],
           "pages/3_LSTM_Gates.py": ["gates_model.py"],
           "pages/4_Char_Generation.py": ["char_model.py"]}  # their sources: rnnviz.export, tested in test_export.py


@pytest.mark.parametrize("page", list(WEIGHTS))
def test_every_chart_and_model_of_a_page_can_be_downloaded(page: str):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page).run()
    if page == "pages/3_LSTM_Gates.py":  # its heatmaps wait for the first checkpoint: ask to be shown
        at.button(key="checkpoint_gates_1__show").click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.sidebar.get("download_button")]
    drawn = at.session_state[SHOWN]
    assert len(drawn) >= 3 and all(title in labels for title in drawn), (list(drawn), labels)
    assert [x for x in labels if x.endswith(".pt")] == WEIGHTS[page]
    assert [x for x in labels if x.endswith(".py")] == SCRIPTS[page]
    for title, chart in drawn.items():
        assert not chart_data(chart).empty, title
    if page == "pages/3_LSTM_Gates.py":  # the heatmap panels export as one table of every gate and state
        heat = chart_data(drawn["2. Every gate, every unit, every step"])
        assert {"forget", "input", "output", "candidate", "cell", "hidden"} <= set(heat["gate"]), set(heat["gate"])


def test_a_layered_chart_exports_every_layer_with_its_part():
    ppl = pd.DataFrame({"epoch": [1, 2, 1, 2], "perplexity": [5.0, 4.0, 6.0, 5.5],
                        "curve": ["train", "train", "held-out", "held-out"]})
    chart = perplexity_chart(ppl, {"uniform": 8.0, "unigram": 7.5, "bigram": 3.2},
                             "Perplexity: train, held-out, n-gram baselines", "epoch", "perplexity (log)")
    data = chart_data(chart)
    assert chart_title(chart) == "Perplexity: train, held-out, n-gram baselines"
    assert sorted(set(data["part"])) == [1, 2] and len(data) == 3 + 4
    assert set(data["baseline"].dropna()) == {"uniform", "unigram", "bigram"}
    single = line(ppl, "epoch", "perplexity", "One table", "epoch", "perplexity", color="curve")
    assert chart_data(single).equals(ppl) and chart_title(single) == "One table"


def test_the_weights_file_loads_with_weights_only():
    model = torch.nn.GRU(3, 4)
    state = torch.load(io.BytesIO(_state_dict_bytes(model)), weights_only=True)
    assert state.keys() == model.state_dict().keys()
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
