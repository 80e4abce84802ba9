"""A page's config -> the standalone script that reproduces its experiment outside the app.

Each page's script is a real file in examples/, run as it is from the repository (`python
examples/gates.py`) and linted. script(config) returns it standalone (torch, numpy, the
standard library): its settings rewritten from the config, and each engine module it imports
`# inlined when exported` replaced by the source of what it reads there (`gates.sample` ->
`sample`) and of what that reads in turn. So the code a learner downloads is the code the app
runs, written once; tests/test_export.py runs each script and compares its loss with the engine's.

Where a change goes:
- a new page's script: examples/<page>.py (between SETTINGS and END a `NAME = value  # why`
  line for every field of the page's config, NAME the field in capitals, a nested config's
  fields flattened in; `from rnnviz import <module>  # inlined when exported`) and one line
  in SCRIPTS; a setting whose NAME the engine already uses (tasks.SYMBOLS): Script.rename.
- an engine object a script reads: keep it self-contained (torch, numpy, the standard library,
  other engine objects that are); script() raises NotInlinable naming the one that is not
  (the app's words in rnnviz.i18n never are): give the engine a core with plain arguments.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from rnnviz import charlm, gates, sincos, sine, unrolling

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MARK = "# inlined when exported"  # on `from rnnviz import gates`: what the script reads there is written in
HERE = "(not exported)"  # ends a line the example needs only in the repository (the way to its rnnviz)
SETTINGS, END = "# --- settings ---", "# --- end of settings ---"
NEVER = ("rnnviz.i18n", "rnnviz.ui")  # the app's words and widgets: never part of a script


class NotInlinable(ValueError):
    """An engine name a script reads that cannot be written out flat: it is not self-contained."""


@dataclass(frozen=True)
class Script:
    file: str  # in examples/
    rename: dict[str, str] = field(default_factory=dict)  # NAME -> the script's name where the engine has NAME


SCRIPTS = {
    unrolling.HelloConfig: Script("hello.py"),
    sine.SineConfig: Script("sine.py"),
    sincos.SinCosConfig: Script("sincos.py"),
    gates.GateConfig: Script("gates.py", {"SYMBOLS": "N_SYMBOLS"}),
    charlm.CharConfig: Script("char.py"),
}


def script(config, prefixes: tuple[str, ...] = ()) -> str:
    """The standalone script of config's experiment; prefixes: what the char model writes from."""
    page = SCRIPTS.get(type(config))
    if page is None:
        raise TypeError(f"no script for {type(config).__name__}; one of {', '.join(t.__name__ for t in SCRIPTS)}")
    values = settings(config) | ({"PREFIXES": tuple(prefixes)} if isinstance(config, charlm.CharConfig) else {})
    values = {page.rename.get(name, name): value for name, value in values.items()}
    return standalone(fill((EXAMPLES / page.file).read_text(encoding="utf-8"), values))


# ---------------------------------------------------------------- the settings block


def settings(config) -> dict[str, object]:
    """NAME -> value for every field of config, a nested config's fields flattened in (named
    PARENT_FIELD where the plain name is taken)."""
    top, values = {f.name.upper() for f in fields(config)}, {}
    for f, value in ((f, getattr(config, f.name)) for f in fields(config)):
        values |= {(g.name if g.name.upper() not in top else f"{f.name}_{g.name}").upper(): getattr(value, g.name)
                   for g in fields(value)} if is_dataclass(value) else {f.name.upper(): value}
    return values


def settings_block(source: str) -> tuple[str, str, str]:
    """A script cut at its settings block: before (with SETTINGS), the block, after (from END)."""
    head, marker, rest = source.partition(SETTINGS + "\n")
    block, end, tail = rest.partition(END)
    if not marker or not end:
        raise ValueError(f"a script needs its settings between {SETTINGS!r} and {END!r}")
    return head + marker, block, end + tail


def fill(source: str, values: dict[str, object]) -> str:
    """The script with each `NAME = value  # why` line of its settings block set to values[NAME]."""
    head, block, tail = settings_block(source)
    left, lines = dict(values), []
    for line in block.splitlines():
        m = re.fullmatch(r"(\w+) = .*?(  # .*)?", line)
        lines.append(f"{m[1]} = {left.pop(m[1])!r}{m[2] or ''}" if m and m[1] in left else line)
    if left:
        raise KeyError(f"the settings block has no line for {', '.join(sorted(left))}")
    return head + "\n".join(lines) + "\n" + tail


# ---------------------------------------------------------------- writing the engine's objects in


@dataclass(frozen=True)
class Module:
    """A module as inlining reads it."""

    lines: list[str]
    defined: dict[str, ast.stmt]  # its top-level definitions
    imported: dict[str, tuple[str, str | None]]  # name -> (module, its name there; None: the module)
    engine: dict[str, str]  # `from rnnviz import cells`: cells -> rnnviz.cells, read as cells.X


def parse(source: str) -> Module:
    defined, imported, engine = {}, {}, {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):  # NAME = ..., A, B = ..., NAME: T = ...
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined |= {n.id: node for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Import):
            imported |= {a.asname or a.name: (a.name, None) for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for a in node.names:  # from rnnviz import cells: an engine module; from torch import nn: a name
                whole = isinstance(getattr(importlib.import_module(node.module), a.name, None), ModuleType)
                (engine if whole and node.module.startswith("rnnviz") else imported)[a.asname or a.name] = \
                    f"{node.module}.{a.name}" if whole and node.module.startswith("rnnviz") else (node.module, a.name)
    return Module(source.splitlines(), defined, imported, engine)


@cache
def module(name: str) -> Module:
    return parse(Path(importlib.import_module(name).__file__).read_text(encoding="utf-8"))


def reads(node: ast.AST, mod: Module) -> tuple[list[tuple[str, str]], set[str]]:
    """What node reads of its module: (engine module, name) pairs, and the names its annotations
    alone read (never evaluated: the script imports annotations from __future__)."""
    annotations = {id(a) for n in ast.walk(node) for ann in (getattr(n, "returns", None), getattr(n, "annotation", None))
                   if ann is not None for a in ast.walk(ann)}
    local = {n.arg for n in ast.walk(node) if isinstance(n, ast.arg)}  # a local named as a global hides it
    local |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    found = []
    for n in ast.walk(node):
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in mod.engine:
            found.append((mod.engine[n.value.id], n.attr))  # cells.set_gate_bias
        elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in local | mod.engine.keys() \
                and id(n) not in annotations and (n.id in mod.defined or n.id in mod.imported):
            found.append(("", n.id))
    return found, {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) in annotations}


class Inliner:
    """The engine objects a script reads, with everything they read, and the imports they need."""

    def __init__(self):
        self.code: dict[str, str] = {}  # name -> its source
        self.where: dict[str, str] = {}  # name -> its engine module
        self.imports: dict[str, tuple[str, str | None]] = {}  # name -> (module, its name there, or None)
        self.path: list[str] = []  # what is being written in, and for what: NotInlinable says it

    def add(self, modname: str, name: str) -> None:
        mod = module(modname)
        source, there = mod.imported.get(name, ("", ""))
        if source.startswith("rnnviz"):  # from rnnviz.data.tasks import Batch
            self.add(source, there)
        elif source:  # from torch import nn
            self.imports[name] = (source, there)
        elif self.where.get(name, modname) != modname:
            raise NotInlinable(f"{name} is both {self.where[name]}.{name} and {modname}.{name}")
        elif name not in self.where:
            self._define(mod, modname, name)

    def _define(self, mod: Module, modname: str, name: str) -> None:
        if name not in mod.defined or modname.startswith(NEVER):
            raise NotInlinable(f"{modname}.{name} (read by {' <- '.join(reversed(self.path)) or 'the script'}) "
                               "is not a self-contained engine object")
        self.where[name], node = modname, mod.defined[name]
        self.path.append(f"{modname}.{name}")
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        while start and mod.lines[start - 1].lstrip().startswith("#"):  # with the comment right above it
            start -= 1
        text = "\n".join(mod.lines[start:node.end_lineno])
        found, annotated = reads(node, mod)
        for other, read in found:
            if read != name:
                self.add(other or modname, read)
        for read in annotated:  # Tensor: imported, so a linter reads the script clean; no engine code
            if not mod.imported.get(read, ("rnnviz", ""))[0].startswith("rnnviz"):
                self.add(modname, read)
        for alias in mod.engine:  # cells.set_gate_bias -> set_gate_bias
            text = re.sub(rf"(?<![\w.]){alias}\.(\w+)", r"\1", text)
        if text not in self.code.values():  # A, B = ...: one statement for both
            self.code[name] = text
        self.path.pop()

    def depth(self, modname: str) -> int:  # 1 + the deepest inlined module it imports (the engine has no cycles)
        below = {m for m, _ in module(modname).imported.values()} | set(module(modname).engine.values())
        return 1 + max((self.depth(m) for m in below & set(self.where.values())), default=0)

    def ordered(self) -> list[str]:
        """The sources in an order that runs: a module after those it imports, each in its own order."""
        key = {n: (self.depth(m), m, module(m).defined[n].lineno) for n, m in self.where.items() if n in self.code}
        return [self.code[name] for name in sorted(self.code, key=key.get)]


def standalone(source: str) -> str:
    """source with its `# inlined when exported` engine modules written in: the objects it reads
    there right after its settings block (so the settings still open the script), the imports
    they need joining its own in one block."""
    example, tree = parse(source), ast.parse(source)
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    marked = {a.asname or a.name for n in imports if MARK in "\n".join(example.lines[n.lineno - 1:n.end_lineno])
              for a in n.names}
    inliner = Inliner()
    for modname, name in [r for r in reads(tree, example)[0] if r[0] in {example.engine[m] for m in marked}]:
        inliner.add(modname, name)
    if hidden := {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} & set(
            inliner.code):
        raise NotInlinable(f"the script's own names hide the engine's: {sorted(hidden)}")
    body = "\n".join(line for line in example.lines[imports[-1].end_lineno:] if not line.endswith(HERE)) + "\n"
    for alias in marked:
        body = re.sub(rf"(?<![\w.]){alias}\.(\w+)", r"\1", body)
    modules, engine = ", ".join(sorted(set(inliner.where.values()))), "\n\n\n".join(inliner.ordered())
    body = body.replace(END + "\n", f"{END}\n\n\n# {'-' * 16} the app's own code ({modules}), as it runs there\n"
                        f"{engine}\n\n\n", 1)
    read, top = {n.id for n in ast.walk(ast.parse(body)) if isinstance(n, ast.Name)}, example.lines[:imports[0].lineno - 1]
    block = import_block(example.imported | inliner.imports, read)
    return "\n".join(top).rstrip() + f"\n\nfrom __future__ import annotations\n\n{block}\n\n{body.lstrip()}"


def import_block(imported: dict[str, tuple[str, str | None]], read: set[str]) -> str:
    """The imports of the names read: the standard library's, then the others'; in each,
    `import m` before `from m import ...`, by module (as ruff's isort sorts them)."""
    groups = {True: ([], {}), False: ([], {})}  # stdlib? -> (import m, {m: names})
    for name, (m, there) in sorted(imported.items()):
        plain, froms = groups[m.split(".")[0] in sys.stdlib_module_names]
        if name in read and there is None:
            plain.append(m if name == m else f"{m} as {name}")
        elif name in read:
            froms.setdefault(m, []).append(there if there == name else f"{there} as {name}")
    return "\n\n".join("\n".join([f"import {m}" for m in sorted(plain)] +
                                  [f"from {m} import {', '.join(sorted(froms[m]))}" for m in sorted(froms)])
                        for plain, froms in groups.values() if plain or froms)
