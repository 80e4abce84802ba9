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
from rnnviz.ui import exports, live_training, page_setup, share_link, show

LINK_NOTE = page_setup("pages.char", ":material/text_fields:")
st.title("Char-level generation")
st.markdown("A character language model as in d2l's RNN chapters: read text one character at a time, "
            "predict the next one, then write new text from a prefix. It trains here, live, and shows how "
            "well it predicts text it has **not** seen.")

BUILT_IN = "Embedded Reber grammar (built in)"
HELLO = "hello (toy, built in)"
# what the model writes from every epoch: the chapter's prefixes on the lyrics, names or words elsewhere
PREFIXES = {BUILT_IN: ("B",), HELLO: ("h",), "Jay Chou lyrics (d2l)": ("分开", "不分开"),
            "The Time Machine": ("The Time Traveller", "Weena"), "Tiny Shakespeare": ("ROMEO:", "JULIET:")}

# ------------------------------------------------------------------ 1. corpus
st.header("1. The corpus", divider="gray")
c = st.columns([2, 1])
choice = c[0].selectbox("corpus", [BUILT_IN, HELLO, *SOURCES, "Upload a .txt or d2l-style .zip"], key="char_corpus", bind="query-params")
first_10k = c[1].toggle("lyrics: first 10,000 characters (the book's option)", False, key="char_first10k", bind="query-params",
                        disabled=choice != "Jay Chou lyrics (d2l)")


def load_corpus(choice: str) -> tuple[str, str] | None:
    """(name, text) of the chosen corpus, or None with a message on the page."""
    if choice == BUILT_IN:
        return BUILT_IN, grammar.corpus()
    if choice == HELLO:
        return HELLO, "hello"
    if choice in SOURCES:
        src = SOURCES[choice]
        bar = st.progress(0.0, text=f"Downloading {choice} from {src.url}…")
        try:
            path = fetch(src, progress=lambda got, total: bar.progress(min(got / total, 1.0),
                                                                    text=f"Downloading {choice}: {got:,} of {total:,} bytes"))
            text = read_text(src.name, path.read_bytes())
        except CorpusError as exc:
            bar.empty()
            st.error(str(exc), icon=":material/cloud_off:")
            return None
        bar.empty()
        if choice.startswith("Jay Chou"):
            text = d2l_lyrics(text, 10_000 if first_10k else None)
        return choice, text
    up = st.file_uploader("a .txt (UTF-8) or a zip holding one", type=["txt", "zip"], key="char_upload")
    if up is None:
        st.info("Choose a file to upload.")
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
    st.caption(f"Still using the last corpus that loaded: {name}.")
st.markdown(f"**{name}**: {len(text):,} characters, {len(set(text)):,} distinct. First characters:")
st.code(text[:300], language=None, height=140)

# ------------------------------------------------------------------ 2. model and recipe
st.header("2. The model and its knobs", divider="gray")
c = st.columns(5)
kind = c[0].selectbox("cell", ["RNN", "LSTM", "GRU"], index=2, key="char_kind", bind="query-params")
hidden = c[1].number_input("hidden size", 1, 1024, C.CharConfig.hidden_size, key="char_hidden", bind="query-params")
layers = c[2].number_input("layers", 1, 4, 1, key="char_layers", bind="query-params")
embed = c[3].number_input("embedding size (0 = one-hot)", 0, 512, 0, key="char_embed", bind="query-params")
dropout = c[4].number_input("dropout", 0.0, 0.9, C.CharConfig.dropout, 0.1, key="char_dropout", bind="query-params")
c = st.columns(6)
optim = c[0].selectbox("optimiser", ["adam", "sgd"], key="char_opt", bind="query-params", help="sgd with lr 100 is the chapter's.")
lr = c[1].number_input("learning rate", 1e-5, 1000.0, C.SGD_LR if optim == "sgd" else C.CharConfig.lr,
                       format="%.4g", key=f"char_lr_{optim}", bind="query-params")
clip = c[2].number_input("clipping θ", 0.001, 100.0, 0.01 if optim == "sgd" else C.CharConfig.clip,
                         format="%.3g", key=f"char_clip_{optim}", bind="query-params")
batch = c[3].number_input("batch size", 1, 512, C.CharConfig.batch_size, key="char_batch", bind="query-params")
steps = c[4].number_input("num_steps", 1, 500, C.CharConfig.num_steps, key="char_steps", bind="query-params")
epochs = c[5].number_input("epochs", 1, 500, C.CharConfig.epochs, key="char_epochs", bind="query-params")
c = st.columns([2, 1, 1, 1])
sampling = c[0].radio("minibatches", list(C.SAMPLINGS), captions=list(C.SAMPLINGS.values()), key="char_sampling", bind="query-params")
held = c[1].number_input("held-out share", 0.01, 0.5, C.CharConfig.held_out, 0.05, key="char_held", bind="query-params")
patience = c[2].number_input("patience (epochs)", 1, 500, C.CharConfig.patience, key="char_patience", bind="query-params",
                             help="Early stopping: stop when the held-out perplexity has not improved for this many "
                                  "epochs, and keep the best epoch's weights.")
seed = c[3].number_input("seed", 0, 10_000, 0, key="char_seed", bind="query-params")
cfg = C.CharConfig(kind, int(hidden), int(layers), int(embed), float(dropout), optim, float(lr), float(clip),
                   int(batch), int(steps), sampling, int(epochs), float(held), int(patience), int(seed))

try:
    corpus = C.prepare(text, cfg.held_out)
    problem = C.too_short(corpus, cfg)
except (CorpusError, ValueError, RuntimeError) as exc:  # a corpus that cannot be cut: say so, keep the page
    corpus, problem = None, f"This corpus cannot be used: {exc}"
if problem:
    st.error(problem, icon=":material/error:")

# ------------------------------------------------------------------ 3. minibatches
if corpus is not None and not problem:
    st.header("3. Which characters land in each minibatch", divider="gray")
    frame = C.minibatch_positions(corpus, cfg, batches=3)
    show(charts.minibatch_chart(frame, len(corpus.train_ids)))
    st.caption("Each bar is one row of a minibatch: the corpus positions it reads. **Random**: rows jump "
               "around and the state starts from zero for every minibatch. **Consecutive**: row i of the next "
               "minibatch continues row i of this one, so the state is carried over (detached).")

# ------------------------------------------------------------------ 4. train
st.header("4. Train it live", divider="gray")
prefixes = tuple(p for p in PREFIXES.get(name, (text[:2],)) if p and set(p) <= set(text))
validity = grammar.is_embedded_reber if name == BUILT_IN else None


def start(config: C.CharConfig):
    return C.build(config, corpus, prefixes, validity)


def render(state) -> None:
    rows = [s for s in state.history]
    if not rows:
        return
    ppl = pd.DataFrame([{"epoch": s.info["epoch"], "perplexity": s.info["held_ppl"], "curve": "held-out"}
                        for s in rows if "held_ppl" in s.info]
                       + [{"epoch": s.info["epoch"], "perplexity": s.info["train_ppl"], "curve": "train"}
                          for s in rows if "held_ppl" in s.info])
    trained = state.config[2]  # (corpus name, length, CharConfig)
    base = state.model.baselines
    c1, c2 = st.columns(2)
    if not ppl.empty:
        show(charts.perplexity_chart(ppl, base), c1)
    grads = pd.DataFrame({"step": [s.step for s in rows], "before clipping": [s.grad_norm for s in rows],
                          "after clipping": [min(s.grad_norm, trained.clip) for s in rows]}).melt(
        "step", var_name="norm", value_name="gradient norm")
    show(charts.line(grads, "step", "gradient norm", "Gradient norm before and after clipping", "step",
                     "‖g‖ (log)", color="norm", dash="norm", log_y=True), c2)
    clipped = sum(s.grad_norm > trained.clip for s in rows) / len(rows)
    c2.caption(f"{clipped:.0%} of steps were clipped (θ = {trained.clip:g}).")
    last = [s for s in rows if "samples" in s.info]
    if last:
        lines = [f"epoch {s.info['epoch']}: train perplexity {s.info['train_ppl']:.3f}, held-out "
                 f"{s.info['held_ppl']:.3f}" + (f", valid strings {s.info['valid']:.0%}" if "valid" in s.info else "")
                 + "".join(f"\n  {p!r} -> {t!r}" for p, t in s.info["samples"].items()) for s in last]
        st.code("\n".join(lines), language=None)


state = None
if problem:  # nothing can train on these settings: keep showing the last model
    state = st.session_state.get("char__run")
    if state is not None:
        st.info(f"Showing the last model trained ({state.config[0]}).", icon=":material/info:")
        render(state)
elif corpus is not None:
    state = live_training("char", (name, len(text), cfg), lambda key: start(key[2]), render,
                          "the character model", default=(BUILT_IN, len(grammar.corpus()), C.CharConfig()))
if state is not None and state.last is not None and "done" in state.last.info:
    st.success(f"Step {state.last.step}: {state.last.info['done']}.")

# ------------------------------------------------------------------ 5. generate
if state is not None and state.history:
    model = state.model
    vocab = model.vocab  # the vocabulary it was trained with
    st.header("5. Generate", divider="gray")
    c = st.columns([2, 1, 1, 1, 1, 1])
    # a new corpus (or a box that was hidden, which clears it): start from a prefix the model can read;
    # the model shown is not always the new corpus' (a corpus too short to train keeps the last model)
    shown = state.config[0]
    if st.session_state.get("char_prefix_of") != shown or "char_prefix" not in st.session_state:
        fits = [p for p in (prefixes if shown == name else PREFIXES.get(shown, ())) if set(p) <= set(vocab.chars)]
        st.session_state["char_prefix"] = fits[0] if fits else vocab.chars[0]
        st.session_state["char_prefix_of"] = shown
    prefix = c[0].text_input("prefix", key="char_prefix", bind="query-params",
                             help="Characters the model reads before it writes; each must be in the corpus.")
    length = c[1].number_input("length", 1, 2000, 100, key="char_length", bind="query-params")
    mode = c[2].selectbox("sampling", ["temperature", "top-k", "greedy"], key="char_mode", bind="query-params")
    temp = c[3].number_input("temperature", 0.0, 5.0, 0.8, 0.1, key="char_temp", bind="query-params", disabled=mode == "greedy")
    k = c[4].number_input("top-k", 1, 100, 5, key="char_k", bind="query-params", disabled=mode != "top-k")
    sample_seed = c[5].number_input("sample seed", 0, 10_000, 0, key="char_sample_seed", bind="query-params",
                                    help="Another seed, another sample from the same model.")
    try:
        gen = C.generate(model, vocab, prefix, int(length), mode, float(temp), int(k), seed=int(sample_seed))
    except (ValueError, CorpusError) as exc:
        st.error(str(exc), icon=":material/error:")
        gen = None
    if gen is not None:
        st.code(gen.text, language=None)
        cand = pd.DataFrame([{"#": i + 1, "chose": repr(s["chosen"]),
                              **{f"top {j + 1}": f"{ch!r} {p:.2f}" for j, (ch, p) in enumerate(s["candidates"])}}
                             for i, s in enumerate(gen.steps[:20])])
        with st.expander("The top candidates for each of the first 20 generated characters"):
            st.table(cand.set_index("#"))
        warm = pd.DataFrame([(t + 1, repr(prefix[t]), u + 1, float(v)) for t in range(gen.warmup.shape[0])
                             for u, v in enumerate(gen.warmup[t].tolist()[:32])],
                            columns=["t", "char", "unit", "value"])
        show(charts.heatmap(warm, "t", "unit", "The hidden state warming up on the prefix (first 32 units)",
                            "prefix position", "hidden unit", value_title="h_t").properties(height=260))

    # ------------------------------------------------------------------ 6. inside
    st.header("6. Inside the model: what single units track", divider="gray")
    snippet = model.held_text[:600]
    acts = C.unit_activations(model, vocab, snippet)
    c = st.columns([1, 3])
    feats = C.features(snippet)
    varying = [f for f, v in feats.items() if len(set(v)) > 1] or list(feats)
    feature = c[0].selectbox("feature", varying, key="char_feature", bind="query-params",
                             help="Features that do not vary in this text (no quotes, say) are left out.")
    ranked = C.rank_units(acts, feats[feature])
    if ranked:
        c[0].table(pd.DataFrame(ranked, columns=["unit", "correlation"]).set_index("unit").style.format("{:+.2f}"))
    else:
        c[0].info("This feature is constant in the text: no unit can track it.")
    unit = c[0].number_input("unit to colour the text by", 1, acts.shape[1], ranked[0][0] if ranked else 1,
                             key="char_unit", bind="query-params")
    vals = acts[:, int(unit) - 1].tolist()
    spans = "".join(
        f'<span title="{v:+.2f}" style="background: rgba({255 if v > 0 else 31},{80 if v > 0 else 119},'
        f'{80 if v > 0 else 180},{min(abs(v), 1):.2f})">{html.escape(ch) if ch != chr(10) else "⏎<br>"}</span>'
        for ch, v in zip(snippet, vals))
    c[1].markdown(f"<div style='font-family: monospace; line-height: 1.7'>{spans}</div>", unsafe_allow_html=True)
    c[1].caption(f"The held-out text coloured by unit {unit}'s activation: red positive, blue negative.")

share_link("pages.char", LINK_NOTE)
# the script reads a text file: the corpus as the page has it (python char_model.py corpus.txt)
exports({"char_model": "char"}, scripts={"char_model.py": lambda: script(cfg, prefixes), "corpus.txt": lambda: text})
