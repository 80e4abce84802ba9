"""The exported scripts reproduce the engine: run each one in a fresh interpreter and compare
its final loss with the last Snapshot of the engine's own training on the same config. The
examples they are made from run as they are in the repository, with the pages' defaults."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from rnnviz import charlm, export, gates, sincos, sine, unrolling
from rnnviz.data import grammar
from rnnviz.data.sine import SeriesConfig
from rnnviz.export import script

RTOL = 1e-4  # on one machine they agree to the last bit; room for an engine run with RNNVIZ_THREADS > 1
TIMEOUT = 120  # seconds per script


def run(source: str, tmp_path: Path, *args: str) -> tuple[float, str]:
    """Run a script in a subprocess; its final loss and its whole output."""
    path = tmp_path / "experiment.py"
    path.write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path), *args], check=False, capture_output=True, text=True,
                          timeout=TIMEOUT, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    found = re.findall(r"^final loss: (\S+)$", done.stdout, flags=re.MULTILINE)
    assert found, done.stdout[-2000:]
    assert done.stdout.rstrip().splitlines()[-1].startswith("final loss: ")
    return float(found[-1]), done.stdout


def engine_loss(snapshots) -> float:
    last = None
    for last in snapshots:
        pass
    assert last is not None and not last.stopped
    return last.loss


@pytest.mark.parametrize("variant", sorted(unrolling.VARIANTS))
def test_hello_script_matches_engine(variant, tmp_path):
    cfg = replace(unrolling.HelloConfig(), variant=variant, lr=unrolling.LR_OF_VARIANT[variant], epochs=6)
    ours, out = run(script(cfg), tmp_path)
    snapshots = list(unrolling.train_hello(cfg, unrolling.hello_model(cfg)))
    assert ours == pytest.approx(engine_loss(snapshots), rel=RTOL)
    # the script prints the page's printout, line for line (the notes' format)
    printed = [line for line in out.splitlines() if line.startswith("Predicted")]
    assert printed == [unrolling.printout_line(variant, s.info["predicted"], s.step, cfg.epochs, s.loss) for s in snapshots]


SINE_CASES = {
    "fast, every kind": replace(sine.SineConfig(), kinds=("MyRNN", "RNN", "LSTM", "GRU"), steps=40),
    "tutorial, one ordered pass": replace(sine.SineConfig(), recipe="tutorial", lr=0.01, steps=310, kinds=("MyRNN", "GRU")),
    "FAQ, ordered passes": replace(sine.SineConfig(), recipe="epochs", lr=0.01, steps=350, kinds=("LSTM",)),
    "FAQ, random windows": replace(sine.SineConfig(), recipe="random", lr=0.01, steps=150, kinds=("MyRNN", "GRU")),
    "gaussian noise, other seeds": replace(sine.SineConfig(), series=SeriesConfig(noise_kind="gaussian", seed=3),
                                           seed=5, steps=30),
}


@pytest.mark.parametrize("case", sorted(SINE_CASES))
def test_sine_script_matches_engine(case, tmp_path):
    cfg = SINE_CASES[case]
    ours, _ = run(script(cfg), tmp_path)
    assert ours == pytest.approx(engine_loss(sine.build(cfg)[1]), rel=RTOL)


def test_sincos_script_matches_engine(tmp_path):
    cfg = replace(sincos.SinCosConfig(), steps=40, seed=4)
    ours, out = run(script(cfg), tmp_path)
    assert ours == pytest.approx(engine_loss(sincos.build(cfg)[1]), rel=RTOL)
    assert "state carried: MSE" in out and "state reset: MSE" in out


GATE_CASES = {
    "memory, LSTM, stops early when solved": gates.GateConfig(),
    "memory, vanilla RNN": replace(gates.GateConfig(), kind="RNN", steps=30, seed=3),
    "counting, GRU": replace(gates.GateConfig(), task="counting", kind="GRU", steps=30),
    "sine, LSTM": replace(gates.GateConfig(), task="sine", steps=20),
    "replace, GRU (its update bias)": replace(gates.GateConfig(), task="replace", kind="GRU", steps=30, seed=2),
}


@pytest.mark.parametrize("case", sorted(GATE_CASES))
def test_gates_script_matches_engine(case, tmp_path):
    cfg = GATE_CASES[case]
    ours, out = run(script(cfg), tmp_path)
    snaps = list(gates.build(cfg)[1])
    assert ours == pytest.approx(engine_loss(snaps), rel=RTOL)
    assert f"step {snaps[-1].step:5d}" in out  # stopped at the same step
    assert ("stopped early" in out) == ("done" in snaps[-1].info)


CHAR_CASES = {
    "GRU, random sampling, dropout, a prefix": (charlm.CharConfig(), ("B",)),
    "2-layer LSTM, embedding, consecutive sampling": (
        replace(charlm.CharConfig(), kind="LSTM", embedding=8, num_layers=2, sampling="consecutive", epochs=2), ()),
    "RNN, the chapter's SGD": (
        replace(charlm.CharConfig(), kind="RNN", optimizer="sgd", lr=charlm.SGD_LR, clip=0.01, dropout=0.0, epochs=2), ("BT",)),
    "early stopping keeps the best epoch": (replace(charlm.CharConfig(), epochs=12, patience=1, lr=0.05), ()),
    "the chapter's recipe, final weights": (replace(charlm.CHAPTER, hidden_size=32, epochs=5, print_every=2), ("BT",)),
}


@pytest.mark.parametrize("case", sorted(CHAR_CASES))
def test_char_script_matches_engine(case, tmp_path):
    cfg, prefixes = CHAR_CASES[case]
    text = grammar.corpus(400)  # a short Reber text: a few seconds per run
    (tmp_path / "reber.txt").write_bytes(text.encode("utf-8"))
    ours, out = run(script(cfg, prefixes), tmp_path, "reber.txt")
    snaps = list(charlm.build(cfg, charlm.prepare(text, cfg.held_out), prefixes or (text[:2],))[1])
    assert ours == pytest.approx(engine_loss(snaps), rel=RTOL)
    assert (snaps[-1].step < snaps[-1].total) == ("early stopping" in case)
    assert f"step {snaps[-1].step:6d}" in out  # the same last step
    scored = [sn.info for sn in snaps if "held_ppl" in sn.info]  # each epoch's end
    best = min(scored, key=lambda info: info["held_ppl"])
    if cfg.keep == "final":
        assert f"kept the final weights (held-out perplexity {scored[-1]['held_ppl']:.3f})" in out
    else:
        assert f"kept the weights of epoch {best['epoch']} (held-out perplexity {best['held_ppl']:.3f})" in out
    printed = [info for info in scored if "samples" in info]  # the chapter's printout, the same text
    assert [int(e) for e in re.findall(r"^epoch (\d+), perplexity", out, flags=re.MULTILINE)] == [
        info["epoch"] for info in printed]
    for info in printed:
        assert f"epoch {info['epoch']}, perplexity {info['train_ppl']:f}, time " in out
        for sample in info["samples"].values():
            assert f"\n - {sample}\n" in out


def test_char_script_says_what_it_needs(tmp_path):
    path = tmp_path / "char.py"
    path.write_text(script(charlm.CharConfig()), encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], check=False, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode != 0 and "your_text.txt" in done.stderr


DEFAULTS = {"char_model.py": charlm.CharConfig(), "gates_model.py": gates.GateConfig(),
            "hello_ohlol.py": unrolling.HelloConfig(), "sine_forecasters.py": sine.SineConfig(),
            "sin_to_cos.py": sincos.SinCosConfig()}


def imported(source: str) -> set[str]:
    """The top-level packages a source imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_script_is_standalone_and_compiles(name):
    source = script(DEFAULTS[name])
    compile(source, name, "exec")
    assert not imported(source) & {"rnnviz", "streamlit"}
    assert "rnnviz" not in source.split("# --- settings ---")[0]  # not even in a comment among the imports
    # torch, numpy and the standard library: nothing else to install
    assert imported(source) - set(sys.stdlib_module_names) <= {"torch", "numpy", "__future__"}


def test_unknown_config_is_refused():
    with pytest.raises(TypeError):
        script(unrolling.UnrollConfig())


# ---------------------------------------------------------------- the examples they are made from

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {type(config): export.SCRIPTS[type(config)].file for config in DEFAULTS.values()}


def test_every_page_config_has_its_example():
    assert set(export.SCRIPTS) == {type(config) for config in DEFAULTS.values()}
    assert sorted(p.name for p in (ROOT / "examples").glob("*.py")) == sorted(EXAMPLES.values())


@pytest.mark.parametrize("config", DEFAULTS.values(), ids=sorted(DEFAULTS))
def test_an_example_holds_the_pages_defaults(config):
    """Run as it is, an example is the page's default experiment: its settings block holds the
    default config's values (and the export rewrites every one of them)."""
    page = export.SCRIPTS[type(config)]
    block = export.settings_block((ROOT / "examples" / page.file).read_text(encoding="utf-8"))[1]
    found = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(block).body}
    wanted = {page.rename.get(k, k): v for k, v in export.settings(config).items()}
    assert {k: found[k] for k in wanted} == wanted
    assert set(found) - set(wanted) <= {"PREFIXES"}


def engine_final_loss(config, text: str = "") -> float:
    if isinstance(config, unrolling.HelloConfig):
        return engine_loss(unrolling.train_hello(config, unrolling.hello_model(config)))
    if isinstance(config, charlm.CharConfig):
        return engine_loss(charlm.build(config, charlm.prepare(text, config.held_out), (text[:2],))[1])
    build = {sine.SineConfig: sine.build, sincos.SinCosConfig: sincos.build, gates.GateConfig: gates.build}
    return engine_loss(build[type(config)](config)[1])


@pytest.mark.parametrize("config", DEFAULTS.values(), ids=sorted(DEFAULTS))
def test_an_example_runs_as_it_is_from_the_repository(config, tmp_path):
    """python examples/<page>.py from the repository (rnnviz from there, not inlined): the
    page's default run, the engine's loss."""
    text = grammar.corpus(400)
    (tmp_path / "reber.txt").write_bytes(text.encode("utf-8"))
    args = [str(tmp_path / "reber.txt")] if isinstance(config, charlm.CharConfig) else []
    done = subprocess.run([sys.executable, f"examples/{EXAMPLES[type(config)]}", *args], check=False,
                          capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    found = re.findall(r"^final loss: (\S+)$", done.stdout, flags=re.MULTILINE)
    assert float(found[-1]) == pytest.approx(engine_final_loss(config, text), rel=RTOL)


def test_an_engine_object_that_is_not_self_contained_is_refused():
    """gates.build speaks through rnnviz.i18n (its Messages): a script cannot carry it."""
    source = ('"""doc."""\n\nfrom rnnviz import gates  # inlined when exported\n\n# --- settings ---\n'
              '# --- end of settings ---\nmodel, snapshots = gates.build(gates.GateConfig())\n')
    with pytest.raises(export.NotInlinable, match="rnnviz.i18n"):
        export.standalone(source)
