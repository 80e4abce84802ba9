"""Char-level generation: the "Char-level generation" page's experiment, outside the app.

d2l's RNN chapters: a text file -> a vocabulary of its characters -> minibatches of NUM_STEPS
characters (random or consecutive sampling) -> an RNN / LSTM / GRU that predicts the next
character. Every epoch it scores held-out text (the last HELD_OUT share, never trained on) by
perplexity; every PRINT_EVERY epochs it prints d2l's printout (the training perplexity, the
epoch's training time, PRINT_CHARS characters written greedily from each prefix). With
KEEP = "best" it stops early when the held-out perplexity stops improving and keeps the best
epoch's weights; with KEEP = "final" it trains every epoch and keeps the last weights, as the
chapter. From the repository:

    python examples/char.py your_text.txt

The page's sidebar exports this file standalone (only torch needed), its settings the page's.
Any UTF-8 text works: the page's built-in Reber grammar, or The Time Machine
(https://www.gutenberg.org/ebooks/35), Tiny Shakespeare
(https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt).
Given the text the page trained on, on the same machine, it prints the same losses as the page.
"""

import random
import sys
import time
from collections import Counter
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # rnnviz from the repository (not exported)
from rnnviz import charlm, train  # inlined when exported

# --- settings ---
KIND = "GRU"  # "RNN" (the chapter's), "LSTM" or "GRU"
HIDDEN_SIZE = 64  # units per layer (the chapter: 256)
NUM_LAYERS = 1  # stacked recurrent layers
EMBEDDING = 0  # 0: one-hot input, as the chapter; > 0: a learnt embedding of that size
DROPOUT = 0.3  # on the last layer's output while training
OPTIMIZER = "adam"  # "adam", or "sgd" as the chapter (with LR 100)
LR = 0.01  # the optimiser's learning rate
CLIP = 1.0  # θ: gradient norm clipping (0: none; the chapter's 0.01 with SGD)
BATCH_SIZE = 16  # subsequences per minibatch (the chapter: 32)
NUM_STEPS = 35  # characters per subsequence
SAMPLING = "random"  # "random" (a fresh state every minibatch) or "consecutive" (the state carried on)
EPOCHS = 4  # passes over the training text at most
HELD_OUT = 0.1  # the text's last share, never trained on: scores the model
PATIENCE = 3  # KEEP = "best": epochs without a better held-out perplexity before stopping
KEEP = "best"  # "best" (stop early, keep the best held-out epoch) or "final" (as the chapter)
PRINT_EVERY = 1  # epochs between printouts (the chapter: 50)
INIT = "torch"  # "torch" (its defaults, the output bias at the unigram) or "d2l" (normal(0, 0.01))
OFFSET = True  # each epoch's minibatches start at a random offset (d2l's 2nd edition)
VOCAB_CAP = 0  # the page's cap on the vocabulary (0: none; a script reads the whole vocabulary)
SEED = 0  # same seed, same weights, same minibatches
PREFIXES = ()  # what the printout writes from; empty: the text's first two characters
# --- end of settings ---

# One thread, as the app: small recurrent models run fastest on one, and the sums inside
# each matrix product then add up in the same order, so the numbers match the page's.
torch.set_num_threads(1)

config = charlm.CharConfig(
    kind=KIND, hidden_size=HIDDEN_SIZE, num_layers=NUM_LAYERS, embedding=EMBEDDING, dropout=DROPOUT,
    optimizer=OPTIMIZER, lr=LR, clip=CLIP, batch_size=BATCH_SIZE, num_steps=NUM_STEPS,
    sampling=SAMPLING, epochs=EPOCHS, held_out=HELD_OUT, patience=PATIENCE, keep=KEEP,
    print_every=PRINT_EVERY, init=INIT, offset=OFFSET, vocab_cap=VOCAB_CAP, seed=SEED
)

# ---------------------------------------------------------------- the text, its vocabulary, the split
if len(sys.argv) < 2:
    sys.exit(__doc__)
# bytes, not text mode: text mode would turn \r\n into \n, and the page reads the bytes as they are
text = Path(sys.argv[1]).read_bytes().decode("utf-8").lstrip("\ufeff")
counts = Counter(text)
chars = tuple(sorted(counts, key=lambda c: (-counts[c], c)))  # index -> character, most frequent first
ids = torch.tensor([chars.index(c) for c in text])
cut = int(len(ids) * (1 - HELD_OUT))  # the held-out part is the end of the text
corpus = charlm.Corpus(text, chars, ids[:cut], ids[cut:])  # its vocabulary: the characters (the app's Vocab)
need = BATCH_SIZE * NUM_STEPS + NUM_STEPS + 1
if len(corpus.train_ids) < need or len(corpus.held_ids) < NUM_STEPS + 1:
    sys.exit(f"The text is too short: {len(corpus.train_ids):,} training characters (need {need:,}) "
             f"and {len(corpus.held_ids):,} held-out ones (need {NUM_STEPS + 1}).")
prefixes = [p for p in (PREFIXES or (text[:2],)) if p and set(p) <= set(text)]


@torch.no_grad()
def greedy(model, prefix, length):
    """Continue prefix for `length` characters, the most likely each time (d2l's predict_rnn)."""
    model.eval()
    out, state = model.rnn(model.inputs(torch.tensor([[chars.index(c) for c in prefix]])))
    written = prefix
    for _ in range(length):
        written += chars[int(model.out(out[0, -1]).argmax())]
        out, state = model.rnn(model.inputs(torch.tensor([[chars.index(written[-1])]])), state)
    return written


# ---------------------------------------------------------------- the model
with train.seeded(SEED):
    model = charlm.CharLM(len(chars), config)
if INIT == "torch":
    with torch.no_grad():  # start from the unigram: with many characters, uniform is a poor first guess
        unigram = torch.bincount(corpus.train_ids, minlength=len(chars)).float() + 1
        model.out.bias.copy_((unigram / unigram.sum()).log().to(model.device))
params = list(model.parameters())
opt = torch.optim.SGD(params, lr=LR) if OPTIMIZER == "sgd" else torch.optim.Adam(params, lr=LR)
print(f"{len(text):,} characters, {len(chars)} distinct; "
      f"{len(corpus.train_ids):,} to train on, {len(corpus.held_ids):,} held out")
print("held-out perplexity of the baselines:", ", ".join(f"{k} {v:.3f}" for k, v in charlm.baselines(corpus).items()))

# ---------------------------------------------------------------- training
# As the page: EPOCHS times the minibatches of one epoch (counted at the offset random.Random(0)
# draws); each epoch cut anew at its own offset; scored once it has run that many minibatches.
per_epoch = sum(1 for _ in charlm.sampler(config)(corpus.train_ids, BATCH_SIZE, NUM_STEPS, random.Random(0), OFFSET))
epoch, best = charlm.Epoch(0), charlm.Best()
model.train()
for step, (number, X, Y) in zip(range(1, per_epoch * EPOCHS + 1), charlm.minibatches(corpus, config)):
    began = time.perf_counter()
    if number != epoch.number:  # a new epoch: a fresh state
        epoch = charlm.Epoch(number)
    state = None if SAMPLING == "random" or epoch.state is None else charlm.detach(epoch.state)
    opt.zero_grad(set_to_none=True)
    logits, epoch.state = model(X, state)  # (B, T, V)
    loss = nn.functional.cross_entropy(logits.reshape(-1, len(chars)), Y.reshape(-1).to(model.device))
    loss.backward()
    if CLIP:
        nn.utils.clip_grad_norm_(params, CLIP)
    opt.step()
    epoch.ce, epoch.steps = epoch.ce + loss.item(), epoch.steps + 1
    epoch.seconds += time.perf_counter() - began  # the epoch's training time, d2l's "time"
    if epoch.steps < per_epoch:
        continue
    held = charlm.perplexity(model, corpus.held_ids)  # the epoch's last step: score on held-out text
    print(f"epoch {number:3d}  step {step:6d}  loss {loss.item():.6f}  "
          f"train perplexity {charlm.exp(epoch.ce / epoch.steps):.3f}  held-out perplexity {held:.3f}")
    if held < best.ppl or best.params is None:
        best = charlm.Best(held, number, 0, nn.utils.parameters_to_vector(params).clone())
    else:
        best.since += 1
    stopping = number == EPOCHS or (KEEP == "best" and best.since >= PATIENCE)
    if number % PRINT_EVERY == 0 or stopping:  # the chapter's printout
        print(f"epoch {number}, perplexity {charlm.exp(epoch.ce / epoch.steps):f}, time {epoch.seconds:.2f} sec")
        for p in prefixes:
            print(f" - {greedy(model, p, charlm.PRINT_CHARS)}")
    model.train()
    if not stopping:
        continue
    if KEEP == "final":
        print(f"all epochs done; kept the final weights (held-out perplexity {held:.3f}); "
              f"the best held-out epoch was {best.epoch} ({best.ppl:.3f})")
        break
    if best.since:  # early stopping: back to the best epoch's weights
        with torch.no_grad():
            nn.utils.vector_to_parameters(best.params, params)
    why = "all epochs done" if number == EPOCHS else f"no better held-out perplexity for {PATIENCE} epochs"
    print(f"{why}; kept the weights of epoch {best.epoch} (held-out perplexity {best.ppl:.3f})")
    break

print(f"final loss: {loss.item()}")
