"""Char-level generation: a d2l-style character language model trained live, its perplexity
against n-gram baselines, sampling from prefixes, and what single units track.
Widgets -> config -> rnnviz -> charts."""

import html

import pandas as pd
import streamlit as st

from rnnviz import charlm as C
from rnnviz import charts
from rnnviz.data import grammar
from rnnviz.data.text import SOURCES, CorpusError, d2l_lyrics, fetch, read_text
from rnnviz.export import script
from rnnviz.i18n import t
from rnnviz.ui import exports, live_training, page_setup, share_link, show

LINK_NOTE = page_setup("pages.char", ":material/text_fields:")
st.title(t("char.title"))
st.markdown(t("char.intro"))

BUILT_IN = "Embedded Reber grammar (built in)"
HELLO = "hello (toy, built in)"
UPLOAD = "Upload a .txt or d2l-style .zip"
# what the model writes from every epoch: the chapter's prefixes on the lyrics, names or words elsewhere
PREFIXES = {BUILT_IN: ("B",), HELLO: ("h",), "Jay Chou lyrics (d2l)": ("分开", "不分开"),
            "The Time Machine": ("The Time Traveller", "Weena"), "Tiny Shakespeare": ("ROMEO:", "JULIET:")}

# ------------------------------------------------------------------ 1. corpus
st.header(t("char.corpus.header"), divider="gray")
# the options' values go into the link; their labels are fixed in this run's language
CORPORA = {BUILT_IN: t("char.corpora.built_in"), HELLO: t("char.corpora.hello"),
           "Jay Chou lyrics (d2l)": t("char.corpora.lyrics"), "The Time Machine": t("char.corpora.time_machine"),
           "Tiny Shakespeare": t("char.corpora.shakespeare"), UPLOAD: t("char.corpora.upload")}


def shown_name(name: str) -> str:
    """A corpus' name in the learner's words (an uploaded file keeps its own)."""
    return CORPORA.get(name, name)


c = st.columns([2, 1])
choice = c[0].selectbox(t("char.corpus.label"), [BUILT_IN, HELLO, *SOURCES, UPLOAD], format_func=shown_name,
                        key="char_corpus", bind="query-params")
first_10k = c[1].toggle(t("char.corpus.first_10k"), False, key="char_first10k", bind="query-params",
                        disabled=choice != "Jay Chou lyrics (d2l)", help=t("char.corpus.first_10k_help"))


def load_corpus(choice: str) -> tuple[str, str] | None:
    """(name, text) of the chosen corpus, or None with a message on the page."""
    if choice == BUILT_IN:
        return BUILT_IN, grammar.corpus()
    if choice == HELLO:
        return HELLO, "hello"
    if choice in SOURCES:
        src = SOURCES[choice]
        bar = st.progress(0.0, text=t("char.corpus.downloading", name=shown_name(choice), url=src.url))
        try:  # (fetch calls progress in this thread: t() speaks the visitor's language)
            path = fetch(src, progress=lambda got, total: bar.progress(
                min(got / total, 1.0), text=t("char.corpus.download_progress", name=shown_name(choice), got=got,
                                              total=total)))
            text = read_text(src.name, path.read_bytes())
        except CorpusError as exc:
            bar.empty()
            st.error(str(exc), icon=":material/cloud_off:")
            return None
        bar.empty()
        if choice.startswith("Jay Chou"):
            text = d2l_lyrics(text, 10_000 if first_10k else None)
        return choice, text
    up = st.file_uploader(t("char.corpus.upload"), type=["txt", "zip"], key="char_upload")
    if up is None:
        st.info(t("char.corpus.choose"))
        return None
    try:
        return up.name, read_text(up.name, up.getvalue())
    except CorpusError as exc:
        st.error(str(exc), icon=":material/error:")
        return None


loaded = load_corpus(choice)
if loaded is not None:
    st.session_state["char_text"] = loaded
name, text = st.session_state.get("char_text", (BUILT_IN, grammar.corpus()))
if loaded is None:
    st.caption(t("char.corpus.still_using", name=shown_name(name)))
st.markdown(t("char.corpus.stats", name=shown_name(name), chars=len(text), distinct=len(set(text))))
st.code(text[:300], language=None, height=140)

# ------------------------------------------------------------------ 2. model and recipe
st.header(t("char.model.header"), divider="gray")
c = st.columns(5)
kind = c[0].selectbox(t("char.model.cell"), ["RNN", "LSTM", "GRU"], index=2, key="char_kind", bind="query-params")
hidden = c[1].number_input(t("char.model.hidden"), 1, 1024, C.CharConfig.hidden_size, key="char_hidden",
                           bind="query-params")
layers = c[2].number_input(t("char.model.layers"), 1, 4, 1, key="char_layers", bind="query-params")
embed = c[3].number_input(t("char.model.embed"), 0, 512, 0, key="char_embed", bind="query-params")
dropout = c[4].number_input(t("char.model.dropout"), 0.0, 0.9, C.CharConfig.dropout, 0.1, key="char_dropout",
                            bind="query-params")
c = st.columns(6)
optim = c[0].selectbox(t("char.model.optim"), ["adam", "sgd"], key="char_opt", bind="query-params",
                       help=t("char.model.optim_help"))
lr = c[1].number_input(t("char.model.lr"), 1e-5, 1000.0, C.SGD_LR if optim == "sgd" else C.CharConfig.lr,
                       format="%.4g", key=f"char_lr_{optim}", bind="query-params")
clip = c[2].number_input(t("char.model.clip"), 0.001, 100.0, 0.01 if optim == "sgd" else C.CharConfig.clip,
                         format="%.3g", key=f"char_clip_{optim}", bind="query-params")
batch = c[3].number_input(t("char.model.batch"), 1, 512, C.CharConfig.batch_size, key="char_batch", bind="query-params")
steps = c[4].number_input(t("char.model.steps"), 1, 500, C.CharConfig.num_steps, key="char_steps", bind="query-params")
epochs = c[5].number_input(t("char.model.epochs"), 1, 500, C.CharConfig.epochs, key="char_epochs", bind="query-params")
c = st.columns([2, 1, 1, 1])
samplings = {s: t(f"char.model.{s}") for s in C.SAMPLINGS}  # labels fixed in this run's language
sampling = c[0].radio(t("char.model.sampling"), list(samplings), format_func=samplings.get,
                      captions=[t(f"char.model.{s}_caption") for s in samplings], key="char_sampling", bind="query-params")
held = c[1].number_input(t("char.model.held"), 0.01, 0.5, C.CharConfig.held_out, 0.05, key="char_held",
                         bind="query-params")
patience = c[2].number_input(t("char.model.patience"), 1, 500, C.CharConfig.patience, key="char_patience",
                             bind="query-params", help=t("char.model.patience_help"))
seed = c[3].number_input(t("char.model.seed"), 0, 10_000, 0, key="char_seed", bind="query-params")
cfg = C.CharConfig(kind, int(hidden), int(layers), int(embed), float(dropout), optim, float(lr), float(clip),
                   int(batch), int(steps), sampling, int(epochs), float(held), int(patience), int(seed))

try:
    corpus = C.prepare(text, cfg.held_out)
    problem = C.too_short(corpus, cfg)
except (CorpusError, ValueError, RuntimeError) as exc:  # a corpus that cannot be cut: say so, keep the page
    corpus, problem = None, t("char.model.cannot_use", reason=exc)
if problem:
    st.error(problem, icon=":material/error:")

# ------------------------------------------------------------------ 3. minibatches
if corpus is not None and not problem:
    st.header(t("char.batches.header"), divider="gray")
    frame = C.minibatch_positions(corpus, cfg, batches=3)
    show(charts.minibatch_chart(frame, len(corpus.train_ids)))
    st.caption(t("char.batches.caption"))

# ------------------------------------------------------------------ 4. train
st.header(t("char.train.header"), divider="gray")
prefixes = tuple(p for p in PREFIXES.get(name, (text[:2],)) if p and set(p) <= set(text))
validity = grammar.is_embedded_reber if name == BUILT_IN else None


def start(config: C.CharConfig):
    return C.build(config, corpus, prefixes, validity)


def render(state) -> None:
    rows = [s for s in state.history]
    if not rows:
        return
    held_out, train = t("char.train.held_out"), t("char.train.train")  # the curves, in the learner's words
    ppl = pd.DataFrame([{"epoch": s.info["epoch"], "perplexity": s.info["held_ppl"], "curve": held_out}
                        for s in rows if "held_ppl" in s.info]
                       + [{"epoch": s.info["epoch"], "perplexity": s.info["train_ppl"], "curve": train}
                          for s in rows if "held_ppl" in s.info])
    trained = state.config[2]  # (corpus name, length, CharConfig)
    base = {t(f"char.train.{k}"): v for k, v in state.model.baselines.items()}  # uniform, unigram, bigram
    c1, c2 = st.columns(2)
    if not ppl.empty:
        show(charts.perplexity_chart(ppl, base), c1)
        c1.caption(t("char.train.ppl_note"))
    norm, grad_norm, step = t("char.train.norm"), t("char.train.grad_norm"), t("char.train.step")
    grads = pd.DataFrame({step: [s.step for s in rows], t("char.train.before"): [s.grad_norm for s in rows],
                          t("char.train.after"): [min(s.grad_norm, trained.clip) for s in rows]}).melt(
        step, var_name=norm, value_name=grad_norm)
    show(charts.line(grads, step, grad_norm, t("char.train.grad_title"), step, t("char.train.grad_axis"),
                     color=norm, dash=norm, log_y=True), c2)
    clipped = sum(s.grad_norm > trained.clip for s in rows) / len(rows)
    c2.caption(t("char.train.clipped", share=clipped, clip=trained.clip))
    last = [s for s in rows if "samples" in s.info]
    if last:
        lines = [t("char.train.epoch_line", epoch=s.info["epoch"], train=s.info["train_ppl"], held=s.info["held_ppl"])
                 + (t("char.train.valid", valid=s.info["valid"]) if "valid" in s.info else "")
                 + "".join(f"\n  {p!r} -> {sample!r}" for p, sample in s.info["samples"].items()) for s in last]
        st.code("\n".join(lines), language=None)


state = None
if problem:  # nothing can train on these settings: keep showing the last model
    state = st.session_state.get("char__run")
    if state is not None:
        st.info(t("char.train.last_model", name=shown_name(state.config[0])), icon=":material/info:")
        render(state)
elif corpus is not None:
    state = live_training("char", (name, len(text), cfg), lambda key: start(key[2]), render,
                          t("char.what"), default=(BUILT_IN, len(grammar.corpus()), C.CharConfig()))
if state is not None and state.last is not None and "done" in state.last.info:
    # said again in this visitor's language (a shared run may have been trained in another one)
    done = C.done_message(state.last.info, state.config[2]) or state.last.info["done"]
    st.success(t("char.train.done", step=state.last.step, done=done))

# ------------------------------------------------------------------ 5. generate
if state is not None and state.history:
    model = state.model
    vocab = model.vocab  # the vocabulary it was trained with
    st.header(t("char.gen.header"), divider="gray")
    c = st.columns([2, 1, 1, 1, 1, 1])
    # a new corpus (or a box that was hidden, which clears it): start from a prefix the model can read;
    # the model shown is not always the new corpus' (a corpus too short to train keeps the last model)
    shown = state.config[0]
    if st.session_state.get("char_prefix_of") != shown or "char_prefix" not in st.session_state:
        fits = [p for p in (prefixes if shown == name else PREFIXES.get(shown, ())) if set(p) <= set(vocab.chars)]
        st.session_state["char_prefix"] = fits[0] if fits else vocab.chars[0]
        st.session_state["char_prefix_of"] = shown
    prefix = c[0].text_input(t("char.gen.prefix"), key="char_prefix", bind="query-params", help=t("char.gen.prefix_help"))
    length = c[1].number_input(t("char.gen.length"), 1, 2000, 100, key="char_length", bind="query-params")
    modes = {"temperature": t("char.gen.temperature"), "top-k": t("char.gen.top_k"), "greedy": t("char.gen.greedy")}
    mode = c[2].selectbox(t("char.gen.mode"), list(modes), format_func=modes.get, key="char_mode", bind="query-params")
    temp = c[3].number_input(t("char.gen.temperature"), 0.0, 5.0, 0.8, 0.1, key="char_temp", bind="query-params",
                             disabled=mode == "greedy")
    k = c[4].number_input(t("char.gen.k"), 1, 100, 5, key="char_k", bind="query-params", disabled=mode != "top-k")
    sample_seed = c[5].number_input(t("char.gen.sample_seed"), 0, 10_000, 0, key="char_sample_seed", bind="query-params",
                                    help=t("char.gen.sample_seed_help"))
    try:
        gen = C.generate(model, vocab, prefix, int(length), mode, float(temp), int(k), seed=int(sample_seed))
    except (ValueError, CorpusError) as exc:
        st.error(str(exc), icon=":material/error:")
        gen = None
    if gen is not None:
        st.code(gen.text, language=None)
        cand = pd.DataFrame([{"#": i + 1, t("char.gen.chose"): repr(s["chosen"]),
                              **{t("char.gen.top", n=j + 1): f"{ch!r} {p:.2f}" for j, (ch, p) in enumerate(s["candidates"])}}
                             for i, s in enumerate(gen.steps[:20])])
        with st.expander(t("char.gen.candidates")):
            st.table(cand.set_index("#"))
        warm = pd.DataFrame([(i + 1, repr(prefix[i]), u + 1, float(v)) for i in range(gen.warmup.shape[0])
                             for u, v in enumerate(gen.warmup[i].tolist()[:32])],
                            columns=["t", "char", "unit", "value"])
        show(charts.heatmap(warm, "t", "unit", t("char.gen.warmup_title"), t("char.gen.prefix_position"),
                            t("char.gen.hidden_unit"), value_title="h_t").properties(height=260))

    # ------------------------------------------------------------------ 6. inside
    st.header(t("char.inside.header"), divider="gray")
    snippet = model.held_text[:600]
    acts = C.unit_activations(model, vocab, snippet)
    c = st.columns([1, 3])
    feats = C.features(snippet)
    varying = [f for f, v in feats.items() if len(set(v)) > 1] or list(feats)
    features = {"inside quotes": t("char.features.inside_quotes"), "position in the line": t("char.features.position"),
                "bracket depth": t("char.features.bracket_depth"), "after a space": t("char.features.after_space")}
    feature = c[0].selectbox(t("char.inside.feature"), varying, format_func=lambda f: features.get(f, f),
                             key="char_feature", bind="query-params", help=t("char.inside.feature_help"))
    ranked = C.rank_units(acts, feats[feature])
    if ranked:
        columns = [t("char.inside.unit"), t("char.inside.correlation")]
        c[0].table(pd.DataFrame(ranked, columns=columns).set_index(columns[0]).style.format("{:+.2f}"))
    else:
        c[0].info(t("char.inside.constant"))
    top = ranked[0][0] if ranked else 1
    seen = (id(model), feature)  # a new model or feature: show its best unit (a link's unit stays on the first view)
    if st.session_state.get("char_unit_for", seen) != seen:
        st.session_state["char_unit"] = top
    st.session_state["char_unit_for"] = seen
    unit = c[0].number_input(t("char.inside.unit_label"), 1, acts.shape[1], top, key="char_unit", bind="query-params")
    vals = acts[:, int(unit) - 1].tolist()
    spans = "".join(
        f'<span title="{v:+.2f}" style="background: rgba({255 if v > 0 else 31},{80 if v > 0 else 119},'
        f'{80 if v > 0 else 180},{min(abs(v), 1):.2f})">{html.escape(ch) if ch != chr(10) else "⏎<br>"}</span>'
        for ch, v in zip(snippet, vals))
    c[1].markdown(f"<div style='font-family: monospace; line-height: 1.7'>{spans}</div>", unsafe_allow_html=True)
    c[1].caption(t("char.inside.coloured", unit=unit))

share_link("pages.char", LINK_NOTE)
# the script reads a text file: the corpus as the page has it (python char_model.py corpus.txt)
exports({"char_model": "char"}, scripts={"char_model.py": lambda: script(cfg, prefixes), "corpus.txt": lambda: text})
