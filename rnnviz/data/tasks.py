"""Generated sequence tasks where gates have something to do.

- memory: a marked symbol at step 1, `gap` distractors, then a recall cue; answer the symbol.
- counting: a string of brackets; at every step, answer the current nesting depth.
Each batch comes from a seeded torch.Generator, so a config and a seed give the same data.
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
