"""A page's config -> the standalone script that reproduces its experiment outside the app.

Each page's script is a real file in examples/, runnable as it is from the repository
(`python examples/gates.py`) and linted with the rest. script(config) returns it standalone,
needing only torch and numpy: the values between its SETTINGS and END lines rewritten from
the config, and each import marked `# inlined when exported` replaced by the engine objects'
own source (inspect.getsource), with the engine objects and imports they use in turn. So the
code a learner downloads is the code the app runs, written once; tests/test_export.py runs
every exported script and compares its loss with the engine's.

Where a change goes:
- a new page's script: examples/<page>.py (a settings block with a `NAME = value  # why` line
  for every field of the page's config, NAME the field in capitals, a nested config's fields
  flattened in; engine imports marked `# inlined when exported`) and one line in SCRIPTS;
- a setting the engine's name takes (tasks.SYMBOLS vs GateConfig.symbols): Script.rename;
- an engine object a script imports: keep it self-contained (torch, numpy, the standard
  library, other self-contained engine objects); script() raises NotInlinable on one that is
  not (it says which name), and the smallest fix is a core with plain arguments in the engine.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from rnnviz import charlm, gates, sincos, sine, unrolling

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MARK = "# inlined when exported"  # on an engine import: its objects' source takes its place
HERE = "(not exported)"  # on a line the example needs only in the repository (finding its rnnviz)
SETTINGS, END = "# --- settings ---", "# --- end of settings ---"
NEVER = ("rnnviz.i18n", "rnnviz.ui")  # the app's words and widgets: never part of a script


class NotInlinable(ValueError):
    """An engine name a script imports that cannot be written out flat (it is not self-contained)."""


@dataclass(frozen=True)
class Script:
    """A page's script: its file in examples/, and settings named otherwise than FIELD."""

    file: str
    rename: dict[str, str] = field(default_factory=dict)  # NAME -> the script's name for it


SCRIPTS = {
    unrolling.HelloConfig: Script("hello.py"),
    sine.SineConfig: Script("sine.py"),
    sincos.SinCosConfig: Script("sincos.py"),
    gates.GateConfig: Script("gates.py", {"SYMBOLS": "N_SYMBOLS"}),
    charlm.CharConfig: Script("char.py"),
}


def script(config, prefixes: tuple[str, ...] = ()) -> str:
    """The source of a standalone script (torch, numpy) that reproduces config's experiment;
    prefixes: what the char model writes from after every epoch (the page's)."""
    page = SCRIPTS.get(type(config))
    if page is None:
        raise TypeError(f"no script for {type(config).__name__}; expected one of "
                        f"{', '.join(t.__name__ for t in SCRIPTS)}")
    values = settings(config) | ({"PREFIXES": tuple(prefixes)} if isinstance(config, charlm.CharConfig) else {})
    values = {page.rename.get(name, name): value for name, value in values.items()}
    return standalone(fill((EXAMPLES / page.file).read_text(encoding="utf-8"), values))


# ---------------------------------------------------------------- the settings block


def settings(config) -> dict[str, object]:
    """NAME -> value for every field of config; a nested config's fields flattened in (named
    PARENT_FIELD where the plain name is taken)."""
    top = {f.name.upper() for f in fields(config)}
    values: dict[str, object] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        if not is_dataclass(value):
            values[f.name.upper()] = value
            continue
        for g in fields(value):
            name = g.name.upper()
            values[name if name not in top else f"{f.name}_{g.name}".upper()] = getattr(value, g.name)
    return values


def settings_block(source: str) -> tuple[str, str, str]:
    """A script's source cut at its settings block: before, the block, after."""
    head, marker, rest = source.partition(SETTINGS + "\n")
    block, end, tail = rest.partition(END)
    if not marker or not end:
        raise ValueError(f"a script needs its settings between {SETTINGS!r} and {END!r}")
    return head + marker, block, end + tail


def fill(source: str, values: dict[str, object]) -> str:
    """The script with each `NAME = value  # why` line of its settings block set to values[NAME]."""
    head, block, tail = settings_block(source)
    left = dict(values)
    lines = []
    for line in block.splitlines():
        m = re.fullmatch(r"(\w+) = .*?(  # .*)?", line)
        if m and m[1] in left:
            line = f"{m[1]} = {left.pop(m[1])!r}{m[2] or ''}"
        lines.append(line)
    if left:
        raise KeyError(f"the settings block has no line for {', '.join(sorted(left))}")
    return head + "\n".join(lines) + "\n" + tail


# ---------------------------------------------------------------- inlining the engine's objects


@dataclass(frozen=True)
class Module:
    """What inlining needs to know of an engine module: its lines, its top-level definitions
    (name -> node), and what its imports bind (name -> (module, name there or None for a module))."""

    lines: list[str]
    defined: dict[str, ast.stmt]
    imported: dict[str, tuple[str, str | None]]


@cache
def module(name: str) -> Module:
    source = inspect.getsource(importlib.import_module(name))
    defined: dict[str, ast.stmt] = {}
    imported: dict[str, tuple[str, str | None]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined[node.name] = node
        elif isinstance(node, ast.Assign):  # NAME = ..., or A, B = ...
            defined |= {n.id: node for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined[node.target.id] = node
        elif isinstance(node, ast.Import):
            imported |= {a.asname or a.name.split(".")[0]: (a.name if a.asname else a.name.split(".")[0], None)
                         for a in node.names}  # import numpy as np: np -> ("numpy", None)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            for a in node.names:  # from rnnviz import cells: the engine module, read by attribute
                engine_module = node.module.startswith("rnnviz") and isinstance(
                    getattr(importlib.import_module(node.module), a.name, None), ModuleType)
                imported[a.asname or a.name] = (f"{node.module}.{a.name}", None) if engine_module else (node.module, a.name)
    return Module(source.splitlines(), defined, imported)


def _used(node: ast.stmt) -> tuple[list[ast.expr], set[str]]:
    """The names and attribute reads in a definition; and the names its annotations alone read
    (the scripts import annotations from __future__: never evaluated, so no engine code for them)."""
    annotations = set()
    for n in ast.walk(node):
        for ann in ([n.returns] if isinstance(n, ast.FunctionDef) else []) + \
                   ([n.annotation] if isinstance(n, (ast.arg, ast.AnnAssign)) else []):
            if ann is not None:
                annotations |= {id(a) for a in ast.walk(ann)}
    local = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    local |= {n.arg for n in ast.walk(node) if isinstance(n, ast.arg)}  # (a local named as a global hides it)
    read = [n for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Attribute)) and id(n) not in annotations
            and isinstance(n.ctx, ast.Load) and getattr(n, "id", None) not in local]
    return read, {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and id(n) in annotations}


class Inliner:
    """The engine objects a script imports, with everything they use, in an order that runs."""

    def __init__(self):
        self.code: dict[str, str] = {}  # name -> its source, dependencies first
        self.where: dict[str, str] = {}  # name -> the engine module it comes from
        self.imports: dict[str, tuple[str, str | None]] = {}  # name -> what the script must import
        self.uses: dict[str, set[str]] = {}  # engine module -> the engine modules its inlined code reads
        self.path: list[str] = []  # what is being inlined, and for what: the error says it

    def ordered(self) -> list[str]:
        """The inlined sources in an order that runs: each module's in its own order (it runs
        top-down), after the modules it reads (the engine's imports have no cycles)."""
        done: list[str] = []

        def visit(modname: str) -> None:
            for other in sorted(self.uses.get(modname, set()) - {modname}):
                if other not in done:
                    visit(other)
            if modname not in done:
                done.append(modname)

        for modname in sorted(set(self.where.values())):
            visit(modname)
        line = {name: module(self.where[name]).defined[name].lineno for name in self.code}
        return [self.code[name] for name in sorted(self.code, key=lambda n: (done.index(self.where[n]), line[n]))]

    def add(self, modname: str, name: str) -> None:
        mod = module(modname)
        if name in mod.imported:
            source, there = mod.imported[name]
            if not source.startswith("rnnviz"):
                self.imports[name] = (source, there)
            elif there == name:
                self.uses.setdefault(modname, set()).add(source)
                self.add(source, there)
            else:
                raise NotInlinable(f"{modname}.{name} is an engine module or a renamed import")
            return
        if self.where.get(name, modname) != modname:
            raise NotInlinable(f"{name} is both {self.where[name]}.{name} and {modname}.{name}")
        if name in self.where:
            return
        if name not in mod.defined or modname.startswith(NEVER):
            raise NotInlinable(f"{modname}.{name} (needed by {' <- '.join(reversed(self.path)) or 'the script'}) "
                               "is not a self-contained engine object")
        self.where[name] = modname
        self.path.append(f"{modname}.{name}")
        node = mod.defined[name]
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        while start and mod.lines[start - 1].lstrip().startswith("#"):  # the comment right above it
            start -= 1
        text = "\n".join(mod.lines[start:node.end_lineno])
        read, annotated = _used(node)
        for name_read in annotated:  # e.g. Tensor: imported, so a linter reads the script clean
            if not mod.imported.get(name_read, ("rnnviz", ""))[0].startswith("rnnviz"):
                self.add(modname, name_read)
        for used in read:
            if isinstance(used, ast.Name) and used.id != name and (used.id in mod.defined or used.id in mod.imported):
                if mod.imported.get(used.id, ("", ""))[1] is None and mod.imported[used.id][0].startswith("rnnviz"):
                    continue  # an engine module read by attribute: its attribute is inlined below
                self.add(modname, used.id)
            elif isinstance(used, ast.Attribute) and isinstance(used.value, ast.Name):
                source, there = mod.imported.get(used.value.id, ("", ""))
                if there is None and source.startswith("rnnviz"):  # cells.set_gate_bias -> set_gate_bias
                    self.uses.setdefault(modname, set()).add(source)
                    self.add(source, used.attr)
                    text = re.sub(rf"\b{used.value.id}\.{used.attr}\b", used.attr, text)
        if text not in self.code.values():  # A, B = ...: one statement for both
            self.code[name] = text
        self.path.pop()


def standalone(source: str) -> str:
    """source with each `# inlined when exported` import replaced by the engine objects it
    names (right after the settings block, so the settings still open the script), their
    imports joining the script's own (one block, sorted as ruff's isort sorts it)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    inliner, imports = Inliner(), [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    marked = [n for n in imports if MARK in "\n".join(lines[n.lineno - 1:n.end_lineno])]
    if not marked:
        return source
    read_from: dict[str, str] = {}  # `from rnnviz import gates`: gates -> rnnviz.gates, its gates.X read as X
    for node in marked:
        for a in node.names:
            if isinstance(getattr(importlib.import_module(node.module), a.name), ModuleType):
                read_from[a.asname or a.name] = f"{node.module}.{a.name}"
            else:
                inliner.add(node.module, a.name)
    attributes = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)]
    for n in attributes:
        if n.value.id in read_from:
            inliner.add(read_from[n.value.id], n.attr)
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    if taken & set(inliner.code):
        raise NotInlinable(f"the script's own names hide the engine's: {sorted(taken & set(inliner.code))}")
    bound = dict(inliner.imports)  # name -> (module, name there, or None: the module itself)
    for node in imports:
        if node not in marked and getattr(node, "module", "") != "__future__":
            bound |= {a.asname or a.name: (a.name, None) if isinstance(node, ast.Import) else (node.module, a.name)
                      for a in node.names}
    body = "\n".join(line for line in lines[imports[-1].end_lineno:] if not line.endswith(HERE)) + "\n"
    for alias in read_from:
        body = re.sub(rf"(?<![\w.]){alias}\.(\w+)", lambda m: m[1] if m[1] in inliner.where else m[0], body)
    head, block, tail = settings_block(body)
    modules = ", ".join(sorted(set(inliner.where.values())))
    engine = "\n\n\n".join(inliner.ordered())
    tail = tail.replace(END + "\n", f"{END}\n\n\n# {'-' * 16} the app's own code ({modules}), as it runs there\n"
                        f"{engine}\n\n\n", 1)
    rest = head + block + tail
    read = {n.id for n in ast.walk(ast.parse(rest)) if isinstance(n, ast.Name)}
    top = "\n".join(lines[:imports[0].lineno - 1]).rstrip("\n")
    return f"{top}\n\nfrom __future__ import annotations\n\n{import_block(bound, read)}\n\n{rest.lstrip()}"


def import_block(bound: dict[str, tuple[str, str | None]], read: set[str]) -> str:
    """The import statements for the names read: the standard library's, then the others';
    in each, `import m` before `from m import ...`, sorted by module (as ruff's isort)."""
    plain: dict[bool, set[str]] = {True: set(), False: set()}
    froms: dict[tuple[bool, str], set[str]] = {}
    for name, (module_name, there) in bound.items():
        if name not in read:
            continue
        stdlib = module_name.split(".")[0] in sys.stdlib_module_names
        if there is None:
            plain[stdlib].add(module_name if name == module_name else f"{module_name} as {name}")
        else:
            froms.setdefault((stdlib, module_name), set()).add(there if there == name else f"{there} as {name}")
    groups = []
    for stdlib in (True, False):
        group = [f"import {m}" for m in sorted(plain[stdlib])]
        group += [f"from {m} import {', '.join(sorted(names))}"
                  for (std, m), names in sorted(froms.items()) if std == stdlib]
        groups += ["\n".join(group)] if group else []
    return "\n\n".join(groups)
