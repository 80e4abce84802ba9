"""Generalisation of the char page's default recipe on every corpus: held-out perplexity
against the uniform, unigram and bigram baselines.

For each corpus the page offers (the built-in embedded Reber grammar, Tiny Shakespeare, The
Time Machine, the d2l lyrics in full and their first 10,000 characters), the page's default
CharConfig is trained to its end (early stopping keeps the best epoch on the held-out last
10 %), exactly as the page does. Reported per corpus: characters and vocabulary, the held-out
perplexity of the weights the page keeps, the three baselines, the epoch kept, wall seconds.
Targets (issue 5): below the unigram everywhere; below the bigram on Tiny Shakespeare and The
Time Machine; on the full lyrics, how close to the bigram it comes.

Last, the chapter's recipe (rnnviz.charlm.CHAPTER: d2l's RNN from scratch on the lyrics' first
10,000 characters, 250 epochs, the final weights): its training perplexity, its held-out
perplexity against the baselines, and the page's verdict (rnnviz.charlm.memorisation).

The corpora are read from ../shared/data (RNNVIZ_CORPUS_DIR), never from the project.

    python bench/char_heldout.py [--quick]   # --quick: Tiny Shakespeare trains 1 epoch
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from rnnviz import charlm as C
from rnnviz.data import grammar
from rnnviz.data.text import d2l_lyrics, read_text

DATA = Path(os.environ.get("RNNVIZ_CORPUS_DIR", ROOT.parent / "shared" / "data"))


def corpora() -> dict[str, str]:
    lyrics = read_text("jaychou_lyrics.txt.zip", (DATA / "jaychou_lyrics.txt.zip").read_bytes())
    return {"reber": grammar.corpus(),
            "tinyshakespeare": read_text("tinyshakespeare.txt", (DATA / "tinyshakespeare.txt").read_bytes()),
            "timemachine": read_text("timemachine.txt", (DATA / "timemachine.txt").read_bytes()),
            "lyrics": d2l_lyrics(lyrics, None), "lyrics_first_10k": d2l_lyrics(lyrics, 10_000)}


def evaluate(text: str, cfg: C.CharConfig) -> dict:
    corpus = C.prepare(text, cfg.held_out)
    t0 = time.perf_counter()
    trained, snapshots = C.build(cfg, corpus)
    last = None
    for last in snapshots:
        pass
    seconds = time.perf_counter() - t0
    held = C.perplexity(trained.model, corpus.held_ids)  # the weights the page keeps (the best epoch, or the last)
    base = trained.baselines
    end = [s.info for s in [last] if "held_ppl" in s.info] or [{}]
    train = end[0].get("train_ppl", float("nan"))  # the last epoch's, d2l's training perplexity
    return {"chars": len(text), "vocab": len(corpus.vocab), "held_out_ppl": round(held, 3),
            "last_epoch_train_ppl": round(train, 3),
            "verdict": C.memorisation(train, end[0].get("held_ppl", held), base),
            **{k: round(v, 3) for k, v in base.items()}, "epochs_run": last.info["epoch"],
            "below_unigram": held < base["unigram"], "below_bigram": held < base["bigram"],
            "bigram_ratio": round(held / base["bigram"], 3), "seconds": round(seconds, 1)}


def main(quick: bool = False) -> dict:
    cfg = C.CharConfig()
    out = {"bench": "char_heldout", "config": asdict(cfg)}
    texts = corpora()
    for name, text in texts.items():
        run_cfg = replace(cfg, epochs=1) if quick and name == "tinyshakespeare" else cfg
        out[name] = evaluate(text, run_cfg)
    chapter = replace(C.CHAPTER, epochs=50) if quick else C.CHAPTER
    out["lyrics_first_10k_chapter_recipe"] = evaluate(texts["lyrics_first_10k"], chapter)
    return out


if __name__ == "__main__":
    print(json.dumps(main(quick="--quick" in sys.argv)))
