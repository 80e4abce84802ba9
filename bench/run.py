"""Run every benchmark in bench/ and print one JSON line per benchmark.

A benchmark is a module bench/<name>.py that defines `main(quick=False) -> dict` and, run as
a script, prints that dict as one JSON line (or, when the dict has "lines", one line each) (files starting with "_", reference_* modules
and this runner are not benchmarks). Each runs in its own subprocess by default, so one
benchmark's imports, caches and torch settings never leak into the next; `--inprocess`
imports them and calls main() instead. Each line gets "run_seconds" (wall time of that
benchmark, process start included); a failure prints {"bench", "error", "stderr_tail"}.

    python bench/run.py                 # everything
    python bench/run.py --only hello_solve --only first_view
    python bench/run.py --quick         # fewer repeats
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import json
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def discover() -> list[str]:
    names = []
    for path in sorted(BENCH.glob("*.py")):
        if path.name == "run.py" or path.name.startswith(("_", "reference_")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
            names.append(path.stem)
    return names


def _json_lines(text: str) -> list[dict]:
    """The JSON objects a benchmark printed, one per line (most print one; first_view prints a line per figure)."""
    out = []
    for line in text.strip().splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def run_subprocess(name: str, quick: bool, timeout: float) -> list[dict]:
    cmd = [sys.executable, str(BENCH / f"{name}.py")] + (["--quick"] if quick else [])
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        return [{"bench": name, "error": f"timed out after {timeout:g} s",
                "stderr_tail": (e.stderr or b"")[-2000:].decode(errors="replace") if isinstance(e.stderr, bytes)
                else (e.stderr or "")[-2000:], "run_seconds": round(time.perf_counter() - t0, 1)}]
    elapsed = time.perf_counter() - t0
    lines = _json_lines(proc.stdout)
    if proc.returncode != 0 or not lines:
        return [{"bench": name, "error": f"exit code {proc.returncode}" if proc.returncode else "no JSON line on stdout",
                 "stderr_tail": proc.stderr[-2000:], "run_seconds": round(elapsed, 1)}]
    for out in lines:
        out.setdefault("bench", name)
    lines[-1]["run_seconds"] = round(elapsed, 1)
    return lines


def run_inprocess(name: str, quick: bool) -> list[dict]:
    sys.path[:0] = [str(ROOT), str(BENCH)]
    t0 = time.perf_counter()
    try:
        main = importlib.import_module(name).main
        out = main(quick=quick) if "quick" in inspect.signature(main).parameters else main()
    except Exception as e:  # noqa: BLE001 (one failing benchmark must not hide the others)
        return [{"bench": name, "error": f"{type(e).__name__}: {e}", "run_seconds": round(time.perf_counter() - t0, 1)}]
    lines = [dict(line) for line in out["lines"]] if "lines" in out else [dict(out)]
    for line in lines:
        line.setdefault("bench", name)
    lines[-1]["run_seconds"] = round(time.perf_counter() - t0, 1)
    return lines


def cli(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="run only this benchmark (module name without .py); repeatable or comma-separated")
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--inprocess", action="store_true", help="import and call main() instead of a subprocess")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per benchmark (subprocess mode)")
    ap.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = ap.parse_args(argv)

    names = discover()
    if args.list:
        print("\n".join(names))
        return 0
    if args.only:
        wanted = [n.removesuffix(".py") for item in args.only for n in item.split(",") if n]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            ap.error(f"unknown benchmark(s) {unknown}; known: {names}")
        names = [n for n in names if n in wanted]
    failed = 0
    for name in names:
        lines = run_inprocess(name, args.quick) if args.inprocess else run_subprocess(name, args.quick, args.timeout)
        for out in lines:
            failed += "error" in out
            print(json.dumps(out, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(cli())
