"""Backpropagation through time, one step at a time (rnnviz.bptt, the unrolling page's section 6):
the step-by-step numbers are torch.autograd's, each step's factor is the Jacobian torch computes,
the norms shrink at a small weight scale and grow at a large one, clipping rescales the finished
gradient and nothing before it; and the page's section draws, and its stepper redraws it."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch
import web
from apptest import chart, elements, english_on, no_exception, open_page, title_of
from torch.nn import functional as F

from rnnviz import bptt
from rnnviz.i18n import CATALOGUES

TOL = 1e-5  # the atol
SEEDS = (0, 1, 2)


def autograd_reference(cfg: bptt.BpttConfig) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """∂L/∂h_t (T, H) and every parameter's gradient, from torch alone: the seeded module run one
    step at a time, torch.autograd.grad, nothing of the step-by-step code."""
    rnn, readout, x, targets = bptt.model(cfg)
    state, hs = torch.zeros(1, 1, cfg.hidden_size, dtype=torch.float64), []
    for t in range(cfg.seq_len):
        _, state = rnn(x[t].view(1, 1, -1), state)
        hs.append(state)
    per_step = F.cross_entropy(readout(torch.cat(hs).view(cfg.seq_len, -1)), targets, reduction="none")
    loss = per_step[-1] if cfg.loss_at == "last" else per_step.mean()
    params = dict(rnn.named_parameters()) | dict(readout.named_parameters())
    found = torch.autograd.grad(loss, hs + list(params.values()))
    grad_h = torch.cat(found[:len(hs)]).view(cfg.seq_len, -1)
    return grad_h, dict(zip(params, found[len(hs):]))


@pytest.mark.parametrize("seq_len", [10, 30])
@pytest.mark.parametrize("scale", [0.5, 2.0])
@pytest.mark.parametrize("loss_at", bptt.LOSS_AT)
def test_step_by_step_equals_autograd_for_tanh(scale, seq_len, loss_at):
    for seed in SEEDS:
        cfg = bptt.BpttConfig(seq_len=seq_len, weight_scale=scale, loss_at=loss_at, seed=seed)
        run = bptt.backward(cfg)
        grad_h, grads = autograd_reference(cfg)
        assert torch.allclose(run.grad_h, grad_h, rtol=0, atol=TOL)
        assert run.grads.keys() == grads.keys()
        for name, g in grads.items():
            assert torch.allclose(run.grads[name], g, rtol=0, atol=TOL), name
        assert run.max_diff < TOL  # what the page says, measured by the engine the same way
        assert run.autograd_sentence().key == "unrolling.bptt.autograd_same"
        # the pieces the page prints add up: ∂L/∂h_t = J_{t+1}ᵀ ∂L/∂h_{t+1} + the loss's own term
        for t in range(1, seq_len):
            s = run.step(t)
            assert torch.allclose(s["Jt"] @ s["later"] + s["direct"], s["grad"], atol=1e-12)
        if loss_at == "last":  # the loss reads only h_T: nothing is added on the way back
            assert float(run.direct[:-1].abs().max()) == 0


@pytest.mark.parametrize("nonlinearity", bptt.NONLINEARITIES)
def test_each_steps_factor_is_the_jacobian_torch_computes(nonlinearity):
    cfg = bptt.BpttConfig(nonlinearity=nonlinearity, weight_scale=1.5, hidden_size=4)
    run = bptt.backward(cfg)
    rnn, _, x, _ = bptt.model(cfg)
    for t in (1, 6, cfg.seq_len):
        def one_step(h_prev, t=t):
            return rnn(x[t - 1].view(1, 1, -1), h_prev.view(1, 1, -1))[1].view(-1)
        J = torch.autograd.functional.jacobian(one_step, run.h[t - 1])
        assert torch.allclose(run.jacobian[t - 1], J, atol=1e-12)
        assert math.isclose(float(run.sigma[t - 1]), float(torch.linalg.svdvals(J)[0]), rel_tol=1e-9)
    # W_hh = scale × an orthogonal matrix: every singular value is the scale
    assert torch.allclose(torch.linalg.svdvals(run.W_hh), torch.full((4,), 1.5, dtype=torch.float64))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_norms_shrink_at_a_small_weight_scale_and_grow_at_a_large_one(seed):
    small = bptt.backward(bptt.BpttConfig(weight_scale=0.5, seed=seed))
    f = small.frame()
    assert (f["change"].dropna() < 1).all()  # every step back shrinks it: σ_max ≤ 0.5 × max(1 - h²) < 1
    assert small.reach < 1e-2 and small.kind == "shrank"
    assert small.sentence().key == "unrolling.bptt.overall_shrank"
    large = bptt.backward(bptt.BpttConfig(weight_scale=2.0, nonlinearity="relu", seed=seed))
    assert large.reach > 1 and large.kind == "grew"
    assert large.sentence().key == "unrolling.bptt.overall_grew"
    assert (large.frame()["sigma"] > 1).sum() > large.T / 2  # most steps can stretch it (σ_max = 2 where a unit is on)
    # tanh at weight scale 3: W_hh stretches by 3, yet the gradient shrinks: saturated units' 1 - h² takes it back
    tanh3 = bptt.backward(bptt.BpttConfig(weight_scale=3.0, seed=seed))
    assert tanh3.reach < 1 and float(tanh3.dphi.min()) < 0.1


@pytest.mark.parametrize("scale, nonlinearity", [(0.5, "tanh"), (3.0, "tanh"), (2.0, "relu")])
def test_one_step_back_changes_the_norm_by_at_most_the_largest_singular_value(scale, nonlinearity):
    run = bptt.backward(bptt.BpttConfig(weight_scale=scale, nonlinearity=nonlinearity, seq_len=20))
    f = run.frame()
    later_sigma = f["sigma"].shift(-1)  # the factor that carried the gradient from t + 1 to t
    ok = f["change"].dropna() <= later_sigma[f["change"].notna()] + 1e-12
    assert ok.all()


def test_clipping_rescales_the_finished_gradient_and_nothing_before_it():
    cfg = bptt.BpttConfig(weight_scale=2.0, nonlinearity="relu", max_norm=1.0, seed=1)
    off, on = bptt.backward(cfg), bptt.backward(replace(cfg, clip=True))
    assert off.norm > cfg.max_norm  # this gradient is long enough for clipping to act
    assert off.coef == 1.0 and math.isclose(on.coef, cfg.max_norm / (off.norm + 1e-6))
    assert math.isclose(on.norm * on.coef, cfg.max_norm, rel_tol=1e-5)  # the update is θ long
    # torch's clip_grad_norm_ on autograd's gradients gives the step-by-step gradients times c
    rnn, readout, _, _ = bptt.model(cfg)
    _, grads = autograd_reference(cfg)
    params = dict(rnn.named_parameters()) | dict(readout.named_parameters())
    for name, p in params.items():
        p.grad = grads[name].clone()
    total = torch.nn.utils.clip_grad_norm_(list(params.values()), cfg.max_norm)
    assert math.isclose(float(total), on.norm, rel_tol=1e-9)
    for name, p in params.items():
        assert torch.allclose(p.grad, on.coef * on.grads[name], rtol=0, atol=TOL), name
    assert on.max_diff < TOL
    # what it does not change: every ∂L/∂h_t, every factor, every step's change, each step's share
    assert torch.equal(on.grad_h, off.grad_h) and torch.equal(on.jacobian, off.jacobian)
    f_on, f_off = on.frame(), off.frame()
    assert f_on["change"].equals(f_off["change"]) and f_on["sigma"].equals(f_off["sigma"])
    assert (f_on["added_clipped"] / f_on["added_clipped"].sum()).sub(f_off["added"] / f_off["added"].sum()).abs().max() < 1e-12
    assert on.clip_sentence().key == "unrolling.bptt.clip_on" and off.clip_sentence().key == "unrolling.bptt.clip_off"
    idle = bptt.backward(replace(cfg, clip=True, max_norm=1e6))  # within θ: clipping changes nothing
    assert idle.coef == 1.0 and idle.clip_sentence().key == "unrolling.bptt.clip_idle"


def test_a_relu_layer_whose_units_are_all_off_passes_nothing_back():
    run = bptt.backward(bptt.BpttConfig(nonlinearity="relu", weight_scale=1.5, hidden_size=4, seed=3))
    assert run.kind == "zero" and run.zero_from is not None
    t = run.zero_from
    assert float(run.norms[t - 1]) == 0 < float(run.norms[t])
    assert float(run.dphi[t].abs().max()) == 0  # at step t + 1 every unit was off: J is all zeros
    assert run.step_sentence(t - 1).key == "unrolling.bptt.back_nothing" if t > 1 else True
    assert run.sentence().values["t"] == t


def test_with_a_loss_at_every_step_the_last_losss_share_is_said():
    """Each step adds its own loss term, so ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ may exceed 1 while the gradient
    of the last loss shrank: the page says the latter, from the same run with the loss at T only."""
    cfg = bptt.BpttConfig(loss_at="every", hidden_size=8, seq_len=20)
    run, alone = bptt.backward(cfg), bptt.backward(replace(cfg, loss_at="last"))
    said = run.sentence()
    assert said.key == "unrolling.bptt.overall_every" and said.values["alone"] == alone.reach
    assert run.reach > 1 > alone.reach  # this setting: the ratio grew, what survived of ℓ_T shrank


def test_a_loss_without_gradient_has_nothing_to_walk_back():
    run = bptt.backward(bptt.BpttConfig(nonlinearity="relu", weight_scale=4.0, seed=0))
    if float(run.norms[-1]) == 0:  # p_T is the target's one-hot to float64's precision
        assert run.kind == "flat" and run.sentence().key == "unrolling.bptt.overall_flat"
    flat = replace(run, grad_h=torch.zeros_like(run.grad_h))
    assert flat.kind == "flat" and flat.sentence().key == "unrolling.bptt.overall_flat"


# ---------------------------------------------------------------- the page's section 6 (AppTest)

PAGE = "pages/1_RNN_Unrolling.py"
EN = CATALOGUES["en"]


def section_text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_the_page_walks_the_backward_pass_and_the_stepper_redraws_it():
    at = open_page(PAGE, timeout=180)
    headers = [h.value for h in at.header]
    assert headers.index(EN["unrolling.bptt.header"]) == headers.index(EN["unrolling.grad.header"]) + 1
    run = bptt.backward(bptt.BpttConfig())  # the page's defaults
    T = run.T
    text = section_text(at)
    assert EN["unrolling.bptt.defs"].split("**")[1] in text and "**Jacobian**" in text  # defined before use
    assert f"**At t = {T}** the backward pass starts" in text
    same = next(s.value for s in at.success if s.value.startswith("**The same numbers as torch.autograd.**"))
    assert f"**{run.max_diff:.1e}**" in same and run.max_diff < TOL
    _, frames = chart(at, EN["unrolling.bptt.norm_title"])
    assert list(frames[1]["t"]) == [T]  # the stepper's t, marked
    chart(at, EN["unrolling.bptt.sigma_title"])
    chart(at, EN["unrolling.bptt.added_title"])
    # walk back to t = 5: the equations, the numbers and the mark follow
    at.select_slider(key=f"bptt_t_{T}").set_value(5).run()
    no_exception(at)
    text = section_text(at)
    assert "**From t = 6 back to t = 5:**" in text
    assert f"{run.norms[5]:.3e} to {run.norms[4]:.3e}" in text
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["‖∂L/∂h₅‖"] == f"{run.norms[4]:.3e}"
    assert metrics[EN["unrolling.bptt.sigma"].format(t1=6)] == f"{run.sigma[5]:.3f}"
    assert any(r"J_{6}^\top = W_{hh}^\top" in x.value for x in at.latex)  # the Jacobian, printed
    _, frames = chart(at, EN["unrolling.bptt.norm_title"])
    assert list(frames[1]["t"]) == [5]
    # clipping on (the default gradient is longer than θ = 1): the factor, and what it leaves alone
    at.toggle(key="bptt_clip").set_value(True).run()
    no_exception(at)
    clipped = bptt.backward(bptt.BpttConfig(clip=True))
    assert clipped.coef < 1 and clipped.grad_h.equal(run.grad_h)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[EN["unrolling.bptt.coef"]] == f"{clipped.coef:.3g}"
    assert metrics["‖∂L/∂h₅‖"] == f"{run.norms[4]:.3e}"  # the step's numbers: the same with clipping on
    assert f"Clipping is on: ‖∇L‖ = {run.norm:.3e} exceeds θ = 1" in section_text(at)
    _, frames = chart(at, EN["unrolling.bptt.added_title"])
    assert set(frames[0][EN["unrolling.bptt.clipping"]]) == {EN["unrolling.bptt.added"], EN["unrolling.bptt.added_clipped"]}
    # relu at weight scale 2 (seed 1): the gradient grows on its way back, and the page says so
    at.selectbox(key="bptt_nl").set_value("relu").run()
    at.slider(key="bptt_scale").set_value(2.0).run()
    at.number_input(key="bptt_seed").set_value(1).run()
    no_exception(at)
    assert "**The whole way back (11 steps):**" in section_text(at) and "the gradient grew (exploding)" in section_text(at)
    # a larger layer: no matrices, the largest singular value instead
    at.number_input(key="bptt_hidden").set_value(8).run()
    no_exception(at)
    assert any(c.value.startswith("With 8 hidden units each Jacobian is 8 × 8") for c in at.caption)
    assert not any(r"J_{" in x.value and "bmatrix" in x.value for x in at.latex)


def test_the_section_in_chinese():
    at = open_page(PAGE, timeout=180, language="zh")
    zh = CATALOGUES["zh"]
    assert zh["unrolling.bptt.header"] in [h.value for h in at.header]
    at.select_slider(key=f"bptt_t_{bptt.BpttConfig.seq_len}").set_value(3).run()
    at.toggle(key="bptt_clip").set_value(True).run()
    no_exception(at)
    assert "**从 t = 4 回到 t = 3：**" in section_text(at)
    titles = [title_of(spec) for spec, _ in elements(at)]
    assert zh["unrolling.bptt.norm_title"] in titles and zh["unrolling.bptt.added_title"] in titles
    assert english_on(at) == []  # the whole page, this section with clipping on included


# ---------------------------------------------------------------- the stepper in the browser (a fragment's rerun)

SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
METRIC_SHOWS_JS = """(s) => [...document.querySelectorAll('[data-testid=stMetricLabel]')].some(e => e.innerText.includes(s))"""


def test_the_stepper_redraws_its_section_in_the_learners_language(browser, app_url):
    """In 简体中文: each step back redraws the section (a fragment rerun, which does not run the
    page's setup) with that step's numbers, still in Chinese. (How fast: bench/redraw.py.)"""
    zh = CATALOGUES["zh"]
    context, page, errors = web.open_page(browser, app_url + "/RNN_Unrolling?lang=zh")
    try:
        page.wait_for_function(web.FINISHED_JS, timeout=180_000)
        stepper = page.locator("[data-testid=stSlider]").filter(has_text=zh["unrolling.bptt.t"])
        stepper.locator("input[type=range]").focus()
        T = bptt.BpttConfig.seq_len
        for t in range(T - 1, T - 7, -1):
            page.keyboard.press("ArrowRight")
            page.wait_for_function(METRIC_SHOWS_JS, arg=f"∂h{str(t).translate(SUBSCRIPT)}‖", timeout=30_000)
            page.wait_for_function(web.FINISHED_JS, timeout=30_000)
        section = page.locator("[data-testid=stMain]").inner_text()
        assert "**" not in section and "从 t = 7 回到 t = 6：" in section  # the step sentence, in Chinese
        assert zh["unrolling.bptt.change"].format(t1=7) in section
        assert stepper.count() == 1 and not errors
    finally:
        context.close()
