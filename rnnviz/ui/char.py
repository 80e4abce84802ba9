"""The "Char-level generation" page's own Streamlit parts, called by the page in lesson order:
the recipe choice, the corpus loader, the model's knobs (a charlm.CharConfig), what differs
from the recipe, the corpus check, the live view of a run and what it shows, the prefix box,
the generated text's tables, and section 6 (what single units track); the lesson's checkpoints
(ask_*: asked before what answers them, their reveals computed by rnnviz.charlm).

The engine (rnnviz.charlm) builds every table, share and sentence; here they are laid out in
the learner's words. A new knob: its widget in model_config(), its widget key in
recipe_values(), its label char.model.<name>. A new corpus: rnnviz.charlm's docstring.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache

import altair as alt
import pandas as pd
import streamlit as st
import torch

from rnnviz import charlm, charspan, charts, cost, saliency
from rnnviz.data import grammar
from rnnviz.data.text import (
    JOIN,
    PREFIXES,
    SOURCES,
    CorpusError,
    Vocab,
    d2l_lyrics,
    fetch,
    is_zip,
    read_corpus,
    read_text,
    zip_members,
)
from rnnviz.i18n import tr
from rnnviz.train import Snapshot
from rnnviz.ui import TrainState, choice, fragment, show
from rnnviz.ui import checkpoint as checkpoint_ui
from rnnviz.ui.background import Job
from rnnviz.ui.live import about

PREFIX_MAX = 500  # characters a prefix may have: what is read, drawn and carried by the link
VOCAB_WARN = 5_000  # distinct characters from which the one-hot width is said before training
# section 5's number boxes: widget key -> (its charlm.GenerateConfig field, lowest, highest); a link's
# values are kept for when a model exists (a long run waits for Train: no section 5 yet)
WRITING = {"char_length": ("length", 1, 2000), "char_temp": ("temperature", 0.0, 5.0), "char_k": ("top_k", 1, 100),
           "char_sample_seed": ("seed", 0, 10_000)}
# a CharConfig field -> its widget's label (char.model.<label>), for what differs from the recipe
LABELS = {"kind": "cell", "hidden_size": "hidden", "num_layers": "layers", "embedding": "embed", "dropout": "dropout",
          "optimizer": "optim", "lr": "lr", "clip": "clip", "batch_size": "batch", "num_steps": "steps",
          "sampling": "sampling", "epochs": "epochs", "held_out": "held", "patience": "patience", "keep": "keep",
          "print_every": "print_every", "init": "init", "offset": "offset", "vocab_cap": "vocab_cap"}


def shown_name(name: str) -> str:
    """A corpus' name in the learner's words; an uploaded file keeps its own, shown as text
    (code formatting: no bold, links or formulas from a file's name)."""
    if name in charlm.CORPORA:
        return tr(f"char.corpora.{name}")
    return "`" + name.replace("`", "ʼ").replace("\n", " ") + "`"


# ------------------------------------------------------------------ 0. the recipe: every knob at once


def recipe_values(r: charlm.Recipe) -> dict:
    """Widget key -> the recipe's value: one choice sets them all before the script runs (one run, not seven)."""
    c = r.config
    return {"char_corpus": r.corpus, "char_first10k": r.first_10k, "char_kind": c.kind, "char_hidden": c.hidden_size,
            "char_layers": c.num_layers, "char_embed": c.embedding, "char_dropout": c.dropout, "char_opt": c.optimizer,
            f"char_lr_{c.optimizer}": c.lr, f"char_clip_{c.optimizer}": c.clip, "char_batch": c.batch_size,
            "char_steps": c.num_steps, "char_sampling": c.sampling, "char_offset": c.offset,
            "char_init": c.init == "d2l", "char_epochs": c.epochs, "char_held": c.held_out,
            "char_patience": c.patience, "char_keep": c.keep, "char_print": c.print_every, "char_mode": r.mode,
            "char_length": r.length, "char_vocab_cap": c.vocab_cap}


def apply_recipe(recipe_id: str | None = None, keep=()) -> None:
    """Set every knob to the recipe's (the chosen one by default), except the keys in keep."""
    for key, value in recipe_values(charlm.RECIPES[recipe_id or st.session_state["char_recipe"]]).items():
        if key not in keep:
            st.session_state[key] = value


checkpoint_ui.ON_SET["char_recipe"] = apply_recipe  # a checkpoint's "try it" that picks a recipe sets its knobs


def recipe_choice() -> charlm.Recipe:
    """The recipe radio (with the chapter's cost said before choosing it); a link that names a
    recipe (a teacher's ?char_recipe=d2l) opens with its knobs, the link's own settings kept."""
    chapter = charlm.RunKey(corpus="lyrics", length=10_000, config=charlm.CHAPTER)
    captions = {"fast": tr("char.recipe.fast_caption"),
                "d2l": tr("char.recipe.d2l_caption", steps=cost.work(chapter, 1_027).steps,
                          about=about(cost.seconds(chapter, 1_027)))}
    if "char_recipe" not in st.session_state and st.query_params.get("char_recipe") in charlm.RECIPES:
        apply_recipe(st.query_params["char_recipe"], keep=set(st.query_params))
    recipe_id = choice(st.radio, tr("char.recipe.label"), list(charlm.RECIPES), key="char_recipe",
                       labels={r: tr(f"char.recipe.{r}") for r in charlm.RECIPES}, captions=list(captions.values()),
                       on_change=apply_recipe, help=tr("char.recipe.help"))
    return charlm.RECIPES[recipe_id]


# ------------------------------------------------------------------ 1. corpus


def load_corpus(corpus_id: str, first_10k: bool) -> tuple[str, str] | None:
    """(name, text) of the chosen corpus, or None with a message on the page."""
    if corpus_id == "reber":
        return corpus_id, grammar.corpus()
    if corpus_id == "hello":
        return corpus_id, "hello"
    if corpus_id in SOURCES:
        return download(corpus_id, first_10k)
    return upload()


UNLOADED = "char__unloaded"  # the corpus of data/corpora.toml chosen last that could not be loaded


def download(corpus_id: str, first_10k: bool) -> tuple[str, str] | None:
    """A corpus of data/corpora.toml (shipped, cached or downloaded with a progress bar)."""
    src = SOURCES[corpus_id]
    bar = st.progress(0.0, text=tr("char.corpus.downloading", name=shown_name(corpus_id), url=src.url))
    try:  # (fetch calls progress in this thread: tr() speaks the visitor's language)
        path = fetch(src, progress=lambda got, total: bar.progress(
            min(got / total, 1.0), text=tr("char.corpus.download_progress", name=shown_name(corpus_id), got=got,
                                          total=total)))
        text = read_text(src.name, path.read_bytes())
    except CorpusError as exc:
        bar.empty()
        st.error(str(exc), icon=":material/cloud_off:")
        st.session_state[UNLOADED] = corpus_id  # the run shown is on another corpus: char_2's reveal says so
        return None
    bar.empty()
    st.session_state.pop(UNLOADED, None)
    if corpus_id == "lyrics":
        text = d2l_lyrics(text, 10_000 if first_10k else None)
    return corpus_id, text


def upload() -> tuple[str, str] | None:
    """The learner's .txt or .zip (a member of a zip of several, or all of them joined)."""
    mb = st.get_option("server.maxUploadSize")  # the server's limit, the reader's too (text.MAX_MB)
    up = st.file_uploader(tr("char.corpus.upload", mb=mb), type=["txt", "zip"], key="char_upload",
                          help=tr("char.corpus.upload_help", mb=mb))
    if up is None:
        st.info(tr("char.corpus.choose", mb=mb))
        return None
    try:
        data, member = up.getvalue(), None
        members = zip_members(up.name, data) if is_zip(up.name, data) else ()
        if len(members) > 1:  # several texts: the learner picks one, or all of them joined
            member = st.selectbox(tr("char.corpus.zip_member"), [*members, JOIN], key="char_zip_member",
                                  format_func=lambda m: tr("char.corpus.zip_join", n=len(members)) if m == JOIN else m)
        got = read_corpus(up.name, data, member)
    except CorpusError as exc:
        st.error(str(exc), icon=":material/error:")
        return None
    if len(got.members) > 1:
        used = tr("char.corpus.zip_used_join", n=len(got.members)) if got.member == JOIN else shown_name(got.member)
        st.caption(tr("char.corpus.zip_used", n=len(got.members), used=used))
    if got.encoding == "utf-16":
        st.caption(tr("char.corpus.utf16", name=shown_name(up.name)))
    return up.name, got.text


# ------------------------------------------------------------------ 2. model and recipe


def model_config(vocab_cap: int) -> charlm.CharConfig:
    """Section 2's knobs, as the config they make (defaults: charlm.CharConfig's, the fast recipe's)."""
    default, kinds = charlm.CharConfig, ["RNN", "LSTM", "GRU"]
    c = st.columns(5)
    kind = c[0].selectbox(tr("char.model.cell"), kinds, index=kinds.index(default.kind), key="char_kind",
                          bind="query-params")
    hidden = c[1].number_input(tr("char.model.hidden"), 1, 1024, default.hidden_size, key="char_hidden",
                               bind="query-params")
    layers = c[2].number_input(tr("char.model.layers"), 1, 4, default.num_layers, key="char_layers",
                               bind="query-params")
    embed = c[3].number_input(tr("char.model.embed"), 0, 512, default.embedding, key="char_embed", bind="query-params",
                              help=tr("char.model.embed_help"))
    dropout = c[4].number_input(tr("char.model.dropout"), 0.0, 0.9, default.dropout, 0.1, key="char_dropout",
                                bind="query-params")
    c = st.columns(6)
    optim = choice(c[0].selectbox, tr("char.model.optim"), ["adam", "sgd"], key="char_opt",
                   labels={"adam": tr("char.model.optim_adam"), "sgd": tr("char.model.optim_sgd")},
                   help=tr("char.model.optim_help"))
    sgd = optim == "sgd"  # the chapter's lr and θ are SGD's defaults
    lr = c[1].number_input(tr("char.model.lr"), 1e-5, 1000.0, charlm.SGD_LR if sgd else default.lr,
                           format="%.4g", key=f"char_lr_{optim}", bind="query-params")
    clip = c[2].number_input(tr("char.model.clip"), 0.001, 100.0, charlm.CHAPTER.clip if sgd else default.clip,
                             format="%.3g", key=f"char_clip_{optim}", bind="query-params",
                             help=tr("char.model.clip_help"))
    batch = c[3].number_input(tr("char.model.batch"), 1, 512, default.batch_size, key="char_batch",
                              bind="query-params")
    steps = c[4].number_input(tr("char.model.steps"), 1, 500, default.num_steps, key="char_steps", bind="query-params")
    epochs = c[5].number_input(tr("char.model.epochs"), 1, 500, default.epochs, key="char_epochs", bind="query-params")
    c = st.columns([3, 3, 1, 1])
    sampling = choice(c[0].radio, tr("char.model.sampling"), list(charlm.SAMPLINGS), key="char_sampling",
                      labels={s: tr(f"char.model.{s}") for s in charlm.SAMPLINGS},
                      captions=[tr(f"char.model.{s}_caption") for s in charlm.SAMPLINGS])
    offset = c[1].toggle(tr("char.model.offset"), default.offset, key="char_offset", bind="query-params",
                         help=tr("char.model.offset_help"))
    init = c[1].toggle(tr("char.model.init"), default.init == "d2l", key="char_init", bind="query-params",
                       help=tr("char.model.init_help"))
    held = c[2].number_input(tr("char.model.held"), 0.01, 0.5, default.held_out, 0.05, key="char_held",
                             bind="query-params")
    seed = c[3].number_input(tr("char.model.seed"), 0, 10_000, default.seed, key="char_seed", bind="query-params")
    c = st.columns([3, 2, 2, 2])
    keep = choice(c[0].radio, tr("char.model.keep"), list(charlm.KEEPS), key="char_keep",
                  labels={k: tr(f"char.model.keep_{k}") for k in charlm.KEEPS},
                  captions=[tr(f"char.model.keep_{k}_caption") for k in charlm.KEEPS])
    patience = c[1].number_input(tr("char.model.patience"), 1, 500, default.patience, key="char_patience",
                                 bind="query-params", help=tr("char.model.patience_help"), disabled=keep == "final")
    print_every = c[2].number_input(tr("char.model.print_every"), 1, 500, default.print_every, key="char_print",
                                    bind="query-params", help=tr("char.model.print_every_help"))
    return charlm.CharConfig(
        kind=kind, hidden_size=int(hidden), num_layers=int(layers), embedding=int(embed), dropout=float(dropout),
        optimizer=optim, lr=float(lr), clip=float(clip), batch_size=int(batch), num_steps=int(steps),
        sampling=sampling, epochs=int(epochs), held_out=float(held), patience=int(patience), keep=keep,
        print_every=int(print_every), init="d2l" if init else "torch", offset=bool(offset), vocab_cap=int(vocab_cap),
        seed=int(seed))


def said(field: str, value) -> str:
    """A knob's value as the "changed from the recipe" line says it."""
    if field == "sampling":
        return tr(f"char.model.{value}")
    if field == "keep":
        return tr(f"char.model.keep_{value}")
    if field in ("init", "offset"):
        return "✓" if value in (True, "d2l") else "✗"
    return f"{value:g}" if isinstance(value, float) else str(value)


def say_changes(where, cfg: charlm.CharConfig, recipe: charlm.Recipe, corpus_id: str, first_10k: bool) -> None:
    """What differs from the chosen recipe, said under it (where: its placeholder)."""
    changes = [tr("char.recipe.change", what=tr(f"char.model.{LABELS[f]}"), value=said(f, mine), recipe=said(f, theirs))
               for f, mine, theirs in charlm.differences(cfg, recipe.config)
               if not (f == "patience" and cfg.keep == "final")]
    wanted = (recipe.corpus, recipe.first_10k if recipe.corpus == "lyrics" else False)
    if (corpus_id, first_10k if corpus_id == "lyrics" else False) != wanted:
        changes.insert(0, tr("char.recipe.change", what=tr("char.corpus.label"), value=shown_name(corpus_id),
                            recipe=shown_name(recipe.corpus)))
    if changes:
        where.caption(tr("char.recipe.changed", changes="; ".join(changes)))


def checked_corpus(name: str, text: str, cfg: charlm.CharConfig) -> tuple[charlm.Corpus | None, str]:
    """The text prepared for cfg, and why it cannot train ("" when it can), said on the page
    with what a vocabulary cap did and a warning before a huge one-hot vocabulary."""
    try:
        corpus = charlm.prepare(text, cfg.held_out, cfg.vocab_cap)
        short = charlm.too_short(corpus, cfg)
        problem = str(short) if short else ""
    except (CorpusError, ValueError, RuntimeError) as exc:  # a corpus that cannot be cut: say so, keep the page
        corpus, problem = None, tr("char.model.cannot_use", reason=exc)
    if problem:
        st.error(problem, icon=":material/error:")
    if corpus is None:
        return None, problem
    V = len(corpus.vocab)
    if corpus.merged:
        st.caption(tr("char.corpus.capped", cap=cfg.vocab_cap, merged=corpus.merged, share=corpus.merged_share,
                     vocab=V))
    elif cfg.vocab_cap and cfg.vocab_cap >= V:
        st.caption(tr("char.corpus.cap_none", cap=cfg.vocab_cap, distinct=V))
    if V >= VOCAB_WARN and not cfg.embedding:
        top, key = 1_000, charlm.RunKey(corpus=name, length=len(text), config=cfg)
        st.warning(tr("char.corpus.big_vocab", vocab=V, batch=cfg.batch_size, steps=cfg.num_steps,
                     cells=cfg.batch_size * cfg.num_steps * V, mb=cost.memory_mb(key, V), top=top,
                     cover=charlm.cover(text, top)), icon=":material/memory:")
    return corpus, problem


def ask(checkpoint_id: str, *args, **kwargs) -> bool:
    """checkpoint_ui.ask for this lesson."""
    return checkpoint_ui.ask(checkpoint_id, "char", *args, **kwargs)


def ask_detach(run: charlm.RunKey, corpus: charlm.Corpus) -> bool:
    """char_1 (section 3): how far back the epoch's last backward pass would run without detach (an
    estimate; a run sampled at random is asked about consecutive sampling, said so); True once revealed."""
    batches, _ = charlm.detach_chain(corpus, run.config)
    setting = tr(f"quiz.char_1.setting_{run.config.sampling}", batches=batches, steps=run.config.num_steps)
    return ask("char_1", run, lambda: charlm.detach_reveal(corpus, run.config), number={"min_value": 0, "step": 1},
               values={"setting": setting})


# ------------------------------------------------------------------ 4. train


def printout(rows: list[Snapshot]) -> str:
    """The chapter's printout (its format, in every language), and this page's held-out line."""
    lines = []
    for s in rows:
        lines.append(tr("char.train.epoch_line", epoch=s.info["epoch"], ppl=s.info["train_ppl"],
                        seconds=s.info["seconds"]))
        lines += [tr("char.train.sample_line", sample=sample.replace("\n", "⏎")) for sample in s.info["samples"].values()]
        lines.append(tr("char.train.held_line", held=s.info["held_ppl"])
                     + (tr("char.train.valid", valid=s.info["valid"]) if "valid" in s.info else ""))
    return "\n".join(lines)


def render(state: TrainState) -> None:
    """The live view of a run (live_training's render: no widgets): perplexity against the
    baselines, gradient norms before and after clipping, the printout."""
    rows = state.history
    if not rows:
        return
    cfg, trained = state.config.config, state.model
    ppl = charlm.perplexity_frame(rows)
    c1, c2 = st.columns(2)
    if not ppl.empty:
        curves = {k: tr(f"char.train.{k}") for k in ("held_out", "train", "uniform", "unigram", "bigram")}
        show(charts.perplexity_chart(ppl, trained.baselines, tr("charts.perplexity_title"), tr("charts.epoch"),
                                     tr("charts.perplexity_log"), curves), c1)
        c1.caption(tr("char.train.ppl_define", vocab=len(trained.vocab)))
        c1.caption(tr("char.train.ppl_note" if cfg.dropout > 0 else "char.train.ppl_note_no_dropout"))  # no dropout to name
        last = [s.info for s in rows if "held_ppl" in s.info][-1]
        if charlm.curves_close(last["train_ppl"], last["held_ppl"]):  # one line over the other: said in words
            c1.caption(tr("char.train.ppl_close", epoch=last["epoch"], train=charlm.readable(last["train_ppl"]),
                         held=charlm.readable(last["held_ppl"]), gap=abs(last["train_ppl"] / last["held_ppl"] - 1)))
    norms = {k: tr(f"char.train.{k}") for k in ("before", "after")}
    show(charts.clipping_chart(charlm.gradient_norms(rows, cfg.clip), tr("char.train.grad_title"), tr("char.train.step"),
                               tr("char.train.grad_axis"), tr("char.train.norm"), tr("char.train.grad_norm"), norms), c2)
    clipped = charlm.clipped_share(rows, cfg.clip)
    c2.caption(tr("char.train.clipped", share=clipped, clip=cfg.clip) + (tr("char.train.clipped_none") if not clipped else ""))
    printed = [s for s in rows if "samples" in s.info]
    if printed:  # a box of fixed height: 250 epochs do not make the page 20,000 px tall
        every = tr("char.train.every_n", n=cfg.print_every) if cfg.print_every > 1 else tr("char.train.every_epoch")
        st.caption(tr("char.train.printout", every=every, chars=charlm.PRINT_CHARS,
                     valid=tr("char.train.printout_valid") if "valid" in printed[-1].info else ""))
        st.container(height=330, autoscroll=True).code(printout(printed), language=None, wrap_lines=True)


def say_lesson(state: TrainState) -> None:
    """What this run shows, from its last scored epoch: memorised, generalising, or not yet either,
    once the learner has answered (or asked to be shown) checkpoint char_2 about it."""
    scored = [s for s in state.history if "held_ppl" in s.info]
    # the chosen corpus could not be loaded: the run shown is on the last one (the reveal says so)
    unloaded = st.session_state.get(UNLOADED) if st.session_state.get("char_corpus") == st.session_state.get(
        UNLOADED) else None
    if scored and ask("char_2", state.config, lambda: charlm.memorisation_reveal(
            scored[-1].info, state.model, chosen=unloaded, used=state.config.corpus),
            options=("memorised", "generalises", "not_yet")):
        lesson = charlm.lesson(scored[-1].info, state.model, state.config.length)
        say = st.warning if lesson.key.startswith("char.lesson.memorised") else st.info
        say(str(lesson), icon=":material/school:")


# ------------------------------------------------------------------ 5. generate


def keep_linked_generation() -> None:
    """A link's generation settings, kept in the session until there is a model to write with."""
    for key, (field, low, high) in WRITING.items():
        try:
            value = type(getattr(charlm.GenerateConfig, field))(st.query_params.get(key, ""))
        except ValueError:
            continue
        if key not in st.session_state and low <= value <= high:
            st.session_state[key] = value
    if "char_mode" not in st.session_state and st.query_params.get("char_mode") in charlm.MODES:
        st.session_state["char_mode"] = st.query_params["char_mode"]


def prefix_box(where, shown: str, name: str, prefixes: tuple[str, ...], vocab: Vocab) -> str:
    """The prefix text box. A new corpus (or a box that was hidden, which clears it) starts from a
    prefix the model can read (the model shown, of corpus `shown`, is not always the new corpus'
    `name`: a corpus too short to train keeps the last model). A long prefix (a pasted book, a
    link's 100,000 characters) is cut to its first PREFIX_MAX, as the box cuts a paste: read, drawn, linked."""
    if st.session_state.get("char_prefix_of") != shown or "char_prefix" not in st.session_state:
        fits = [p for p in (prefixes if shown == name else PREFIXES.get(shown, ())) if set(p) <= set(vocab.chars)]
        st.session_state["char_prefix"] = fits[0] if fits else vocab.chars[0]
        st.session_state["char_prefix_of"] = shown
    asked = st.session_state.get("char_prefix", "")
    linked = st.query_params.get("char_prefix", "")
    if len(linked) > PREFIX_MAX and "char_prefix_cut" not in st.session_state:
        asked = linked
    if len(asked) > PREFIX_MAX:
        st.session_state["char_prefix"] = asked[:PREFIX_MAX]
        st.query_params["char_prefix"] = asked[:PREFIX_MAX]
        st.session_state["char_prefix_cut"] = (len(asked), asked[:PREFIX_MAX])
    prefix = where.text_input(tr("char.gen.prefix"), key="char_prefix", bind="query-params", max_chars=PREFIX_MAX,
                              help=tr("char.gen.prefix_help", limit=PREFIX_MAX))
    cut = st.session_state.get("char_prefix_cut")
    if cut and cut[1] == prefix:  # said while the cut prefix is the one in the box
        st.caption(tr("char.gen.prefix_cut", got=cut[0], limit=PREFIX_MAX))
    return prefix


def number(where, label: str, key: str, **options):
    """One of section 5's number boxes (WRITING): its bounds, charlm.GenerateConfig's default, the link."""
    field, low, high = WRITING[key]
    return where.number_input(label, low, high, getattr(charlm.GenerateConfig, field), key=key, bind="query-params",
                              **options)


def generate_config(shown: str, name: str, prefixes: tuple[str, ...], vocab: Vocab) -> charlm.GenerateConfig:
    """Section 5's settings: the prefix (prefix_box), how many characters, how each is chosen."""
    c = st.columns([2, 1, 2, 1, 1, 1])
    prefix = prefix_box(c[0], shown, name, prefixes, vocab)
    length = number(c[1], tr("char.gen.length"), "char_length")
    mode = choice(c[2].selectbox, tr("char.gen.mode"), charlm.MODES, key="char_mode",
                  labels={"temperature": tr("char.gen.temperature"), "top-k": tr("char.gen.top_k"),
                          "greedy": tr("char.gen.greedy")})
    temp = number(c[3], tr("char.gen.temperature"), "char_temp", step=0.1, disabled=mode == "greedy")
    k = number(c[4], tr("char.gen.k"), "char_k", disabled=mode != "top-k")
    seed = number(c[5], tr("char.gen.sample_seed"), "char_sample_seed", help=tr("char.gen.sample_seed_help"))
    return charlm.GenerateConfig(prefix=prefix, length=int(length), mode=mode, temperature=float(temp), top_k=int(k),
                                 seed=int(seed))


def show_generation(gen: charlm.Generation, prefix: str) -> None:
    """The generated text, its first characters' top candidates, the hidden state on the prefix."""
    st.code(gen.text, language=None, wrap_lines=True)
    cand = charlm.candidates(gen).rename(columns=lambda col: tr("char.gen.chose") if col == "chosen" else
                                         tr("char.gen.top", n=int(col[4:])) if col.startswith("top_") else col)
    with st.expander(tr("char.gen.candidates")):
        st.table(cand.set_index("#"))
    warm = charlm.warmup_frame(gen, prefix)
    show(charts.heatmap(warm, "unit", "char", tr("char.gen.warmup_title"), tr("char.gen.hidden_unit"),
                        tr("char.gen.prefix_position"), value_title="h_t")
         .properties(height=alt.Step(28))  # a band per prefix character
         .configure_legend(orient="bottom", direction="horizontal"))


def ask_temperature(run: charlm.RunKey, trained: charlm.Trained, writing: charlm.GenerateConfig) -> None:
    """char_3 (section 5): which of two samples, at temperatures 0.2 and 1.5, repeats itself more;
    the two samples (from the page's prefix and sample seed) are shown once it is revealed."""
    samples = {}

    def pair() -> dict[float, str]:  # written once, for the reveal and for the page
        if not samples:
            samples.update(charlm.temperature_samples(trained.model, trained.vocab, writing))
        return samples

    if ask("char_3", (run, writing.prefix, writing.seed), lambda: charlm.temperature_reveal(pair()),
           options=("low", "high", "same"), values={"n": charlm.REPEAT}):
        st.caption(tr("quiz.char_3.samples", prefix=writing.prefix, seed=writing.seed))
        for t, (col, text) in zip(charlm.TEMPERATURES, zip(st.columns(2), pair().values())):
            col.markdown(tr("quiz.char_3.at", t=t))
            col.code(text, language=None, wrap_lines=True)


# ------------------------------------------------------------------ 6. inside


def inside(trained: charlm.Trained, run: charlm.RunKey) -> None:
    """Section 6: units ranked by how well they track a feature of the held-out text, and the text
    coloured by the chosen unit. Checkpoint char_4 (which candidate unit tracks it) sits right above
    the unit box and the text, so comparing the candidates needs no scrolling; the ranking waits for
    it, and until then the box starts on a unit that is none of the candidates (not the answer)."""
    snippet = trained.held_text[:600]
    acts = charlm.unit_activations(trained.model, trained.vocab, snippet)
    feats = charlm.varying_features(snippet)
    features = {"inside quotes": tr("char.features.inside_quotes"), "position in the line": tr("char.features.position"),
                "bracket depth": tr("char.features.bracket_depth"), "after a space": tr("char.features.after_space")}
    feature = choice(st.columns([1, 3])[0].selectbox, tr("char.inside.feature"), list(feats), key="char_feature",
                     labels=features, help=tr("char.inside.feature_help"))
    ranked = charlm.rank_units(acts, feats[feature])
    candidates = charlm.unit_candidates(acts, feats[feature])
    other = next((f for f in feats if f != feature), None)
    revealed = bool(candidates) and ask(
        "char_4", (run, feature), lambda: charlm.unit_reveal(acts, feats[feature], candidates, other),
        options=[str(u) for u in candidates], labels={str(u): tr("quiz.char_4.unit", unit=u) for u in candidates})
    c = st.columns([1, 3])
    ranking = c[0].container()  # the ranking, once char_4 is revealed
    if not ranked:
        ranking.info(tr("char.inside.constant"))
    elif revealed:
        columns = [tr("char.inside.unit"), tr("char.inside.correlation")]
        ranking.table(pd.DataFrame(ranked, columns=columns).set_index(columns[0]).style.format("{:+.2f}"))
    first = ranked[0][0] if ranked and revealed else charlm.neutral_unit(acts, feats[feature], candidates)
    # a new model, feature or reveal: show its best unit once revealed, a unit none of the candidates before (a
    # link's unit stays on the first view)
    seen = (id(trained.model), feature, revealed)
    if st.session_state.get("char_unit_for", seen) != seen:
        st.session_state["char_unit"] = first
    st.session_state["char_unit_for"] = seen
    unit = c[0].number_input(tr("char.inside.unit_label"), 1, acts.shape[1], first, key="char_unit",
                             bind="query-params")
    c[1].markdown(charts.coloured_text(snippet, acts[:, int(unit) - 1].tolist()), unsafe_allow_html=True)
    c[1].caption(tr("char.inside.coloured", unit=unit))
    if candidates and not revealed and int(unit) not in candidates:
        c[0].caption(tr("quiz.char_4.not_candidate", unit=unit))


# ------------------------------------------------------------------ 7. how far back a prediction looks

_TWINS: OrderedDict[tuple, Job] = OrderedDict()  # RunKey -> the job training its other kinds, newest last
_TWINS_KEPT = 8  # configs whose other kinds are kept on this server
_TWINS_LOCK = threading.Lock()


def _twins_job(run: charlm.RunKey, start: Callable[[], Job] | None = None) -> Job | None:
    """The job training run's other kinds (started by start() when there is none and start is given)."""
    with _TWINS_LOCK:
        job = _TWINS.get(run)
        if job is None and start is not None:
            job = _TWINS[run] = start()
            while len(_TWINS) > _TWINS_KEPT:
                _TWINS.popitem(last=False)
        if job is not None:
            _TWINS.move_to_end(run)
        return job


@lru_cache(maxsize=16)
def _held_ids(trained: charlm.Trained) -> torch.Tensor:
    return torch.tensor(trained.vocab.encode(trained.held_text))


def span_section(state: TrainState, corpus: charlm.Corpus | None) -> None:
    """Section 7 below its header: the influence of each earlier character on one prediction
    the learner picks, and averaged over many (the memory span), for the learner's model and,
    once the button has trained them, the other two kinds. Fragments: K redraws the section,
    the position only its own part (the averages do not depend on it)."""
    trained, run = state.model, state.config
    st.markdown(tr("char.span.define", percent=round(charspan.saliency.FADED * 100)))
    ids = _held_ids(trained)
    if len(ids) < 3:
        st.info(tr("char.span.too_short"))
        return
    # the other kinds train on the run's own corpus only (a corpus too short to train keeps the last model)
    same = corpus is not None and corpus.vocab.chars == trained.vocab.chars and len(corpus.held_ids) == len(ids) \
        and bool((corpus.held_ids == ids).all())
    job = _twins_job(run)
    polling = job is not None and not job.done

    @fragment(run_every=1.0 if polling else None)
    def view() -> None:
        if polling and job.done:
            st.rerun()  # once, to draw the three kinds without polling
        span_view(state, ids, corpus if same else None, job, polling)

    view()


def span_view(state: TrainState, ids: torch.Tensor, corpus: charlm.Corpus | None, job: Job | None,
              polling: bool = False) -> None:
    """Section 7's body (a fragment): K, then the position's part (its own fragment, except while
    this one polls the other kinds' training: a position change then reruns this one, which
    replaces the inner fragment every second), then the averages and the comparison."""
    trained, run = state.model, state.config
    kind = run.config.kind
    c = st.columns([1, 3])
    K = int(c[0].number_input(tr("char.span.K"), 1, 300, charspan.REACH, key="char_span_k", bind="query-params",
                              help=tr("char.span.K_help")))
    twins = [] if job is None or job.error else list(job.rows)
    models = {kind: trained, **{t.kind: t.trained for t in twins}}
    order = [k for k in charspan.COMPARED if k in models]
    names = {k: tr("char.span.yours" if k == kind else "char.span.model", kind=k) for k in order}
    averages = {k: charspan.averaged(models[k].model, _held_ids(models[k]), K) for k in order}
    if averages[kind] is None:
        st.info(tr("char.span.no_average", K=K, chars=len(ids)))
        return
    span_position(trained, ids, run, K, {k: models[k] for k in order}, names, averages, polling)
    c = st.columns(2)
    x_title, level = tr("char.span.x"), tr("char.span.level", percent=round(charspan.saliency.FADED * 100))
    avg = averages[kind]
    upto = charspan.shown_reach([a.profile for a in averages.values()])
    mean = pd.DataFrame({"k": range(upto + 1), "influence": avg.profile[:upto + 1].tolist()})
    show(charts.with_rule(charts.line(mean, "k", "influence", tr("char.span.mean_title", n=len(avg.ends)), x_title,
                                      tr("char.span.mean_y"), x_whole=True), avg.span,
                          tr("char.span.span_rule", span=avg.span)), c[0])
    if len(order) > 1:
        frame = charspan.overlay_frame({names[k]: averages[k].profile[:upto + 1] for k in order})
        show(charts.influence_lines(frame, tr("char.span.mean_all_title", n=len(avg.ends)), x_title,
                                    tr("char.span.share_y"), tr("char.span.legend"), [names[k] for k in order],
                                    charspan.saliency.FADED, level), c[1])
    if upto < K:
        st.caption(tr("char.span.zoomed", upto=upto, K=K, percent=round(charspan.SHOWN_ABOVE * 100)))
    (st if len(order) > 1 else c[1]).markdown(str(charspan.average_message(avg, kind, run.config.num_steps, K)))
    compare(state, corpus, job, twins, {k: a.span for k, a in averages.items()})


def span_position(trained: charlm.Trained, ids: torch.Tensor, run: charlm.RunKey, K: int, models: dict,
                  names: dict, averages: dict, polling: bool = False) -> None:
    """The position's part of section 7, its own fragment (unless polling): a new position redraws only this."""
    kind = run.config.kind

    def part() -> None:
        c = st.columns([1, 3])
        t = span_knob(trained, ids, run, K, averages[kind], c[0])
        p = charspan.position(trained, ids, t, K)
        c[1].markdown(charts.influence_text(p.context, saliency.shares(p.profile), p.target), unsafe_allow_html=True)
        c[1].caption(tr("char.span.coloured"))
        profiles = {k: p if k == kind else charspan.position(m, _held_ids(m), t, K) for k, m in models.items()}
        upto = charspan.shown_reach([q.profile for q in profiles.values()])
        bars = charspan.bars_frame(p)
        bars = bars[bars["k"] <= upto]
        if len(profiles) > 1:
            st.markdown(str(charspan.position_message(p, kind)))
        c = st.columns(2)
        if len(profiles) == 1:  # alone: the sentence beside the bars
            c[1].markdown(str(charspan.position_message(p, kind)))
        show(charts.influence_bars(bars, tr("char.span.bars_title", t=t), tr("char.span.x"), tr("char.span.y"),
                                   p.span, tr("char.span.span_rule", span=p.span), tr("char.span.char")), c[0])
        if len(profiles) > 1:
            frame = charspan.overlay_frame({names[k]: q.profile for k, q in profiles.items()})
            frame = frame[frame["k"] <= upto]
            show(charts.influence_lines(frame, tr("char.span.at_title", t=t), tr("char.span.x"),
                                        tr("char.span.share_y"), tr("char.span.legend"), list(names.values()),
                                        charspan.saliency.FADED,
                                        tr("char.span.level", percent=round(charspan.saliency.FADED * 100))), c[1])
            st.caption(tr("char.span.spans_here", t=t, spans=", ".join(f"{k} {q.span}" for k, q in profiles.items())))
        if upto < p.K:
            st.caption(tr("char.span.zoomed", upto=upto, K=p.K, percent=round(charspan.SHOWN_ABOVE * 100)))

    (part if polling else fragment(part))()


def span_knob(trained: charlm.Trained, ids: torch.Tensor, run: charlm.RunKey, K: int, avg: charspan.Average,
              where) -> int:
    """The position. A new model starts at one worth looking at: in the embedded Reber grammar
    one whose next symbol repeats its line's second (a whole window back), elsewhere the one among
    the averaged positions that looks furthest back (a link's position stays on the first view)."""
    hint = charspan.closing(trained.held_text, K) if run.corpus == "reber" else []
    hint = [h for h in hint if h[0] >= K] or hint  # whole windows first
    first = hint[0][0] if hint else avg.furthest
    seen = id(trained.model)
    if st.session_state.get("char_span_for", seen) != seen:
        st.session_state["char_span_t"] = first
    st.session_state["char_span_for"] = seen
    t = int(where.number_input(tr("char.span.t"), 0, len(ids) - 2, first, key="char_span_t", bind="query-params",
                               help=tr("char.span.t_help", last=len(ids) - 2)))
    if hint:
        where.caption(tr("char.span.reber_hint", t=", ".join(str(h) for h, _ in hint[:5])))
    return t


def compare(state: TrainState, corpus: charlm.Corpus | None, job: Job | None, twins: list, spans: dict) -> None:
    """What the comparison needs: before, the button that trains the other two kinds; while they
    train, a progress bar; once trained, how each trained and a table of the spans."""
    run, kind = state.config, state.config.config.kind
    others = charspan.others(kind)
    st.markdown(f"**{tr('char.span.compare_header')}**")
    seconds = charspan.train_seconds(state.history)
    if job is None:
        if corpus is None:
            st.caption(tr("char.span.compare_other_corpus"))
            return
        st.caption(tr("char.span.compare_what", kind=kind, a=others[0], b=others[1], seconds=seconds,
                      total=2 * seconds))
        if st.button(tr("char.span.compare_button", a=others[0], b=others[1]), key="char_span_train",
                     icon=":material/compare_arrows:"):
            cfg = run.config
            _twins_job(run, lambda: Job(lambda stop: charspan.twins(cfg, corpus, seconds, stop)))
            st.rerun(scope="app")  # the section polls the job from the next run on
        return
    if job.error:
        st.error(tr("char.span.compare_failed", error=job.error))
        return
    for twin in twins:
        st.caption(str(charspan.twin_message(twin)))
    if not job.done:
        st.progress(len(twins) / len(others), text=tr("char.span.compare_training", kind=others[len(twins)],
                                                      done=len(twins), seconds=seconds))
    held = {twin.kind: twin.held_ppl for twin in twins}
    scored = [s.info for s in state.history if "held_ppl" in s.info]
    held[kind] = scored[-1].get("kept_ppl", scored[-1]["held_ppl"]) if scored else float("nan")
    columns = {"model": tr("char.span.legend"), "span": tr("char.span.col_span"), "held_ppl": tr("char.span.col_held")}
    table = charspan.compared_frame(spans, held).rename(columns=columns).set_index(columns["model"])
    st.table(table.style.format({columns["held_ppl"]: "{:.3f}"}))
    if job.done:
        st.markdown(str(charspan.compare_message(spans)))
