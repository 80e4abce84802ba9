"""Char-level generation: a d2l-style character language model trained live, its perplexity
against n-gram baselines, what the run shows (memorised or not), sampling from prefixes, and
what single units track. Widgets -> config -> rnnviz -> charts: the page's widget forms and
live view are in rnnviz/ui/char.py, the model, its training, tables and sentences in
rnnviz/charlm.py."""

import streamlit as st

from rnnviz import charlm, charts, cost
from rnnviz.data import grammar
from rnnviz.data.text import CorpusError
from rnnviz.export import script
from rnnviz.i18n import tr
from rnnviz.ui import (
    char,
    choice,
    exports,
    live_training,
    page_setup,
    share_link,
    show,
    warm,
)
from rnnviz.ui import checkpoint as checkpoint_ui

LINK_NOTE = page_setup("pages.char", ":material/text_fields:")
st.title(tr("char.title"))
st.markdown(tr("char.intro"))
checkpoint_ui.path("char")

# ------------------------------------------------------------------ 0. the recipe: every knob at once
recipe = char.recipe_choice()
changed_at = st.empty()  # what the learner changed from the recipe, once the knobs are read

# ------------------------------------------------------------------ 1. corpus
st.header(tr("char.corpus.header"), divider="gray")
c = st.columns([2, 1])
corpus_id = choice(c[0].selectbox, tr("char.corpus.label"), charlm.CORPORA, key="char_corpus",
                   labels={k: char.shown_name(k) for k in charlm.CORPORA})
first_10k = c[1].toggle(tr("char.corpus.first_10k"), False, key="char_first10k", bind="query-params",
                        disabled=corpus_id != "lyrics", help=tr("char.corpus.first_10k_help"))
loaded = char.load_corpus(corpus_id, first_10k)
if loaded is not None:
    st.session_state["char_text"] = loaded
name, text = st.session_state.get("char_text", ("reber", grammar.corpus()))
if loaded is None:
    st.caption(tr("char.corpus.still_using", name=char.shown_name(name)))
st.markdown(tr("char.corpus.stats", name=char.shown_name(name), chars=len(text), distinct=len(set(text))))
vocab_cap = st.number_input(tr("char.corpus.vocab_cap"), 0, 100_000, charlm.CharConfig.vocab_cap, 100,
                            key="char_vocab_cap", bind="query-params", help=tr("char.corpus.vocab_cap_help"))
st.code(text[:300], language=None, height=140, wrap_lines=True)
if name == "reber":
    st.caption(tr("char.corpus.reber"))

# ------------------------------------------------------------------ 2. model and recipe
st.header(tr("char.model.header"), divider="gray")
cfg = char.model_config(vocab_cap)
with st.expander(tr("char.model.one_hot_title")):
    st.markdown(tr("char.model.one_hot", vocab=len(set(text))))
char.say_changes(changed_at, cfg, recipe, corpus_id, first_10k)
corpus, problem = char.checked_corpus(name, text, cfg)

# ------------------------------------------------------------------ 3. minibatches
if corpus is not None and not problem:
    st.header(tr("char.batches.header"), divider="gray")
    show(charts.minibatch_chart(charlm.minibatch_positions(corpus, cfg, batches=3), len(corpus.train_ids),
                                tr("charts.minibatches_title"), tr("charts.row_start"), tr("charts.minibatch_row"),
                                tr("charts.minibatch")))
    if char.ask_detach(charlm.RunKey(corpus=name, length=len(text), config=cfg), corpus):
        st.caption(tr("char.batches.caption"))

# ------------------------------------------------------------------ 4. train
st.header(tr("char.train.header"), divider="gray")
# what the printout writes from; a capped vocabulary: its rare symbol, not the rare characters
prefixes = charlm.prefixes_for(name, corpus.text if corpus is not None else text)
validity = grammar.is_embedded_reber if name == "reber" else None
state = None
if problem:  # nothing can train on these settings: keep showing the last model
    state = st.session_state.get("char__run")
    if state is not None:
        st.info(tr("char.train.last_model", name=char.shown_name(state.config.corpus)), icon=":material/info:")
        char.render(state)
elif corpus is not None:
    key = charlm.RunKey(corpus=name, length=len(text), config=cfg)
    state = live_training("char", key, lambda key: charlm.build(key.config, corpus, prefixes, validity), char.render,
                          tr("char.what"), seconds=cost.seconds(key, len(corpus.vocab)), vocab=len(corpus.vocab),
                          default=warm.default("char"))
if state is not None and state.last is not None and "done" in state.last.info:
    # said again in this visitor's language (a shared run may have been trained in another one)
    done = charlm.done_message(state.last.info, state.config.config) or state.last.info["done"]
    st.success(tr("char.train.done", step=state.last.step, done=done))
if state is not None:
    char.say_lesson(state)

# ------------------------------------------------------------------ 5. generate
if state is None or not state.history:
    char.keep_linked_generation()
if state is not None and state.history:
    trained = state.model  # the model, with the vocabulary it was trained with
    st.header(tr("char.gen.header"), divider="gray")
    st.caption(str(charlm.weights_used(state.last, state.config.config.keep, state.status == "stopped")))
    writing = char.generate_config(state.config.corpus, name, prefixes, trained.vocab)
    with st.expander(tr("char.gen.choosing_title")):
        st.markdown(tr("char.gen.choosing"))
    try:
        gen = charlm.generate(trained.model, trained.vocab, writing.prefix, writing.length, writing.mode,
                              writing.temperature, writing.top_k, seed=writing.seed)
    except (ValueError, CorpusError) as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        char.show_generation(gen, writing.prefix)
        char.ask_temperature(state.config, trained, writing)

    # ------------------------------------------------------------------ 6. inside
    st.header(tr("char.inside.header"), divider="gray")
    char.inside(trained, state.config)

    # ------------------------------------------------------------------ 7. how far back a prediction looks
    st.header(tr("char.span.header"), divider="gray")
    char.span_section(state, corpus if not problem else None)

share_link("pages.char", LINK_NOTE)
# the script reads a text file: the corpus as the page has it (python char_model.py corpus.txt)
exports({"char_model": "char"}, scripts={"char_model.py": lambda: script(cfg, prefixes),
                                         "corpus.txt": lambda: corpus.text if corpus is not None else text})
