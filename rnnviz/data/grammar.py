"""The embedded Reber grammar: a built-in language whose strings can be checked.

Reber (1967) as used by Fahlman and by Hochreiter & Schmidhuber's LSTM paper: a small
automaton over B T P S X V E. The embedded version wraps a Reber string as B T … T E or
B P … P E, so the second-to-last symbol must repeat the second: a dependency across the
whole string that a model either carries in its state or gets wrong.
"""

from __future__ import annotations

import random
from functools import lru_cache

# state -> [(symbol, next state)]; state 6 ends with E
REBER = {0: [("B", 1)], 1: [("T", 2), ("P", 3)], 2: [("S", 2), ("X", 4)], 3: [("T", 3), ("V", 5)],
         4: [("X", 3), ("S", 6)], 5: [("P", 4), ("V", 6)], 6: [("E", None)]}


def reber(rng: random.Random) -> str:
    """One string of the (plain) Reber grammar."""
    state, out = 0, []
    while state is not None:
        symbol, state = rng.choice(REBER[state])
        out.append(symbol)
    return "".join(out)


def embedded_reber(rng: random.Random) -> str:
    """B T <reber> T E or B P <reber> P E."""
    wrap = rng.choice("TP")
    return f"B{wrap}{reber(rng)}{wrap}E"


def is_reber(s: str) -> bool:
    state = 0
    for i, ch in enumerate(s):
        if state is None:
            return False
        nxt = dict(REBER[state]).get(ch, -1)
        if nxt == -1:
            return False
        state = nxt
        if state is None:
            return i == len(s) - 1
    return False


def is_embedded_reber(s: str) -> bool:
    """Whether s is a string of the embedded Reber grammar."""
    return len(s) >= 9 and s[0] == "B" and s[1] in "TP" and s[-2] == s[1] and s[-1] == "E" and is_reber(s[2:-2])


@lru_cache(maxsize=8)
def corpus(n_strings: int = 3000, seed: int = 0) -> str:
    """n_strings embedded Reber strings, one per line. Made once per (n_strings, seed): the char
    page reads it on every run (a string: every caller gets the same one, none can change it)."""
    rng = random.Random(seed)
    return "\n".join(embedded_reber(rng) for _ in range(n_strings)) + "\n"
