"""The exported scripts reproduce the engine: run each one in a fresh interpreter and compare
its final loss with the last Snapshot of the engine's own training on the same config."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from rnnviz import charlm as C
from rnnviz import gates as G
from rnnviz import sincos as SC
from rnnviz import sine as S
from rnnviz import unrolling as U
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


@pytest.mark.parametrize("variant", sorted(U.VARIANTS))
def test_hello_script_matches_engine(variant, tmp_path):
    cfg = replace(U.HelloConfig(), variant=variant, lr=U.LR_OF_VARIANT[variant], epochs=6)
    ours, out = run(script(cfg), tmp_path)
    snapshots = list(U.train_hello(cfg, U.hello_model(cfg)))
    assert ours == pytest.approx(engine_loss(snapshots), rel=RTOL)
    # the script prints the page's printout, line for line (the notes' format)
    printed = [line for line in out.splitlines() if line.startswith("Predicted")]
    assert printed == [U.printout_line(variant, s.info["predicted"], s.step, cfg.epochs, s.loss) for s in snapshots]


SINE_CASES = {
    "fast, every kind": replace(S.SineConfig(), kinds=("MyRNN", "RNN", "LSTM", "GRU"), steps=40),
    "tutorial, one ordered pass": replace(S.SineConfig(), recipe="tutorial", lr=0.01, steps=310, kinds=("MyRNN", "GRU")),
    "FAQ, ordered passes": replace(S.SineConfig(), recipe="epochs", lr=0.01, steps=350, kinds=("LSTM",)),
    "FAQ, random windows": replace(S.SineConfig(), recipe="random", lr=0.01, steps=150, kinds=("MyRNN", "GRU")),
    "gaussian noise, other seeds": replace(S.SineConfig(), series=SeriesConfig(noise_kind="gaussian", seed=3),
                                           seed=5, steps=30),
}


@pytest.mark.parametrize("case", sorted(SINE_CASES))
def test_sine_script_matches_engine(case, tmp_path):
    cfg = SINE_CASES[case]
    ours, _ = run(script(cfg), tmp_path)
    assert ours == pytest.approx(engine_loss(S.build(cfg)[1]), rel=RTOL)


def test_sincos_script_matches_engine(tmp_path):
    cfg = replace(SC.SinCosConfig(), steps=40, seed=4)
    ours, out = run(script(cfg), tmp_path)
    assert ours == pytest.approx(engine_loss(SC.build(cfg)[1]), rel=RTOL)
    assert "state carried: MSE" in out and "state reset: MSE" in out


GATE_CASES = {
    "memory, LSTM, stops early when solved": G.GateConfig(),
    "memory, vanilla RNN": replace(G.GateConfig(), kind="RNN", steps=30, seed=3),
    "counting, GRU": replace(G.GateConfig(), task="counting", kind="GRU", steps=30),
    "sine, LSTM": replace(G.GateConfig(), task="sine", steps=20),
    "replace, GRU (its update bias)": replace(G.GateConfig(), task="replace", kind="GRU", steps=30, seed=2),
}


@pytest.mark.parametrize("case", sorted(GATE_CASES))
def test_gates_script_matches_engine(case, tmp_path):
    cfg = GATE_CASES[case]
    ours, out = run(script(cfg), tmp_path)
    snaps = list(G.build(cfg)[1])
    assert ours == pytest.approx(engine_loss(snaps), rel=RTOL)
    assert f"step {snaps[-1].step:5d}" in out  # stopped at the same step
    assert ("stopped early" in out) == ("done" in snaps[-1].info)


CHAR_CASES = {
    "GRU, random sampling, dropout, a prefix": (C.CharConfig(), ("B",)),
    "2-layer LSTM, embedding, consecutive sampling": (
        replace(C.CharConfig(), kind="LSTM", embedding=8, num_layers=2, sampling="consecutive", epochs=2), ()),
    "RNN, the chapter's SGD": (
        replace(C.CharConfig(), kind="RNN", optimizer="sgd", lr=C.SGD_LR, clip=0.01, dropout=0.0, epochs=2), ("BT",)),
    "early stopping keeps the best epoch": (replace(C.CharConfig(), epochs=12, patience=1, lr=0.05), ()),
    "the chapter's recipe, final weights": (replace(C.CHAPTER, hidden_size=32, epochs=5, print_every=2), ("BT",)),
}


@pytest.mark.parametrize("case", sorted(CHAR_CASES))
def test_char_script_matches_engine(case, tmp_path):
    cfg, prefixes = CHAR_CASES[case]
    text = grammar.corpus(400)  # a short Reber text: a few seconds per run
    (tmp_path / "reber.txt").write_bytes(text.encode("utf-8"))
    ours, out = run(script(cfg, prefixes), tmp_path, "reber.txt")
    snaps = list(C.build(cfg, C.prepare(text, cfg.held_out), prefixes or (text[:2],))[1])
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
    path.write_text(script(C.CharConfig()), encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], check=False, capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode != 0 and "your_text.txt" in done.stderr


DEFAULTS = {"char_model.py": C.CharConfig(), "gates_model.py": G.GateConfig(), "hello_ohlol.py": U.HelloConfig(), "sine_forecasters.py": S.SineConfig(),
            "sin_to_cos.py": SC.SinCosConfig()}


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
    assert imported(source) <= {"torch", "numpy", "math", "random", "sys", "time", "collections", "itertools", "pathlib"}


def test_unknown_config_is_refused():
    with pytest.raises(TypeError):
        script(U.UnrollConfig())
