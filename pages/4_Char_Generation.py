"""Char-level generation: a d2l-style character language model trained live, its perplexity
against n-gram baselines, what the run shows (memorised or not), sampling from prefixes, and
what single units track. Widgets -> config -> rnnviz -> charts."""

import html

import altair as alt
import pandas as pd
import streamlit as st

from rnnviz import charlm as C
from rnnviz import charts, cost
from rnnviz.data import grammar
from rnnviz.data.text import (
    JOIN,
    SOURCES,
    CorpusError,
    d2l_lyrics,
    fetch,
    is_zip,
    read_corpus,
    read_text,
    zip_members,
)
from rnnviz.export import script
from rnnviz.i18n import tr
from rnnviz.ui import choice, exports, live_training, page_setup, share_link, show
from rnnviz.ui.live import about

LINK_NOTE = page_setup("pages.char", ":material/text_fields:")
st.title(tr("char.title"))
st.markdown(tr("char.intro"))

CORPORA = ("reber", "hello", "lyrics", "time_machine", "shakespeare", "upload")  # the link's values
# what the model writes from in the printout: the chapter's prefixes on the lyrics, names or words elsewhere
PREFIXES = {"reber": ("B",), "hello": ("h",), "lyrics": ("分开", "不分开"),
            "time_machine": ("The Time Traveller", "Weena"), "shakespeare": ("ROMEO:", "JULIET:")}
PREFIX_MAX = 500  # characters a prefix may have: what is read, drawn and carried by the link
SHOWN_AS = {" ": "␣", "\u3000": "␣", "\n": "⏎", "\r": "␍", "\t": "⇥"}  # whitespace a table cell would hide


def shown_name(name: str) -> str:
    """A corpus' name in the learner's words; an uploaded file keeps its own, shown as text
    (code formatting: no bold, links or formulas from a file's name)."""
    return tr(f"char.corpora.{name}") if name in CORPORA else "`" + name.replace("`", "ʼ").replace("\n", " ") + "`"


def visible(ch: str) -> str:
    return SHOWN_AS.get(ch, ch)


def num(x: float) -> str:
    """A perplexity as a learner reads it: 11,626 / 289.9 / 1.469."""
    return f"{x:,.0f}" if x >= 1000 else f"{x:.1f}" if x >= 10 else f"{x:.3f}"


# ------------------------------------------------------------------ 0. the recipe: every knob at once
# widget key -> the recipe's value; one choice sets them all before the script runs: one run, not seven
def recipe_values(r: C.Recipe) -> dict:
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
    for key, value in recipe_values(C.RECIPES[recipe_id or st.session_state["char_recipe"]]).items():
        if key not in keep:
            st.session_state[key] = value


chapter_run = ("lyrics", 10_000, C.CHAPTER)  # its size, for the cost shown before choosing it
recipe_captions = {"fast": tr("char.recipe.fast_caption"),
                   "d2l": tr("char.recipe.d2l_caption", steps=cost.work(chapter_run, 1_027).steps,
                            about=about(cost.seconds(chapter_run, 1_027)))}
if "char_recipe" not in st.session_state and st.query_params.get("char_recipe") in C.RECIPES:
    # a link that names a recipe (a teacher's ?char_recipe=d2l) opens with its knobs, the link's own settings kept
    apply_recipe(st.query_params["char_recipe"], keep=set(st.query_params))
recipe_id = choice(st.radio, tr("char.recipe.label"), list(C.RECIPES), key="char_recipe",
                   labels={r: tr(f"char.recipe.{r}") for r in C.RECIPES}, captions=list(recipe_captions.values()),
                   on_change=apply_recipe, help=tr("char.recipe.help"))
recipe = C.RECIPES[recipe_id]
changed_at = st.empty()  # what the learner changed from the recipe, once the knobs are read

# ------------------------------------------------------------------ 1. corpus
st.header(tr("char.corpus.header"), divider="gray")
c = st.columns([2, 1])
corpus_id = choice(c[0].selectbox, tr("char.corpus.label"), CORPORA, key="char_corpus",
                   labels={k: shown_name(k) for k in CORPORA})
first_10k = c[1].toggle(tr("char.corpus.first_10k"), False, key="char_first10k", bind="query-params",
                        disabled=corpus_id != "lyrics", help=tr("char.corpus.first_10k_help"))


def load_corpus(corpus_id: str) -> tuple[str, str] | None:
    """(name, text) of the chosen corpus, or None with a message on the page."""
    if corpus_id == "reber":
        return corpus_id, grammar.corpus()
    if corpus_id == "hello":
        return corpus_id, "hello"
    if corpus_id in SOURCES:
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
            return None
        bar.empty()
        if corpus_id == "lyrics":
            text = d2l_lyrics(text, 10_000 if first_10k else None)
        return corpus_id, text
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


loaded = load_corpus(corpus_id)
if loaded is not None:
    st.session_state["char_text"] = loaded
name, text = st.session_state.get("char_text", ("reber", grammar.corpus()))
if loaded is None:
    st.caption(tr("char.corpus.still_using", name=shown_name(name)))
st.markdown(tr("char.corpus.stats", name=shown_name(name), chars=len(text), distinct=len(set(text))))
vocab_cap = st.number_input(tr("char.corpus.vocab_cap"), 0, 100_000, 0, 100, key="char_vocab_cap", bind="query-params",
                            help=tr("char.corpus.vocab_cap_help"))
st.code(text[:300], language=None, height=140, wrap_lines=True)
if name == "reber":
    st.caption(tr("char.corpus.reber"))

# ------------------------------------------------------------------ 2. model and recipe
st.header(tr("char.model.header"), divider="gray")
default = C.CharConfig()  # the widgets' defaults: the fast recipe's
c = st.columns(5)
kind = c[0].selectbox(tr("char.model.cell"), ["RNN", "LSTM", "GRU"], index=2, key="char_kind", bind="query-params")
hidden = c[1].number_input(tr("char.model.hidden"), 1, 1024, default.hidden_size, key="char_hidden",
                           bind="query-params")
layers = c[2].number_input(tr("char.model.layers"), 1, 4, 1, key="char_layers", bind="query-params")
embed = c[3].number_input(tr("char.model.embed"), 0, 512, 0, key="char_embed", bind="query-params",
                          help=tr("char.model.embed_help"))
dropout = c[4].number_input(tr("char.model.dropout"), 0.0, 0.9, default.dropout, 0.1, key="char_dropout",
                            bind="query-params")
c = st.columns(6)
optim = choice(c[0].selectbox, tr("char.model.optim"), ["adam", "sgd"], key="char_opt",
               labels={"adam": tr("char.model.optim_adam"), "sgd": tr("char.model.optim_sgd")},
               help=tr("char.model.optim_help"))
lr = c[1].number_input(tr("char.model.lr"), 1e-5, 1000.0, C.SGD_LR if optim == "sgd" else default.lr,
                       format="%.4g", key=f"char_lr_{optim}", bind="query-params")
clip = c[2].number_input(tr("char.model.clip"), 0.001, 100.0, 0.01 if optim == "sgd" else default.clip,
                         format="%.3g", key=f"char_clip_{optim}", bind="query-params", help=tr("char.model.clip_help"))
batch = c[3].number_input(tr("char.model.batch"), 1, 512, default.batch_size, key="char_batch", bind="query-params")
steps = c[4].number_input(tr("char.model.steps"), 1, 500, default.num_steps, key="char_steps", bind="query-params")
epochs = c[5].number_input(tr("char.model.epochs"), 1, 500, default.epochs, key="char_epochs", bind="query-params")
c = st.columns([3, 3, 1, 1])
sampling = choice(c[0].radio, tr("char.model.sampling"), list(C.SAMPLINGS), key="char_sampling",
                  labels={s: tr(f"char.model.{s}") for s in C.SAMPLINGS},
                  captions=[tr(f"char.model.{s}_caption") for s in C.SAMPLINGS])
offset = c[1].toggle(tr("char.model.offset"), default.offset, key="char_offset", bind="query-params",
                     help=tr("char.model.offset_help"))
init = c[1].toggle(tr("char.model.init"), default.init == "d2l", key="char_init", bind="query-params",
                   help=tr("char.model.init_help"))
held = c[2].number_input(tr("char.model.held"), 0.01, 0.5, default.held_out, 0.05, key="char_held", bind="query-params")
seed = c[3].number_input(tr("char.model.seed"), 0, 10_000, 0, key="char_seed", bind="query-params")
c = st.columns([3, 2, 2, 2])
keep = choice(c[0].radio, tr("char.model.keep"), list(C.KEEPS), key="char_keep",
              labels={k: tr(f"char.model.keep_{k}") for k in C.KEEPS},
              captions=[tr(f"char.model.keep_{k}_caption") for k in C.KEEPS])
patience = c[1].number_input(tr("char.model.patience"), 1, 500, default.patience, key="char_patience",
                             bind="query-params", help=tr("char.model.patience_help"), disabled=keep == "final")
print_every = c[2].number_input(tr("char.model.print_every"), 1, 500, default.print_every, key="char_print",
                                bind="query-params", help=tr("char.model.print_every_help"))
cfg = C.CharConfig(kind=kind, hidden_size=int(hidden), num_layers=int(layers), embedding=int(embed),
                   dropout=float(dropout), optimizer=optim, lr=float(lr), clip=float(clip), batch_size=int(batch),
                   num_steps=int(steps), sampling=sampling, epochs=int(epochs), held_out=float(held),
                   patience=int(patience), keep=keep, print_every=int(print_every), init="d2l" if init else "torch",
                   offset=bool(offset), vocab_cap=int(vocab_cap), seed=int(seed))
with st.expander(tr("char.model.one_hot_title")):
    st.markdown(tr("char.model.one_hot", vocab=len(set(text))))

# what differs from the chosen recipe, said under it
LABELS = {"kind": "cell", "hidden_size": "hidden", "num_layers": "layers", "embedding": "embed", "dropout": "dropout",
          "optimizer": "optim", "lr": "lr", "clip": "clip", "batch_size": "batch", "num_steps": "steps",
          "sampling": "sampling", "epochs": "epochs", "held_out": "held", "patience": "patience", "keep": "keep",
          "print_every": "print_every", "init": "init", "offset": "offset", "vocab_cap": "vocab_cap"}


def said(field: str, value) -> str:
    if field == "sampling":
        return tr(f"char.model.{value}")
    if field == "keep":
        return tr(f"char.model.keep_{value}")
    if field in ("init", "offset"):
        return "✓" if value in (True, "d2l") else "✗"
    return f"{value:g}" if isinstance(value, float) else str(value)


changes = [tr("char.recipe.change", what=tr(f"char.model.{LABELS[f]}"), value=said(f, mine), recipe=said(f, theirs))
           for f, mine, theirs in C.differences(cfg, recipe.config) if not (f == "patience" and keep == "final")]
wanted = (recipe.corpus, recipe.first_10k if recipe.corpus == "lyrics" else False)
if (corpus_id, first_10k if corpus_id == "lyrics" else False) != wanted:
    changes.insert(0, tr("char.recipe.change", what=tr("char.corpus.label"), value=shown_name(corpus_id),
                        recipe=shown_name(recipe.corpus)))
if changes:
    changed_at.caption(tr("char.recipe.changed", changes="; ".join(changes)))

try:
    corpus = C.prepare(text, cfg.held_out, cfg.vocab_cap)
    problem = C.too_short(corpus, cfg)
except (CorpusError, ValueError, RuntimeError) as exc:  # a corpus that cannot be cut: say so, keep the page
    corpus, problem = None, tr("char.model.cannot_use", reason=exc)
if problem:
    st.error(problem, icon=":material/error:")
VOCAB_WARN = 5_000  # distinct characters from which the one-hot width is said before training
if corpus is not None and corpus.merged:
    st.caption(tr("char.corpus.capped", cap=cfg.vocab_cap, merged=corpus.merged, share=corpus.merged_share,
                 vocab=len(corpus.vocab)))
elif corpus is not None and cfg.vocab_cap and cfg.vocab_cap >= len(corpus.vocab):
    st.caption(tr("char.corpus.cap_none", cap=cfg.vocab_cap, distinct=len(corpus.vocab)))
if corpus is not None and len(corpus.vocab) >= VOCAB_WARN and not cfg.embedding:
    V, top = len(corpus.vocab), 1_000
    st.warning(tr("char.corpus.big_vocab", vocab=V, batch=cfg.batch_size, steps=cfg.num_steps,
                 cells=cfg.batch_size * cfg.num_steps * V, mb=cost.memory_mb((name, len(text), cfg), V),
                 top=top, cover=C.cover(text, top)), icon=":material/memory:")

# ------------------------------------------------------------------ 3. minibatches
if corpus is not None and not problem:
    st.header(tr("char.batches.header"), divider="gray")
    frame = C.minibatch_positions(corpus, cfg, batches=3)
    show(charts.minibatch_chart(frame, len(corpus.train_ids)))
    st.caption(tr("char.batches.caption"))

# ------------------------------------------------------------------ 4. train
st.header(tr("char.train.header"), divider="gray")
seen_text = corpus.text if corpus is not None else text  # a capped vocabulary: its rare symbol, not the rare ones
prefixes = tuple(p for p in PREFIXES.get(name, (seen_text[:2],)) if p and set(p) <= set(seen_text))
validity = grammar.is_embedded_reber if name == "reber" else None


def start(config: C.CharConfig):
    return C.build(config, corpus, prefixes, validity)


def printout(rows) -> str:
    """The chapter's printout (its format, in every language), and this page's held-out line."""
    lines = []
    for s in rows:
        lines.append(tr("char.train.epoch_line", epoch=s.info["epoch"], ppl=s.info["train_ppl"], seconds=s.info["seconds"]))
        lines += [tr("char.train.sample_line", sample=sample.replace("\n", "⏎")) for sample in s.info["samples"].values()]
        lines.append(tr("char.train.held_line", held=s.info["held_ppl"])
                     + (tr("char.train.valid", valid=s.info["valid"]) if "valid" in s.info else ""))
    return "\n".join(lines)


def render(state) -> None:
    rows = state.history
    if not rows:
        return
    held_out, train = tr("char.train.held_out"), tr("char.train.train")  # the curves, in the learner's words
    scored = [s for s in rows if "held_ppl" in s.info]
    ppl = pd.DataFrame([{"epoch": s.info["epoch"], "perplexity": s.info["held_ppl"], "curve": held_out} for s in scored]
                       + [{"epoch": s.info["epoch"], "perplexity": s.info["train_ppl"], "curve": train} for s in scored])
    trained = state.config[2]  # (corpus name, length, CharConfig)
    base = {tr(f"char.train.{k}"): v for k, v in state.model.baselines.items()}  # uniform, unigram, bigram
    c1, c2 = st.columns(2)
    if not ppl.empty:
        show(charts.perplexity_chart(ppl, base), c1)
        c1.caption(tr("char.train.ppl_define", vocab=len(state.model.vocab)))
        c1.caption(tr("char.train.ppl_note" if trained.dropout > 0 else "char.train.ppl_note_no_dropout"))  # no dropout to name
        last = scored[-1].info
        if C.curves_close(last["train_ppl"], last["held_ppl"]):  # one line over the other: said in words
            c1.caption(tr("char.train.ppl_close", epoch=last["epoch"], train=num(last["train_ppl"]),
                         held=num(last["held_ppl"]), gap=abs(last["train_ppl"] / last["held_ppl"] - 1)))
    norm, grad_norm, step = tr("char.train.norm"), tr("char.train.grad_norm"), tr("char.train.step")
    grads = pd.DataFrame({step: [s.step for s in rows], tr("char.train.before"): [s.grad_norm for s in rows],
                          tr("char.train.after"): [min(s.grad_norm, trained.clip) for s in rows]}).melt(
        step, var_name=norm, value_name=grad_norm)
    show(charts.line(grads, step, grad_norm, tr("char.train.grad_title"), step, tr("char.train.grad_axis"),
                     color=norm, dash=norm, log_y=True), c2)
    clipped = sum(s.grad_norm > trained.clip for s in rows) / len(rows)
    c2.caption(tr("char.train.clipped", share=clipped, clip=trained.clip) + (tr("char.train.clipped_none") if not clipped else ""))
    printed = [s for s in rows if "samples" in s.info]
    if printed:  # a box of fixed height: 250 epochs do not make the page 20,000 px tall
        every = tr("char.train.every_n", n=trained.print_every) if trained.print_every > 1 else tr("char.train.every_epoch")
        st.caption(tr("char.train.printout", every=every, chars=C.PRINT_CHARS,
                     valid=tr("char.train.printout_valid") if "valid" in printed[-1].info else ""))
        st.container(height=330, autoscroll=True).code(printout(printed), language=None, wrap_lines=True)


def lesson(state) -> None:
    """What this run shows, from its last scored epoch: memorised, generalising, or not yet either."""
    scored = [s for s in state.history if "held_ppl" in s.info]
    if not scored:
        return
    last, base = scored[-1].info, state.model.baselines
    verdict = C.memorisation(last["train_ppl"], last["held_ppl"], base)
    chars = state.config[1] - len(state.model.held_text)  # the characters it trained on
    say = st.warning if verdict.startswith("memorised") else st.info
    say(tr(f"char.lesson.{verdict}", epoch=last["epoch"], train=last["train_ppl"], held=num(last["held_ppl"]),
          ratio=last["held_ppl"] / base["bigram"], chars=chars,
          **{k: f"{v:,.0f}" if k == "uniform" else num(v) for k, v in base.items()}),
        icon=":material/school:")


state = None
if problem:  # nothing can train on these settings: keep showing the last model
    state = st.session_state.get("char__run")
    if state is not None:
        st.info(tr("char.train.last_model", name=shown_name(state.config[0])), icon=":material/info:")
        render(state)
elif corpus is not None:
    key = (name, len(text), cfg)
    state = live_training("char", key, lambda key: start(key[2]), render, tr("char.what"),
                          default=("reber", len(grammar.corpus()), C.CharConfig()),
                          seconds=cost.seconds(key, len(corpus.vocab)), vocab=len(corpus.vocab))
if state is not None and state.last is not None and "done" in state.last.info:
    # said again in this visitor's language (a shared run may have been trained in another one)
    done = C.done_message(state.last.info, state.config[2]) or state.last.info["done"]
    st.success(tr("char.train.done", step=state.last.step, done=done))
if state is not None:
    lesson(state)

# ------------------------------------------------------------------ 5. generate
# a link's generation settings, kept for when a model exists (a long run waits for Train: no section 5 yet)
LATER = {"char_length": (int, 1, 2000), "char_temp": (float, 0.0, 5.0), "char_k": (int, 1, 100),
         "char_sample_seed": (int, 0, 10_000)}
if state is None or not state.history:
    for key, (kind, low, high) in LATER.items():
        try:
            value = kind(st.query_params.get(key, ""))
        except ValueError:
            continue
        if key not in st.session_state and low <= value <= high:
            st.session_state[key] = value
    if "char_mode" not in st.session_state and st.query_params.get("char_mode") in ("temperature", "top-k", "greedy"):
        st.session_state["char_mode"] = st.query_params["char_mode"]
if state is not None and state.history:
    model = state.model
    vocab = model.vocab  # the vocabulary it was trained with
    st.header(tr("char.gen.header"), divider="gray")
    end = state.last.info
    if state.status == "stopped" or "kept_epoch" not in end:
        st.caption(tr("char.gen.uses_stopped", step=state.last.step))
    elif state.config[2].keep == "final":
        st.caption(tr("char.gen.uses_final", epoch=end["kept_epoch"], held=num(end["kept_ppl"]), best=end["best_epoch"],
                     best_ppl=num(end["best_ppl"])))
    else:  # early stopping named only when it stopped the run: a run that ran every epoch says so
        st.caption(tr("char.gen.uses_best" if end.get("early") else "char.gen.uses_best_all", epoch=end["kept_epoch"],
                     held=num(end["kept_ppl"]), last=end["epoch"]))
    c = st.columns([2, 1, 2, 1, 1, 1])
    # a new corpus (or a box that was hidden, which clears it): start from a prefix the model can read;
    # the model shown is not always the new corpus' (a corpus too short to train keeps the last model)
    shown = state.config[0]
    if st.session_state.get("char_prefix_of") != shown or "char_prefix" not in st.session_state:
        fits = [p for p in (prefixes if shown == name else PREFIXES.get(shown, ())) if set(p) <= set(vocab.chars)]
        st.session_state["char_prefix"] = fits[0] if fits else vocab.chars[0]
        st.session_state["char_prefix_of"] = shown
    # a long prefix (a pasted book, a link's 100,000 characters) is cut to its first PREFIX_MAX (as the box cuts a paste): read, drawn, linked
    asked = st.session_state.get("char_prefix", "")
    linked = st.query_params.get("char_prefix", "")
    if len(linked) > PREFIX_MAX and "char_prefix_cut" not in st.session_state:
        asked = linked
    if len(asked) > PREFIX_MAX:
        st.session_state["char_prefix"] = asked[:PREFIX_MAX]
        st.query_params["char_prefix"] = asked[:PREFIX_MAX]
        st.session_state["char_prefix_cut"] = (len(asked), asked[:PREFIX_MAX])
    prefix = c[0].text_input(tr("char.gen.prefix"), key="char_prefix", bind="query-params", max_chars=PREFIX_MAX,
                             help=tr("char.gen.prefix_help", limit=PREFIX_MAX))
    cut = st.session_state.get("char_prefix_cut")
    if cut and cut[1] == prefix:  # said while the cut prefix is the one in the box
        st.caption(tr("char.gen.prefix_cut", got=cut[0], limit=PREFIX_MAX))
    length = c[1].number_input(tr("char.gen.length"), 1, 2000, 100, key="char_length", bind="query-params")
    modes = ["temperature", "top-k", "greedy"]
    mode = choice(c[2].selectbox, tr("char.gen.mode"), modes, key="char_mode",
                  labels={"temperature": tr("char.gen.temperature"), "top-k": tr("char.gen.top_k"),
                          "greedy": tr("char.gen.greedy")})
    temp = c[3].number_input(tr("char.gen.temperature"), 0.0, 5.0, 0.8, 0.1, key="char_temp", bind="query-params",
                             disabled=mode == "greedy")
    k = c[4].number_input(tr("char.gen.k"), 1, 100, 5, key="char_k", bind="query-params", disabled=mode != "top-k")
    sample_seed = c[5].number_input(tr("char.gen.sample_seed"), 0, 10_000, 0, key="char_sample_seed", bind="query-params",
                                    help=tr("char.gen.sample_seed_help"))
    with st.expander(tr("char.gen.choosing_title")):
        st.markdown(tr("char.gen.choosing"))
    try:
        gen = C.generate(model, vocab, prefix, int(length), mode, float(temp), int(k), seed=int(sample_seed))
    except (ValueError, CorpusError) as exc:
        st.error(str(exc), icon=":material/error:")
        gen = None
    if gen is not None:
        st.code(gen.text, language=None, wrap_lines=True)
        cand = pd.DataFrame([{"#": i + 1, tr("char.gen.chose"): visible(s["chosen"]),
                              **{tr("char.gen.top", n=j + 1): f"{visible(ch)} {p:.2f}"
                                 for j, (ch, p) in enumerate(s["candidates"])}}
                             for i, s in enumerate(gen.steps[:20])])
        with st.expander(tr("char.gen.candidates")):
            st.table(cand.set_index("#"))
        # one row per prefix character (its last 40), the first 32 units across: any prefix reads well
        first = max(0, gen.warmup.shape[0] - 40)
        warm = pd.DataFrame([(i + 1, f"{i + 1} {visible(prefix[i])}", u + 1, float(v))
                             for i in range(first, gen.warmup.shape[0]) for u, v in enumerate(gen.warmup[i].tolist()[:32])],
                            columns=["t", "char", "unit", "value"])
        show(charts.heatmap(warm, "unit", "char", tr("char.gen.warmup_title"), tr("char.gen.hidden_unit"),
                            tr("char.gen.prefix_position"), value_title="h_t")
             .properties(height=alt.Step(28))  # a band per prefix character
             .configure_legend(orient="bottom", direction="horizontal"))

    # ------------------------------------------------------------------ 6. inside
    st.header(tr("char.inside.header"), divider="gray")
    snippet = model.held_text[:600]
    acts = C.unit_activations(model, vocab, snippet)
    c = st.columns([1, 3])
    feats = C.features(snippet)
    # a text without newlines (the chapter's lyrics: newlines made spaces) has no lines to be in
    varying = [f for f, v in feats.items() if len(set(v)) > 1 and (f != "position in the line" or "\n" in snippet)]
    varying = varying or list(feats)
    features = {"inside quotes": tr("char.features.inside_quotes"), "position in the line": tr("char.features.position"),
                "bracket depth": tr("char.features.bracket_depth"), "after a space": tr("char.features.after_space")}
    feature = choice(c[0].selectbox, tr("char.inside.feature"), varying, key="char_feature", labels=features,
                     help=tr("char.inside.feature_help"))
    ranked = C.rank_units(acts, feats[feature])
    if ranked:
        columns = [tr("char.inside.unit"), tr("char.inside.correlation")]
        c[0].table(pd.DataFrame(ranked, columns=columns).set_index(columns[0]).style.format("{:+.2f}"))
    else:
        c[0].info(tr("char.inside.constant"))
    top = ranked[0][0] if ranked else 1
    seen = (id(model), feature)  # a new model or feature: show its best unit (a link's unit stays on the first view)
    if st.session_state.get("char_unit_for", seen) != seen:
        st.session_state["char_unit"] = top
    st.session_state["char_unit_for"] = seen
    unit = c[0].number_input(tr("char.inside.unit_label"), 1, acts.shape[1], top, key="char_unit", bind="query-params")
    vals = acts[:, int(unit) - 1].tolist()
    spans = "".join(
        f'<span title="{v:+.2f}" style="background: rgba({255 if v > 0 else 31},{80 if v > 0 else 119},'
        f'{80 if v > 0 else 180},{min(abs(v), 1):.2f})">{html.escape(ch) if ch != chr(10) else "⏎<br>"}</span>'
        for ch, v in zip(snippet, vals))
    c[1].markdown(f"<div style='font-family: monospace; line-height: 1.7'>{spans}</div>", unsafe_allow_html=True)
    c[1].caption(tr("char.inside.coloured", unit=unit))

share_link("pages.char", LINK_NOTE)
# the script reads a text file: the corpus as the page has it (python char_model.py corpus.txt)
exports({"char_model": "char"}, scripts={"char_model.py": lambda: script(cfg, prefixes), "corpus.txt": lambda: corpus.text if corpus is not None else text})
