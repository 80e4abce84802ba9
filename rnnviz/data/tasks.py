"""Generated sequence tasks where gates have something to do.

- memory: a marked symbol at step 1, `gap` distractors, then a recall cue; answer the symbol.
- replace: tutorial A's Alice -> Bob: a marked symbol, distractors, a SECOND marked symbol that
  replaces the first, more distractors, the cue; answer the most recent marked symbol.
- counting: a string of brackets; at every step, answer the current nesting depth.
Each batch comes from a seeded torch.Generator, so a config and a seed give the same data.
A new task: its sampler here (returning a Batch), then its name in rnnviz.gates.TASKS and a
branch in gates.sample() and gates.make_model(); its words under gates.task.* in the catalogues.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

SYMBOLS = "ABCDEFGH"  # the symbols to remember; distractors are their lower-case twins
RECALL = "?"


@dataclass(frozen=True)
class Batch:
    x: Tensor  # (B, T, input_size) one-hot inputs
    y: Tensor  # memory: (B,) the symbol; counting: (B, T) the depth at every step
    tokens: list[list[str]]  # what each input step shows, for the page


def memory_input_size(symbols: int) -> int:
    """One-hot over the symbols, their distractor twins, and the recall cue."""
    return 2 * symbols + 1


def memory_batch(batch: int, gap: int, symbols: int, g: torch.Generator) -> Batch:
    """Remember the first symbol across `gap` distractors; recall it at the cue.

    Step 1 shows a symbol (A, B, …), steps 2..gap+1 show distractors (a, b, …: other input
    channels, the same letters in lower case), the last step the cue "?". Chance is 1/symbols.
    """
    K, T = symbols, gap + 2
    sym = torch.randint(K, (batch,), generator=g)  # (B,)
    dis = torch.randint(K, (batch, gap), generator=g)  # (B, gap)
    x = torch.zeros(batch, T, memory_input_size(K))
    x[torch.arange(batch), 0, sym] = 1
    x[:, 1:gap + 1, K:2 * K] = nn.functional.one_hot(dis, K).float()
    x[:, T - 1, 2 * K] = 1
    tokens = [[SYMBOLS[s]] + [SYMBOLS[d].lower() for d in row] + [RECALL]
              for s, row in zip(sym.tolist(), dis.tolist())]
    return Batch(x, sym, tokens)


def replace_batch(batch: int, gap: int, symbols: int, g: torch.Generator, at: int | None = None) -> Batch:
    """Like memory_batch, but one of the gap's steps shows a second marked symbol (another one
    than the first) that replaces it: the answer is the second. Steps: 1 the first symbol,
    2..gap+1 distractors with the second symbol at step `at` (1-based, 3..gap; random per
    sequence when None, so the model must react to the symbol, not count steps), then the cue.
    Chance is 1/symbols; a model that kept the first symbol scores 0."""
    K, T = symbols, gap + 2
    if gap < 3:
        raise ValueError("the replace task needs a gap of at least 3")
    b = memory_batch(batch, gap, symbols, g)
    first = b.y
    second = (first + torch.randint(1, K, (batch,), generator=g)) % K  # (B,) never the first
    where = torch.randint(2, gap, (batch,), generator=g) if at is None else torch.full((batch,), at - 1)
    x = b.x.clone()
    rows = torch.arange(batch)
    x[rows, where] = 0
    x[rows, where, second] = 1
    tokens = [row.copy() for row in b.tokens]
    for row, w, s in zip(tokens, where.tolist(), second.tolist()):
        row[w] = SYMBOLS[s]
    assert x.shape[1] == T
    return Batch(x, second, tokens)


def replaced_at(x: Tensor, symbols: int) -> Tensor:
    """(B,) the 0-based step of the last marked symbol in each sequence (0: none replaced it)."""
    marked = x[:, :, :symbols].sum(-1) > 0  # (B, T)
    steps = torch.arange(x.shape[1]).expand_as(marked)
    return torch.where(marked, steps, torch.zeros_like(steps)).max(dim=1).values


def counting_batch(batch: int, length: int, max_depth: int, g: torch.Generator) -> Batch:
    """Random bracket strings (depth between 0 and max_depth); target: depth after each step.

    Input one-hot: "(" or ")". An opening bracket at max depth, or a closing one at depth 0,
    is flipped, so every string stays well formed as far as it goes.
    """
    opens = torch.rand(batch, length, generator=g) < 0.5  # (B, T)
    depth = torch.zeros(batch, dtype=torch.long)
    depths = torch.zeros(batch, length, dtype=torch.long)
    for t in range(length):
        o = opens[:, t]
        o = torch.where(depth == 0, torch.ones_like(o), o)
        o = torch.where(depth == max_depth, torch.zeros_like(o), o)
        opens[:, t] = o
        depth = depth + torch.where(o, 1, -1)
        depths[:, t] = depth
    x = nn.functional.one_hot((~opens).long(), 2).float()  # channel 0 "(", channel 1 ")"
    tokens = [["(" if o else ")" for o in row] for row in opens.tolist()]
    return Batch(x, depths, tokens)
