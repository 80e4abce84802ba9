"""Standalone PyTorch scripts that reproduce each page's experiment outside the app.

script(config) returns the source of a script that needs only torch (and numpy): the same
data, model, optimiser, schedule, clipping and seeding as the engine, so on the same machine
it prints the same loss history as the page, ending with `final loss: <value>`. The config's
values open the script as plain constants, each with its field's one-line reason, so a
learner can edit them. Every script is a template: constants on top, the engine's code
below, written out flat (no rnnviz import). tests/test_export.py runs each one against the
engine and compares the final loss.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import fields, is_dataclass
from string import Template

from rnnviz import unrolling

# ---------------------------------------------------------------- the settings block


def _reasons(cls: type) -> dict[str, str]:
    """Each field's one-line reason: the comment after it in the dataclass's source."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):  # no source (a frozen build): the constants go without reasons
        return {}
    found = re.findall(r"^\s+(\w+):[^=\n]*=[^#\n]*#\s*(.+)$", source, flags=re.MULTILINE)
    return {name: reason.strip() for name, reason in found}


def _settings(cfg, choices: dict[str, tuple] | None = None, extra: tuple = ()) -> str:
    """The config as `NAME = value  # reason` lines; a nested config's fields flattened in
    (named PARENT_FIELD when the plain name is taken); extra: (NAME, value, reason) lines."""
    choices = choices or {}
    rows: list[tuple[str, object, str]] = []
    top = {f.name.upper() for f in fields(cfg)}
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        if is_dataclass(value):
            inner = _reasons(type(value))
            for g in fields(value):
                name = g.name.upper() if g.name.upper() not in top else f"{f.name}_{g.name}".upper()
                rows.append((name, getattr(value, g.name), inner.get(g.name, "")))
            continue
        reason = _reasons(type(cfg)).get(f.name, "")
        if f.name in choices:  # the engine's name for the choices means nothing outside it: list them
            listed = "one of " + ", ".join(map(repr, choices[f.name]))
            reason, named = re.subn(r"one of [A-Z_]+", listed, reason)
            reason = reason if named else f"{reason}; {listed}".lstrip("; ")
        rows.append((f.name.upper(), value, reason))
    rows += list(extra)
    lines = [f"{name} = {value!r}" + (f"  # {reason}" if reason else "") for name, value, reason in rows]
    return "\n".join(lines)


def _fill(template: Template, title: str, settings: str) -> str:
    return template.substitute(title=title, settings=settings)


THREADS_NOTE = ("# One thread, as the app: small recurrent models run fastest on one, and the sums inside\n"
                "# each matrix product then add up in the same order, so the numbers match the page's.")

# ---------------------------------------------------------------- hello -> ohlol

_HELLO = Template(r'''"""$title

The "RNN unrolling" page's toy task, outside the app: read "hello", emit "ohlol", one letter
per step, trained with Adam on the one sequence. Needs only torch: python this_file.py
On the same machine and torch version it prints the same losses as the page.
"""

import torch
from torch import nn

# ---------------------------------------------------------------- settings (the page's; edit them)
$settings

''' + THREADS_NOTE + r'''
torch.set_num_threads(1)


def encode(text):
    """Letters -> their indices in CHARS: (T,)."""
    return torch.tensor([CHARS.index(c) for c in text])


class HelloTagger(nn.Module):
    """The notes' three models behind one interface: letters (T,) -> logits (T, 4)."""

    def __init__(self, variant):
        super().__init__()
        self.variant = variant
        n = len(CHARS)
        if variant == "cell":
            self.rnn = nn.RNNCell(n, n)  # hidden 4: the hidden state is the output
        elif variant == "rnn":
            self.rnn = nn.RNN(n, n)
        elif variant == "embed":
            self.emb = nn.Embedding(n, 10)
            self.rnn = nn.RNN(10, 8, num_layers=2, batch_first=True)
            self.fc = nn.Linear(8, n)
        else:
            raise ValueError(f"unknown variant {variant!r}")

    def rnn_input(self, letters):
        """What the recurrent module reads: one-hot (T, 1, 4), or embeddings (1, T, 10)."""
        if self.variant == "embed":
            return self.emb(letters).unsqueeze(0)
        return nn.functional.one_hot(letters, len(CHARS)).float().unsqueeze(1)

    def forward(self, letters):
        x = self.rnn_input(letters)
        if self.variant == "cell":
            h = torch.zeros(1, self.rnn.hidden_size)
            hs = []
            for x_t in x:  # (1, 4)
                h = self.rnn(x_t, h)
                hs.append(h)
            return torch.cat(hs)  # (T, 4)
        out, _ = self.rnn(x)
        return self.fc(out[0]) if self.variant == "embed" else out[:, 0]  # (T, 4)


def predict(model, text):
    with torch.no_grad():
        return "".join(CHARS[i] for i in model(encode(text)).argmax(-1))


torch.manual_seed(SEED)  # the weights depend on the seed only
model = HelloTagger(VARIANT)
x, y = encode(TEXT_IN), encode(TEXT_OUT)
opt = torch.optim.Adam(model.parameters(), lr=LR)
reduction = "sum" if VARIANT == "cell" else "mean"  # the notes: summed over steps for the RNNCell loop

for epoch in range(1, EPOCHS + 1):  # one epoch = one step on the single sequence
    model.train()
    opt.zero_grad(set_to_none=True)
    loss = nn.functional.cross_entropy(model(x), y, reduction=reduction)
    loss.backward()
    opt.step()
    model.eval()
    print(f"epoch {epoch:3d}  loss {loss.item():.6f}  predicted {predict(model, TEXT_IN)}")

print(f"final loss: {loss.item()}")
''')


def hello_script(cfg: unrolling.HelloConfig) -> str:
    """The hello -> ohlol experiment as a standalone script."""
    extra = (("CHARS", unrolling.HELLO_CHARS, "the notes' idx2char"),
             ("TEXT_IN", unrolling.HELLO_IN, "what the model reads"),
             ("TEXT_OUT", unrolling.HELLO_OUT, "what it should emit, one letter per step"))
    settings = _settings(cfg, {"variant": tuple(unrolling.VARIANTS)}, extra)
    return _fill(_HELLO, "hello -> ohlol: a standalone reproduction of rnnviz's experiment.", settings)


# ---------------------------------------------------------------- dispatch

_BY_TYPE = {unrolling.HelloConfig: hello_script}


def script(config) -> str:
    """The source of a standalone script (torch, numpy) that reproduces config's experiment."""
    make = _BY_TYPE.get(type(config))
    if make is None:
        raise TypeError(f"no script for {type(config).__name__}; expected one of "
                        f"{', '.join(t.__name__ for t in _BY_TYPE)}")
    return make(config)


__all__ = ["script"]
