"""The "RNN unrolling" page's Streamlit sections, in lesson order: the widgets that return the
page's configs (UnrollConfig, HelloConfig, GradConfig: defaults read from the config classes),
and the blocks that say one result (the step's table and equations, the three ways, the shape
table, the hello run, the gradient's reach). The numbers, frames and sentences come from
rnnviz.unrolling; the words from rnnviz/locales/{en,zh}.unrolling.toml.

Where a change goes: a new widget of section N goes in its *_controls() here and becomes a
field of its config in rnnviz.unrolling (its default there, never here); a new block of words
or a table shown with a result goes here, its numbers in rnnviz.unrolling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from rnnviz import bptt, charts, unrolling
from rnnviz.i18n import Message, tr
from rnnviz.ui import TrainState, choice, fragment, show
from rnnviz.ui import checkpoint as checkpoint_ui

BOUND = {"bind": "query-params"}  # the section's settings go into the page's link


def say(sentences: list[Message] | tuple[Message, ...]) -> str:
    """Sentences the engine decided, in the learner's language, as one paragraph."""
    return " ".join(str(s) for s in sentences)


# ---------------------------------------------------------------- 1. the recurrence, unrolled


def example_controls() -> unrolling.UnrollConfig:
    """The worked example's sizes; the notes' example (batch 1, seq 3, input 4, hidden 2) by default."""
    default = unrolling.UnrollConfig
    c = st.columns(4)
    seq_len = c[0].number_input(tr("unrolling.size.seq_len"), 1, 64, default.seq_len, key="unroll_seq_len",
                                help=tr("unrolling.size.seq_len_help"), **BOUND)
    batch_size = c[1].number_input(tr("unrolling.size.batch"), 1, 16, default.batch_size, key="unroll_batch",
                                   help=tr("unrolling.size.batch_help"), **BOUND)
    input_size = c[2].number_input(tr("unrolling.size.input_size"), 1, 64, default.input_size, key="unroll_input",
                                   help=tr("unrolling.size.input_size_help"), **BOUND)
    hidden_size = c[3].number_input(tr("unrolling.size.hidden_size"), 1, 64, default.hidden_size,
                                    key="unroll_hidden", help=tr("unrolling.size.hidden_size_help"), **BOUND)
    c = st.columns(4)
    num_layers = c[0].number_input(tr("unrolling.size.num_layers"), 1, 4, default.num_layers, key="unroll_layers",
                                   help=tr("unrolling.size.num_layers_help"), **BOUND)
    nonlinearity = c[1].selectbox(tr("unrolling.size.nonlinearity"), unrolling.NONLINEARITIES, key="unroll_nl",
                                  index=unrolling.NONLINEARITIES.index(default.nonlinearity), **BOUND)
    seed = c[2].number_input(tr("unrolling.size.seed"), 0, 10_000, default.seed, key="unroll_seed",
                             help=tr("unrolling.size.seed_help"), **BOUND)
    batch_first = c[3].toggle(tr("unrolling.size.batch_first"), default.batch_first, key="unroll_batch_first",
                              help=tr("unrolling.size.batch_first_help"), **BOUND)
    return unrolling.UnrollConfig(seq_len=int(seq_len), batch_size=int(batch_size), input_size=int(input_size),
                                  hidden_size=int(hidden_size), num_layers=int(num_layers), batch_first=batch_first,
                                  nonlinearity=nonlinearity, seed=int(seed))


def recurrence(cfg: unrolling.UnrollConfig, ex: unrolling.WorkedExample) -> None:
    """The equations, with the run's nonlinearity, and what its output layer scores."""
    st.latex(charts.recurrence(cfg.nonlinearity))
    st.caption(tr("unrolling.output_def", classes=ex.readout.out_features))
    if cfg.nonlinearity == "relu":
        st.caption(tr("unrolling.relu_def"))


def step_columns(cfg: unrolling.UnrollConfig):
    """Diagram and step table side by side for a short sequence; a longer one's diagram needs
    the page's width (the table goes below)."""
    return st.columns([3, 2]) if cfg.seq_len <= 3 else (st.container(), st.container())


def time_step(cfg: unrolling.UnrollConfig) -> int:
    """The step t (1-based) to follow; a one-step sequence has nothing to step through."""
    if cfg.seq_len == 1:
        return 1
    return st.slider(tr("unrolling.step.t"), 1, cfg.seq_len, 1, key="unroll_t", help=tr("unrolling.step.t_help"))


@dataclass(frozen=True)
class Pick:
    """Which numbers section 1 shows: step t (1-based), layer and sequence (0-based, as the engine)."""

    t: int  # the time step the slider picked
    layer: int  # which stacked layer's numbers are shown
    sample: int  # which sequence of the batch
    batch: int  # sequences in the batch: with more than one, the sentences say which is shown

    @property
    def batched(self) -> bool:
        return self.batch > 1

    @property
    def where(self) -> dict[str, int]:
        """The catalogue's {t}, {layer}, {sample}, {batch}: 1-based, as the learner counts."""
        return {"t": self.t, "layer": self.layer + 1, "sample": self.sample + 1, "batch": self.batch}


WHOLE_PAGE = "_unroll_whole_page"  # set by a section-1 knob that section 2 reads too (the sequence)


def _whole_page() -> None:
    st.session_state[WHOLE_PAGE] = True


def step_pick(cfg: unrolling.UnrollConfig, t: int) -> Pick:
    c = st.columns(2)
    layer = c[0].selectbox(tr("unrolling.step.layer"), range(1, cfg.num_layers + 1), disabled=cfg.num_layers == 1)
    sample = c[1].selectbox(tr("unrolling.step.sample"), range(1, cfg.batch_size + 1), disabled=cfg.batch_size == 1,
                            on_change=_whole_page)  # section 2's table shows the same sequence
    return Pick(t, layer - 1, sample - 1, cfg.batch_size)


# headers in Unicode sub- and superscripts: a table does not render LaTeX
STEP_HEADERS = {"ih": "Wᵢₕxₜ+bᵢₕ", "hh": "Wₕₕhₜ₋₁+bₕₕ", "h_prev": "hₜ₋₁", "h_t": "hₜ"}


def step_table(n: dict, pick: Pick) -> None:
    """The picked step's numbers per hidden unit (units 1..H as the index)."""
    st.markdown(tr("unrolling.step.per_unit_batch" if pick.batched else "unrolling.step.per_unit", **pick.where))
    unit = tr("unrolling.step.unit")
    table = unrolling.step_table(n).rename(columns={"unit": unit, "preact": tr("unrolling.step.preact"),
                                                    **STEP_HEADERS})
    st.table(table.set_index(unit).style.format("{:.4f}"), hide_index=False)
    if pick.layer > 0:
        st.caption(tr("unrolling.step.layer_input", layer=pick.layer + 1, below=pick.layer))


def step_equations(n: dict, pick: Pick, cfg: unrolling.UnrollConfig) -> None:
    """The picked step's equations with its real numbers (or why they are not printed)."""
    key = "unrolling.step.real_numbers_batch" if pick.batched else "unrolling.step.real_numbers"
    st.markdown(tr(key, **pick.where))
    lines = charts.step_equations(n, pick.t, pick.layer, cfg.nonlinearity)
    if lines is None:
        st.caption(tr("unrolling.step.too_large"))
    for line in lines or []:
        st.latex(line)


def hidden_heatmap(frame: pd.DataFrame, pick: Pick) -> None:
    """The picked layer's hidden state over time, for the picked sequence (an inspect() frame)."""
    key = "unrolling.step.heat_title_batch" if pick.batched else "unrolling.step.heat_title"
    hidden = frame[(frame["gate"] == "hidden") & (frame["layer"] == pick.layer + 1)]
    show(charts.heatmap(hidden, "t", "unit", tr(key, **pick.where), tr("unrolling.step.heat_x"),
                        tr("unrolling.step.heat_y"), value_title="hₜ", even_ticks=True, symmetric=True))


# ---------------------------------------------------------------- 2. three ways, 3. shapes

SHOWN_ROWS = 12  # enough to compare by eye; the metric covers every row


def three_ways(three: unrolling.ThreeWays, cfg: unrolling.UnrollConfig, pick: Pick) -> str:
    """The three outputs side by side, the largest difference and the verdict (returned: the FAQ quotes it)."""
    ways = three.table(pick.sample)
    ways = ways.rename(columns={c: tr(f"unrolling.ways.{c}") for c in ("unit", "by_hand", "by_cell", "by_module")})
    left, right = st.columns([3, 1])
    left.table(ways.head(SHOWN_ROWS).set_index(list(ways.columns[:2])).style.format("{:.6f}"))
    counts = three.counts()  # T × B × H: every count in the text comes from the run's shapes
    if len(ways) > SHOWN_ROWS:
        left.caption(tr("unrolling.ways.first_rows", shown=SHOWN_ROWS, total=len(ways), sample=pick.sample + 1,
                        **counts))
    elif cfg.batch_size > 1:
        left.caption(tr("unrolling.ways.all_rows", total=len(ways), sample=pick.sample + 1, batch=cfg.batch_size,
                        **counts))
    right.metric(tr("unrolling.ways.largest"), f"{three.max_diff():.1e}", help=tr("unrolling.ways.largest_help"))
    verdict = say(three.verdict(cfg.nonlinearity))
    right.caption(verdict)
    return verdict


def shape_table(shapes: pd.DataFrame) -> None:
    """unrolling.shape_table in the learner's words, one row per tensor."""
    words = shapes.map(str).rename(columns={c: tr(f"unrolling.shapes.{c}") for c in shapes.columns})
    st.table(words.set_index(tr("unrolling.shapes.tensor")))


# ---------------------------------------------------------------- 4. hello -> ohlol


def hello_controls() -> unrolling.HelloConfig:
    """The notes' script (each with its own learning rate), epochs and seed."""
    default, variants = unrolling.HelloConfig, list(unrolling.VARIANTS)
    c = st.columns([2, 1, 1, 1])
    variant = choice(c[0].radio, tr("unrolling.hello.variant"), variants, key="hello_variant",
                     index=variants.index(default.variant), labels={v: tr(f"unrolling.variant.{v}") for v in variants},
                     captions=[tr(f"unrolling.variant.{v}_caption", lr=unrolling.LR_OF_VARIANT[v]) for v in variants])
    lr = c[1].number_input(tr("unrolling.hello.lr"), 1e-4, 100.0, unrolling.LR_OF_VARIANT[variant], format="%.4f",
                           key=f"hello_lr_{variant}", help=tr("unrolling.hello.lr_help"), **BOUND)
    epochs = c[2].number_input(tr("unrolling.hello.epochs"), 1, 300, default.epochs, key="hello_epochs", **BOUND)
    seed = c[3].number_input(tr("unrolling.hello.seed"), 0, 10_000, default.seed, key="hello_seed", **BOUND)
    return unrolling.HelloConfig(variant=variant, lr=float(lr), epochs=int(epochs), seed=int(seed))


def hello_render(state: TrainState) -> None:
    """The run so far (no widgets: called at every redraw): the notes' printout, the loss, the outcome."""
    history = unrolling.hello_history(state.history)
    if history.empty:
        return
    cfg = state.config
    summed = unrolling.LOSS_REDUCTION[cfg.variant] == "sum"
    left, right = st.columns([5, 4])
    with left:  # as the learner would see it in a terminal, newest last (never translated)
        st.code(unrolling.printout(cfg, history), language=None)
        st.caption(tr("unrolling.hello.printout_caption"))
    with right:
        show(charts.line(history, "epoch", "loss", tr("unrolling.hello.loss_title"), tr("unrolling.hello.epoch"),
                         tr("unrolling.hello.loss_sum" if summed else "unrolling.hello.loss_mean"), points=True))
        st.caption(str(unrolling.loss_note(cfg.variant)))
    outcome = unrolling.hello_outcome(cfg, history, finished=state.status == "done")
    (st.success if outcome.solved else st.info)(str(outcome.result))
    if outcome.notes_claim:
        st.caption(say(outcome.notes_claim))


def trained_states(model: unrolling.HelloTagger) -> None:
    """The trained model's hidden states per input letter (a heatmap per layer) and its embedding."""
    hidden = unrolling.hello_hidden_frame(model)
    layers = sorted(hidden["layer"].unique())
    for col, layer in zip(st.columns(len(layers)), layers):
        show(charts.heatmap(hidden[hidden["layer"] == layer], "char", "unit",
                            tr("unrolling.hello.trained_title", layer=layer), tr("unrolling.hello.trained_x"),
                            tr("unrolling.hello.trained_y"), value_title="hₜ", even_ticks=True, symmetric=True), col)
    st.caption(tr("unrolling.hello.trained_caption"))
    emb = unrolling.embedding_frame(model)
    if emb is not None:
        show(charts.heatmap(emb, "dim", "letter", tr("unrolling.hello.emb_title"), tr("unrolling.hello.emb_x"),
                            tr("unrolling.hello.emb_y"), value_title=tr("unrolling.hello.emb_value"),
                            even_ticks=True, symmetric=True))


# ---------------------------------------------------------------- 5. gradients through time


def gradient_controls() -> unrolling.GradConfig:
    default, nonlinearities = unrolling.GradConfig, unrolling.NONLINEARITIES
    c = st.columns(5)
    scale = c[0].slider(tr("unrolling.grad.scale"), 0.1, 4.0, default.weight_scale, 0.1, key="gtt_scale", **BOUND)
    nonlinearity = c[1].selectbox(tr("unrolling.grad.nonlinearity"), nonlinearities, key="gtt_nl",
                                  index=nonlinearities.index(default.nonlinearity), **BOUND)
    forget_bias = c[2].slider(tr("unrolling.grad.forget_bias"), -3.0, 5.0, default.forget_bias, 0.5, key="gtt_fb",
                              **BOUND)
    seq_len = c[3].number_input(tr("unrolling.grad.length"), 1, 400, default.seq_len, key="gtt_len", **BOUND)
    seed = c[4].number_input(tr("unrolling.grad.seed"), 0, 10_000, default.seed, key="gtt_seed", **BOUND)
    return unrolling.GradConfig(seq_len=int(seq_len), weight_scale=float(scale), nonlinearity=nonlinearity,
                                forget_bias=float(forget_bias), seed=int(seed))


SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def gradient_reach(verdict: unrolling.GradVerdict) -> None:
    """Under the chart: where both lines end, any overflow, each model's ratio, and the lesson."""
    cfg = verdict.config
    last_h = "h" + str(cfg.seq_len).translate(SUBSCRIPT)  # h₅₀: Unicode, where LaTeX does not render
    st.caption(tr("unrolling.grad.same_end", T=cfg.seq_len, hT=last_h, hidden=cfg.hidden_size,
                  norm=math.sqrt(cfg.hidden_size)))
    if verdict.overflowed:
        models = tr("unrolling.grad.list_sep").join(tr("unrolling.grad.overflow_model", model=m.model,
                                                       t=m.overflowed_to) for m in verdict.overflowed)
        st.error(tr("unrolling.grad.overflow", models=models), icon=":material/warning:")
    for col, m in zip(st.columns(2), verdict.models):
        ratio = f"{m.ratio:.2e}" if math.isfinite(m.ratio) else tr("unrolling.grad.ratio_overflow")
        col.metric(f"{m.model}: ‖∂L/∂h₁‖ / ‖∂L/∂{last_h}‖", ratio, help=tr("unrolling.grad.ratio_help"))
    lesson = verdict.sentence()
    if lesson is not None:
        st.markdown(str(lesson))


# ---------------------------------------------------------------- checkpoints: ask, then reveal from the run
# Each returns True once the learner has answered (or asked to be shown); the page then draws
# what answers it. The reveals are computed in rnnviz.unrolling.

LESSON = "unrolling"


def ask_weights(cfg: unrolling.UnrollConfig, ex: unrolling.WorkedExample) -> bool:
    """Checkpoint 1, under the unrolled diagram: how many distinct weight matrices it has."""
    labels = {v: str(m) for v, m in unrolling.weights_options(cfg).items()}
    return checkpoint_ui.ask("unrolling_1", LESSON, cfg, lambda: unrolling.weights_reveal(ex), options=list(labels),
                             labels=labels)


def ask_ways(cfg: unrolling.UnrollConfig, three: unrolling.ThreeWays) -> bool:
    """Checkpoint 2, above the three ways' table: which differs, and by how much."""
    return checkpoint_ui.ask("unrolling_2", LESSON, cfg, lambda: unrolling.ways_reveal(three, cfg),
                             options=unrolling.WAYS_OPTIONS)


def ask_shapes(cfg: unrolling.UnrollConfig, ex: unrolling.WorkedExample) -> bool:
    """Checkpoint 3, above the shape table: the shapes of output and h_n for the learner's sizes."""
    labels = {v: tr("quiz.unrolling_3.option", output=v.split("|")[0], h_n=v.split("|")[1])
              for v in unrolling.shapes_options(cfg)}
    return checkpoint_ui.ask("unrolling_3", LESSON, cfg, lambda: unrolling.shapes_reveal(ex), options=list(labels),
                             labels=labels)


def ask_gradient(cfg: unrolling.GradConfig, verdict: unrolling.GradVerdict) -> bool:
    """Checkpoint 4, above the gradient chart: does the RNN's gradient at t = 1 vanish or grow."""
    labels = {o: tr(f"quiz.unrolling_4.o.{o}", vanished=unrolling.VANISHED, exploded=unrolling.EXPLODED,
                    T=cfg.seq_len, scale=cfg.weight_scale) for o in unrolling.GRADIENT_OPTIONS}
    return checkpoint_ui.ask("unrolling_4", LESSON, cfg, lambda: unrolling.gradient_reveal(verdict),
                             options=unrolling.GRADIENT_OPTIONS, labels=labels)


# ---------------------------------------------------------------- 6. backpropagation through time, step by step


def bptt_intro() -> None:
    """What the section walks, the words it needs (∂L/∂hₜ, Jacobian, σ_max) and the rule it applies."""
    st.markdown(tr("unrolling.bptt.intro"))
    st.markdown(tr("unrolling.bptt.defs"))
    st.latex(r"\frac{\partial L}{\partial h_t} = J_{t+1}^\top \frac{\partial L}{\partial h_{t+1}}"
             r" + W_{hy}^\top \frac{\partial L}{\partial y_t}, \qquad J_{t+1}^\top = W_{hh}^\top\,"
             r"\mathrm{diag}(\varphi'(a_{t+1}))")
    st.markdown(tr("unrolling.bptt.rule"))


def bptt_controls() -> bptt.BpttConfig:
    """Section 6's model, its loss and clipping (defaults from BpttConfig)."""
    default, nonlinearities = bptt.BpttConfig, bptt.NONLINEARITIES
    c = st.columns([3, 2, 2, 2, 2])
    scale = c[0].slider(tr("unrolling.bptt.scale"), 0.1, 4.0, default.weight_scale, 0.1, key="bptt_scale",
                        help=tr("unrolling.bptt.scale_help"), **BOUND)
    nonlinearity = c[1].selectbox(tr("unrolling.bptt.nonlinearity"), nonlinearities, key="bptt_nl",
                                  index=nonlinearities.index(default.nonlinearity), **BOUND)
    hidden = c[2].number_input(tr("unrolling.bptt.hidden"), 1, 16, default.hidden_size, key="bptt_hidden",
                               help=tr("unrolling.bptt.hidden_help", most=bptt.MATRIX_MAX), **BOUND)
    seq_len = c[3].number_input(tr("unrolling.bptt.length"), 2, 60, default.seq_len, key="bptt_len", **BOUND)
    seed = c[4].number_input(tr("unrolling.bptt.seed"), 0, 10_000, default.seed, key="bptt_seed", **BOUND)
    c = st.columns([4, 2, 2])
    loss_at = choice(c[0].radio, tr("unrolling.bptt.loss_at"), bptt.LOSS_AT, key="bptt_loss", horizontal=True,
                     index=bptt.LOSS_AT.index(default.loss_at),
                     labels={v: tr(f"unrolling.bptt.loss_{v}") for v in bptt.LOSS_AT})
    clip = c[1].toggle(tr("unrolling.bptt.clip"), default.clip, key="bptt_clip", help=tr("unrolling.bptt.clip_help"),
                       **BOUND)
    max_norm = c[2].number_input(tr("unrolling.bptt.theta"), 0.001, 1000.0, default.max_norm, format="%.3f",
                                 key="bptt_theta", disabled=not clip, **BOUND)
    return bptt.BpttConfig(seq_len=int(seq_len), hidden_size=int(hidden), weight_scale=float(scale),
                           nonlinearity=nonlinearity, loss_at=loss_at, clip=clip, max_norm=float(max_norm),
                           seed=int(seed))


def bptt_stepper(run: bptt.BpttRun) -> int:
    """The step t the learner walks, from T down to 1 (left to right: the way the backward pass goes)."""
    return st.select_slider(tr("unrolling.bptt.t"), list(range(run.T, 0, -1)), value=run.T,
                            key=f"bptt_t_{run.T}", help=tr("unrolling.bptt.t_help"))


def bptt_equations(run: bptt.BpttRun, t: int) -> None:
    """Step t's backward equations with their numbers (hidden sizes up to MATRIX_MAX)."""
    s, f = run.step(t), charts.vec
    every = run.config.loss_at == "every"
    if t == run.T:
        st.latex(rf"\frac{{\partial L}}{{\partial h_{{{t}}}}} = W_{{hy}}^\top \frac{{\partial L}}{{\partial y_{{{t}}}}}"
                 rf" = {f(s['grad'], 4)}")
        return
    t1 = t + 1
    d = charts.derivative(run.config.nonlinearity, t1)
    st.latex(rf"W_{{hh}}^\top = {charts.mat(run.W_hh.T, 3)} \qquad {d} = {f(s['dphi'], 3)}")
    st.latex(rf"J_{{{t1}}}^\top = W_{{hh}}^\top\,\mathrm{{diag}}({d}) = {charts.mat(s['Jt'], 3)}")
    own = rf" + W_{{hy}}^\top \frac{{\partial L}}{{\partial y_{{{t}}}}}" if every else ""
    own_numbers = rf" + {f(s['direct'], 4)}" if every else ""
    st.latex(rf"\frac{{\partial L}}{{\partial h_{{{t}}}}} = J_{{{t1}}}^\top \frac{{\partial L}}{{\partial h_{{{t1}}}}}"
             rf"{own} = {charts.mat(s['Jt'], 3)}{f(s['later'], 4)}{own_numbers} = {f(s['grad'], 4)}")


def bptt_step(run: bptt.BpttRun, t: int) -> None:
    """Where the walk is: the step's norm, its change from t + 1 and the factor's largest singular value."""
    s = run.step(t)
    c = st.columns(3)
    sub = str(t).translate(SUBSCRIPT)
    c[0].metric(f"‖∂L/∂h{sub}‖", f"{s['norm']:.3e}")
    if t < run.T:
        later = s["later_norm"]
        c[1].metric(tr("unrolling.bptt.change", t1=t + 1), f"× {s['norm'] / later:.3g}" if later > 0 else "—",
                    help=tr("unrolling.bptt.change_help"))
        c[2].metric(tr("unrolling.bptt.sigma", t1=t + 1), f"{s['sigma']:.3f}", help=tr("unrolling.bptt.sigma_help"))
    st.markdown(str(run.step_sentence(t)))


def bptt_norms(run: bptt.BpttRun, t: int) -> None:
    """‖∂L/∂h_t‖ over t, the stepper's t marked."""
    frame = run.frame()
    shown = frame[frame["grad_norm"] > 0]  # a log axis: an exact 0 (relu units all off) is not drawn
    norms = charts.line(shown, "t", "grad_norm", tr("unrolling.bptt.norm_title"), tr("unrolling.bptt.x"),
                        tr("unrolling.bptt.norm_y"), log_y=True, points=True, x_domain=(1, run.T), x_whole=True,
                        y_format=charts.log_format(shown["grad_norm"]))
    show(charts.with_rule(norms, t, tr("unrolling.bptt.here", t=t)))


def bptt_factors(run: bptt.BpttRun) -> None:
    """Each step's largest singular value against 1 (the same at every t of the stepper)."""
    frame = run.frame()
    top = max(1.1, float(frame["sigma"].max()) * 1.05)
    sigma = charts.line(frame, "t", "sigma", tr("unrolling.bptt.sigma_title"), tr("unrolling.bptt.x"),
                        tr("unrolling.bptt.sigma_y"), points=True, x_domain=(1, run.T), x_whole=True,
                        y_domain=(0, top))
    show(charts.with_level(sigma, 1.0, tr("unrolling.bptt.one")))


def bptt_clipping(run: bptt.BpttRun) -> None:
    """What clipping did to the finished gradient (and what it left alone), with each step's share before and after."""
    cfg = run.config
    c = st.columns(3)
    c[0].metric(tr("unrolling.bptt.total"), f"{run.norm:.3e}", help=tr("unrolling.bptt.total_help"))
    c[1].metric(tr("unrolling.bptt.coef"), f"{run.coef:.3g}" if cfg.clip else "—")
    c[2].metric(tr("unrolling.bptt.after"), f"{run.norm * run.coef:.3e}")
    st.markdown(str(run.clip_sentence()))
    frame, legend = run.frame(), tr("unrolling.bptt.clipping")
    lines = ("added", "added_clipped") if cfg.clip else ("added",)  # off: one line (clipping changed nothing)
    long = pd.concat([pd.DataFrame({"t": frame["t"], "added": frame[col], legend: tr(f"unrolling.bptt.{col}")})
                      for col in lines], ignore_index=True)
    long = long[long["added"] > 0]  # a log axis
    show(charts.line(long, "t", "added", tr("unrolling.bptt.added_title"), tr("unrolling.bptt.x"),
                     tr("unrolling.bptt.added_y"), color=legend, dash=legend, log_y=True, x_domain=(1, cfg.seq_len),
                     x_whole=True, y_format=charts.log_format(long["added"])))
    st.caption(tr("unrolling.bptt.added_caption"))


@fragment
def bptt_walk(run: bptt.BpttRun) -> None:
    """The stepper and what it moves: a fragment inside the section's, so a step redraws only this."""
    t = bptt_stepper(run)
    if run.matrices:  # the page's width: the matrices are wide
        bptt_equations(run, t)
    else:
        st.caption(tr("unrolling.bptt.too_large", most=bptt.MATRIX_MAX, hidden=run.config.hidden_size))
    left, right = st.columns([5, 4])
    with left:
        bptt_step(run, t)
    with right:
        bptt_norms(run, t)


@fragment
def bptt_section() -> None:
    """Section 6 below its intro: its knobs redraw only this section (a fragment), its stepper less still."""
    run = bptt.backward(bptt_controls())
    bptt_walk(run)
    left, right = st.columns([5, 4])
    left.markdown(str(run.sentence()))
    with right:
        bptt_factors(run)
    st.markdown(f"**{tr('unrolling.bptt.clip_header')}**")
    bptt_clipping(run)
    same = run.max_diff <= bptt.AUTOGRAD_TOL
    (st.success if same else st.error)(str(run.autograd_sentence()), icon=":material/check:" if same else None)
