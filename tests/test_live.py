"""The live-training block: trains once, keeps results across reruns, survives Stop and divergence."""

from streamlit.testing.v1 import AppTest


def _app():
    import streamlit as st
    import torch
    from torch import nn

    from rnnviz.train import seeded, train
    from rnnviz.ui import live_training

    lr = st.number_input("lr", value=0.01, format="%.4g")
    st.number_input("unrelated", value=0)

    def start(config):
        with seeded(0):
            model = nn.Linear(2, 1)
        x = torch.randn(16, 2)
        opt = torch.optim.SGD(model.parameters(), lr=config)
        return model, train(model, lambda step: (model(x) - 1).pow(2).mean(), opt, 20)

    def render(state):
        st.write(f"steps: {len(state.history)}")

    state = live_training("toy", lr, start, render, "a toy model")
    if state is not None:
        st.session_state["runs_seen"] = st.session_state.get("runs_seen", set()) | {id(state)}


def _at():
    at = AppTest.from_function(_app, default_timeout=30)
    return at.run()


def test_trains_once_and_a_rerun_does_not_retrain():
    at = _at()
    assert not at.exception
    assert any("steps: 20" in m.value for m in at.markdown)
    first = at.session_state["toy__run"]
    at.number_input[1].set_value(5).run()
    assert at.session_state["toy__run"] is first
    assert at.button[0].label == "Retrain"


def test_an_interrupted_run_is_kept_as_stopped_with_its_partial_model():
    at = _at()
    state = at.session_state["toy__run"]
    state.status = "running"  # what a Stop click leaves behind: the loop was cut off by a rerun
    del state.history[7:]
    at.number_input[1].set_value(3).run()
    assert at.session_state["toy__run"].status == "stopped"
    assert any("Stopped after step 7 of 20" in w.value for w in at.warning)
    assert any("steps: 7" in m.value for m in at.markdown)


def test_a_diverging_learning_rate_keeps_the_last_good_run_and_says_why():
    at = _at()
    good = at.session_state["toy__run"]
    at.number_input[0].set_value(1e30).run()
    assert not at.exception
    assert at.session_state["toy__run"] is good
    assert any("learning rate 1e+30" in e.value for e in at.error)
    assert any("previous settings" in i.value for i in at.info)
    # the failed settings are not retried on every rerun
    at.number_input[1].set_value(9).run()
    assert at.session_state["toy__run"] is good
    assert any("learning rate 1e+30" in e.value for e in at.error)


def _long_app():
    import streamlit as st
    import torch
    from torch import nn

    from rnnviz.train import seeded, train
    from rnnviz.ui import live_training

    steps = st.number_input("steps", value=20)
    st.number_input("unrelated", value=0)

    def start(config):
        with seeded(0):
            model = nn.Linear(2, 1)
        x = torch.randn(16, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        return model, train(model, lambda step: (model(x) - 1).pow(2).mean(), opt, config)

    def render(state):
        st.write(f"steps: {len(state.history)}")

    # a pretend cost: 3 s per step, so anything past one step is a long run
    live_training("toy", int(steps), start, render, "a toy model", default=20, seconds=3.0 * steps)


def test_a_long_run_waits_for_train_with_its_estimate_then_trains_once():
    at = AppTest.from_function(_long_app, default_timeout=30).run()
    first = at.session_state["toy__run"]  # the default trains at once
    assert any("steps: 20" in m.value for m in at.markdown)
    at.number_input[0].set_value(40).run()  # 2 min: waits
    assert at.session_state["toy__run"] is first
    assert any("about 2 min" in i.value and "press **Train**" in i.value for i in at.info)
    assert at.button[0].label == "Train (about 2 min)"
    at.number_input[1].set_value(1).run()  # more changes: still nothing trains
    assert at.session_state["toy__run"] is first
    at.button[0].click().run()
    assert at.session_state["toy__run"] is not first
    assert any("steps: 40" in m.value for m in at.markdown)
    assert not any("press **Train**" in i.value for i in at.info)
    assert at.button[0].label == "Retrain"  # not "Train (about 2 min)" beside the finished run


def test_a_short_run_still_trains_at_once():
    at = AppTest.from_function(_long_app, default_timeout=30).run()
    first = at.session_state["toy__run"]
    at.number_input[0].set_value(1).run()  # 3 s: under the threshold
    assert at.session_state["toy__run"] is not first
    assert any("steps: 1" in m.value for m in at.markdown)


def test_a_live_redraw_draws_a_bounded_history_that_keeps_the_milestones():
    from rnnviz.train import Snapshot
    from rnnviz.ui.live import TrainState, thinned

    history = [Snapshot(k, 5000, 1.0 / k, 1.0, {"epoch": k // 100 + 1, **({"held_ppl": 2.0} if k % 100 == 0 else {})})
               for k in range(1, 5001)]
    state = TrainState("config", "model", history)
    shown = thinned(state, limit=300).history
    assert len(shown) <= 300 + 50 + 1  # the evenly spaced ones, the 50 epoch ends, the last
    assert shown[-1].step == 5000 and shown[0].step == 1
    assert [s.step for s in shown if "held_ppl" in s.info] == list(range(100, 5001, 100))
    assert [s.step for s in shown] == sorted(s.step for s in shown)
    assert thinned(TrainState("c", "m", history[:200])).history == history[:200]


def _many_steps_app():
    import streamlit as st
    import torch
    from torch import nn

    from rnnviz.train import seeded, train
    from rnnviz.ui import live_training

    def start(steps):
        with seeded(0):
            model = nn.Linear(2, 1)
        x = torch.randn(4, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        return model, train(model, lambda step: (model(x) - 1).pow(2).mean(), opt, steps)

    live_training("many", 1_000, start, lambda state: st.write(f"kept: {len(state.history)}"), "a toy model",
                  seconds=0.0)


def test_a_long_runs_history_is_thinned_as_it_grows_and_keeps_its_last_step(monkeypatch):
    from rnnviz.ui import live

    monkeypatch.setattr(live, "HISTORY_LIMIT", 100)
    at = AppTest.from_function(_many_steps_app, default_timeout=60).run()
    history = at.session_state["many__run"].history
    assert 50 <= len(history) <= 100  # 1,000 steps, a session keeps at most the limit
    assert history[-1].step == 1_000 and history[0].step == 1
    assert [s.step for s in history] == sorted({s.step for s in history})


def test_loss_grew_compares_each_model_of_a_chain_with_its_own_start():
    """The sine page trains its recipes one after another: the tutorial's first loss (0.313) and the
    fast recipe's last (1.254) are two models, not one that got worse; a model whose own loss rose is."""
    from rnnviz.train import Snapshot
    from rnnviz.ui.live import TrainState, _loss_grew

    def run(*parts):
        history = [Snapshot(i, 4, loss, 0.0, {"recipe": recipe}) for i, (recipe, loss) in enumerate(parts)]
        return TrainState(config=None, model=None, history=history, status="done")

    assert _loss_grew(run(("tutorial", 0.313), ("tutorial", 0.30), ("fast", 4.648), ("fast", 1.254))) == ""
    grew = _loss_grew(run(("tutorial", 0.313), ("tutorial", 0.30), ("fast", 0.5), ("fast", 1.254)))
    assert "0.5" in grew and "1.25" in grew, grew
    assert _loss_grew(run((None, 0.2), (None, 0.9))), "one model whose loss rose"
