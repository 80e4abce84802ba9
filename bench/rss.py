"""The server's memory: how much RSS one learner and a class leave, and where it goes (issue 15).

Targets: RSS after one learner has opened every page <= 600 MB; after 8 sessions that each
trained a private model <= 900 MB. Each repeat starts a fresh `streamlit run` server and reads
its VmRSS (/proc/<pid>/status; a Streamlit server is one process):
(a) started (healthy; the app imported, its default runs warming in the background: each server
    gets an empty RNNVIZ_CACHE, as on a fresh host, so it trains them);
(b) after one learner opened the home page and every page in Chromium, each in a fresh
    context, waiting until complete (bench/first_view.py's _visit), and the server then idle
    (the gates page's background comparison finished);
(c) after 8 sessions, 2 per page, each with its own seed (a private model trained live: the
    servers run with RNNVIZ_AUTO_SECONDS=600, so no run waits for its Train button), sent at
    once as websocket clients (bench/load_test.py's ws_together), the server idle again.
VmHWM is the peak so far. The breakdown (the last repeat, after (b) and after (c)) comes from
inside the server: it is started through this file (`rss.py serve run ...`, the same Streamlit
CLI), which answers SIGUSR1 with a JSON report (_report): glibc malloc (arenas, bytes in use,
bytes freed but held), live torch tensors' bytes, each session's state (by kind of key) and
Streamlit's shared caches; and, with --trace, tracemalloc's top allocation sites. Beside it: the
RSS of a process that only imported the app's modules.

    python bench/rss.py [--quick] [--repeats N] [--trace] [--env K=V]... [--against REV]

--env K=V: the server's environment (e.g. MALLOC_ARENA_MAX=2), measured interleaved with the
plain server; --against REV: REV's tree (a git worktree) interleaved with this one, each
repeat in alternating order.

Importable: rss_mb(pid) is a process tree's RSS in MB; memory(pid) one process's figures.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import types
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TARGET_ONE_MB, TARGET_EIGHT_MB = 600, 900
REPORT_ENV = "RNNVIZ_RSS_REPORT"  # where the server writes its report on SIGUSR1
PORTS = range(8800, 8850)  # the servers' ports: the first free one
AUTO = {"RNNVIZ_AUTO_SECONDS": "600"}  # a link's own seed trains at once on every page, not after a Train click


# ---------------------------------------------------------------- RSS of a process (tree)


def _status(pid: int) -> dict[str, int]:
    """/proc/<pid>/status's kB fields (VmRSS, VmHWM, RssAnon, RssFile, ...)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if value.strip().endswith(" kB"):
            fields[key] = int(value.split()[0])
    return fields


def _tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:  # the thread or process ended meanwhile
                pass
    return pids


def rss_mb(pid: int) -> float:
    """The resident memory (VmRSS) of pid and its descendants, in MB."""
    total = 0
    for p in _tree(pid):
        try:
            total += _status(p)["VmRSS"]
        except (OSError, KeyError):  # ended meanwhile, or a zombie
            pass
    return round(total / 1024, 1)


def memory(pid: int) -> dict[str, float]:
    """One process's VmRSS, its peak VmHWM, and the RSS's anonymous and file-backed parts, in MB."""
    s = _status(pid)
    return {k: round(s[k] / 1024, 1) for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


# ---------------------------------------------------------------- inside the server


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def _malloc() -> dict:
    """glibc malloc's own account: its arenas (one per thread that allocated at once, up to
    8 x cores), bytes handed out, bytes freed but kept (not returned to the system)."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _Mallinfo2
    info = libc.mallinfo2()
    buf, size = ctypes.c_void_p(), ctypes.c_size_t()
    libc.open_memstream.restype = ctypes.c_void_p
    stream = ctypes.c_void_p(libc.open_memstream(ctypes.byref(buf), ctypes.byref(size)))
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    xml = ctypes.string_at(buf, size.value).decode()
    libc.free(buf)
    mb = 1024 * 1024
    return {"arenas": xml.count("<heap nr="), "in_use_mb": round(info.uordblks / mb, 1),
            "free_held_mb": round(info.fordblks / mb, 1), "mmapped_mb": round(info.hblkhd / mb, 1),
            "heap_mb": round(info.arena / mb, 1)}


_NOT_DATA = (type, types.ModuleType, types.CodeType, types.BuiltinFunctionType, types.FrameType)


def _deep_bytes(obj, seen: set) -> int:
    """Bytes reachable from obj and not in seen (which it extends): Python objects, tensors'
    storages, arrays' buffers. Classes, modules and code are shared, not data; a function counts
    its closure and defaults, not its module's globals."""
    import torch

    total, todo = 0, [obj]
    while todo:
        o = todo.pop()
        if id(o) in seen or isinstance(o, _NOT_DATA):
            continue
        seen.add(id(o))
        total += sys.getsizeof(o, 0)
        if isinstance(o, torch.Tensor):
            storage = o.untyped_storage()
            if ("storage", storage.data_ptr()) not in seen:
                seen.add(("storage", storage.data_ptr()))
                total += storage.nbytes()
            todo += [o.__dict__, o.grad] if o.grad is not None else [o.__dict__]
        elif isinstance(o, types.FunctionType):
            todo += [c.cell_contents for c in o.__closure__ or () if c.cell_contents is not None]
            todo += [o.__defaults__, o.__kwdefaults__, o.__dict__]
        else:
            todo += gc.get_referents(o)
    return total


def _kind(key: str) -> str:
    """The kind of a session-state key, for the report: a run, the charts kept for the exports..."""
    from rnnviz.ui.page import SHOWN

    if key == SHOWN:
        return "charts_for_exports"
    for ending in ("__run", "__failed"):
        if key.endswith(ending):
            return ending.strip("_")
    return "other"


def _report() -> dict:
    """Where the server's memory is: malloc, torch tensors, the sessions' states (each session
    counts what no shared cache holds), Streamlit's caches, tracemalloc's top sites when tracing."""
    from streamlit.runtime import Runtime
    from streamlit.runtime.caching import cache_data_api, cache_resource_api

    mb = 1024 * 1024
    out: dict = {"status_mb": memory(os.getpid()), "threads": _status_threads(), "malloc": _malloc()}
    import torch

    storages = {}
    for o in gc.get_objects():
        if isinstance(o, torch.Tensor):
            s = o.untyped_storage()
            storages[s.data_ptr()] = s.nbytes()
    out["torch_tensors"] = {"storages": len(storages), "mb": round(sum(storages.values()) / mb, 1)}
    out["python"] = {"objects": len(gc.get_objects()), "pymalloc_blocks": sys.getallocatedblocks(),
                     "modules": len(sys.modules)}
    out["module_names"] = sorted(name for name in sys.modules if not name.startswith("__"))
    if "pyarrow" in sys.modules:  # Streamlit sends every chart's data as Arrow: its own allocator's pool
        pool = sys.modules["pyarrow"].default_memory_pool()
        out["arrow_pool"] = {"backend": pool.backend_name, "allocated_mb": round(pool.bytes_allocated() / mb, 1),
                             "peak_mb": round(pool.max_memory() / mb, 1)}
    seen: set = set()
    out["shared_caches_mb"] = {
        "cache_resource": round(_deep_bytes(cache_resource_api._resource_caches._function_caches, seen) / mb, 1),
        "cache_data": round(_deep_bytes(cache_data_api._data_caches._function_caches, seen) / mb, 1)}
    sessions = []
    for info in Runtime.instance()._session_mgr.list_sessions():
        session = info.session
        state = session.session_state
        kinds: dict[str, int] = {}
        for key in list(state):
            try:
                value = state[key]
            except KeyError:
                continue
            kinds[_kind(key)] = kinds.get(_kind(key), 0) + _deep_bytes(value, seen)
        kinds["fragments"] = _deep_bytes(session._fragment_storage, seen)
        kinds["message_queue"] = _deep_bytes(session._browser_queue, seen)
        sessions.append({k: round(v / mb, 2) for k, v in sorted(kinds.items())})
    out["sessions"] = sessions
    out["sessions_total_mb"] = round(sum(sum(s.values()) for s in sessions), 1)
    import tracemalloc

    if tracemalloc.is_tracing():
        snap = tracemalloc.take_snapshot()
        out["tracemalloc_total_mb"] = round(sum(s.size for s in snap.statistics("filename")) / mb, 1)
        out["tracemalloc_top"] = [[str(s.traceback[0]), round(s.size / mb, 2)] for s in snap.statistics("lineno")[:15]]
        out["tracemalloc_top_files"] = [[s.traceback[0].filename.split("site-packages/")[-1], round(s.size / mb, 2)]
                                        for s in snap.statistics("filename")[:12]]
    return out


def _status_threads() -> int:
    return int(next(line.split()[1] for line in Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("Threads:")))


def serve(argv: list[str]) -> None:
    """Run the Streamlit CLI (argv: run streamlit_app.py ...) in this process, writing _report()
    to $RNNVIZ_RSS_REPORT on SIGUSR1 (the handler runs in the main thread, between the server's
    events)."""
    def on_signal(signum, _frame):
        path = Path(os.environ[REPORT_ENV])
        for _ in range(5):  # a session may change its state while it is walked
            try:
                report = _report()
                break
            except RuntimeError as e:  # dictionary changed size during iteration
                report = {"error": str(e)}
        if signum == signal.SIGUSR2:  # and what glibc gives back when asked to trim every arena
            ctypes.CDLL("libc.so.6").malloc_trim(0)
            report["after_malloc_trim_mb"] = memory(os.getpid())
        path.with_suffix(".tmp").write_text(json.dumps(report))
        path.with_suffix(".tmp").rename(path)

    signal.signal(signal.SIGUSR1, on_signal)
    signal.signal(signal.SIGUSR2, on_signal)
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]  # the app sees `streamlit run`'s path
    from streamlit.web import cli

    sys.argv = ["streamlit", *argv]
    cli.main()


# ---------------------------------------------------------------- the benchmark


class Server:
    """A fresh headless server of root's app, started through serve(); stopped on exit."""

    def __init__(self, root: Path, port: int, env: dict[str, str]):
        self.tmp = Path(tempfile.mkdtemp(prefix="rss_server_"))
        self.report = self.tmp / "report.json"
        cmd = [sys.executable, str(BENCH / "rss.py"), "serve", "run", str(root / "streamlit_app.py"),
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
               "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
        self.proc = subprocess.Popen(cmd, cwd=root, env={**os.environ, **env, REPORT_ENV: str(self.report),
                                                             "RNNVIZ_CACHE": str(self.tmp / "cache"), **AUTO},
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.port, self.base = port, f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with urllib.request.urlopen(self.base + "/_stcore/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("streamlit did not start")

    def idle(self, quiet_s: float = 2.0, limit_s: float = 300) -> float:
        """Wait until the server used under 2 % of a core for quiet_s (background work done); seconds waited."""
        from load_test import cpu_s

        t0 = time.monotonic()
        while time.monotonic() - t0 < limit_s:
            before = cpu_s(self.proc.pid)
            time.sleep(quiet_s)
            if cpu_s(self.proc.pid) - before < 0.02 * quiet_s:
                break
        return round(time.monotonic() - t0, 1)

    def breakdown(self, trim: bool = False) -> dict:
        """The server's _report(); with trim, then malloc_trim(0) and the RSS after it."""
        self.report.unlink(missing_ok=True)
        os.kill(self.proc.pid, signal.SIGUSR2 if trim else signal.SIGUSR1)
        deadline = time.monotonic() + 120
        while not self.report.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        return json.loads(self.report.read_text()) if self.report.exists() else {"error": "no report"}

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)


def one_learner(browser, server: Server) -> list[dict]:
    """Home and every page, each in a fresh Chromium context, until complete (first_view's checks)."""
    from first_view import HOME, PAGES, _visit

    shown = []
    for page in [HOME, *PAGES.values()]:
        seconds, marks = _visit(browser, server.base + page.url, 300)
        shown.append({"page": page.url, "s": round(seconds, 1), "missing": marks.get("missing"),
                      "exceptions": marks["exceptions"]})
    return shown


def eight_private(server: Server) -> dict:
    """8 sessions, 2 per page, each with its own seed (a private model trained live), at once."""
    from load_test import PAGES, SESSIONS, ws_together

    plan = [(page, 3000 + k) for k, page in enumerate(list(PAGES) * (SESSIONS // len(PAGES)))]
    done, load = ws_together(server.port, [server.proc.pid], [(p, f"{PAGES[p][0]}={s}") for p, s in plan])
    return {"finished": sum(v["seconds"] is not None for v in done), "trained": sum(v["trained"] for v in done),
            "exceptions": sum(v["exceptions"] for v in done), "wall_s": load["wall_s"]}


def measure(browser, root: Path, port: int, env: dict[str, str], explain: bool) -> dict:
    """One fresh server through (a), (b), (c); with explain, the in-server breakdown after (b) and (c)."""
    server = Server(root, port, env)
    try:
        out = {"a_started": memory(server.proc.pid)}
        out["b_views"] = one_learner(browser, server)
        out["b_idle_wait_s"] = server.idle()
        out["b_one_learner"] = memory(server.proc.pid)
        if explain:
            out["b_breakdown"] = server.breakdown()
        out["c_sessions"] = eight_private(server)
        out["c_idle_wait_s"] = server.idle()
        out["c_eight_private"] = memory(server.proc.pid)
        if explain:
            out["c_breakdown"] = server.breakdown(trim=True)  # the last thing this server does
    finally:
        server.stop()
    return out


def imports_mb(modules: list[str], root: Path = ROOT) -> dict:
    """The RSS of a fresh process that only imported these modules (the server's, listed by
    its report), and its malloc figures: the floor every server pays before serving anyone."""
    code = ("import importlib, json, os, sys\n"
            "for name in json.load(sys.stdin):\n"
            "    try:\n        importlib.import_module(name)\n"
            "    except BaseException:\n        pass\n"  # a module that only imports inside a running server
            "sys.path.insert(0, 'bench'); import rss\n"
            "print(json.dumps({**rss.memory(os.getpid()), 'malloc': rss._malloc(), 'modules': len(sys.modules)}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=root, input=json.dumps(modules), capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _free_port() -> int:
    import socket

    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


def _stats(xs: list[float]) -> dict:
    return {"median": round(statistics.median(xs), 1), "min": round(min(xs), 1), "max": round(max(xs), 1),
            "n": len(xs)}


def _summary(runs: list[dict]) -> dict:
    return {"a_started_mb": _stats([r["a_started"]["VmRSS"] for r in runs]),
            "b_one_learner_mb": _stats([r["b_one_learner"]["VmRSS"] for r in runs]),
            "b_peak_mb": _stats([r["b_one_learner"]["VmHWM"] for r in runs]),
            "c_eight_private_mb": _stats([r["c_eight_private"]["VmRSS"] for r in runs]),
            "c_peak_mb": _stats([r["c_eight_private"]["VmHWM"] for r in runs]),
            "b_meets_600": statistics.median(r["b_one_learner"]["VmRSS"] for r in runs) <= TARGET_ONE_MB,
            "c_meets_900": statistics.median(r["c_eight_private"]["VmRSS"] for r in runs) <= TARGET_EIGHT_MB,
            "views_incomplete": sum(bool(v["missing"]) or v["exceptions"] > 0 for r in runs for v in r["b_views"]),
            "c_trained": [r["c_sessions"]["trained"] for r in runs],
            "c_exceptions": sum(r["c_sessions"]["exceptions"] for r in runs)}


def main(quick: bool = False, trace: bool = False, env: dict[str, str] | None = None,
         against: str | None = None, repeats: int | None = None) -> dict:
    """Fresh servers through (a)-(c), repeated (3, or 1 with quick); the last with the breakdown.
    With env or against, a second variant interleaved: "now" (this tree, plain) and "variant"."""
    sys.path.insert(0, str(BENCH))
    from first_view import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    repeats = repeats or (1 if quick else 3)
    t0 = time.perf_counter()
    variants = {"now": (ROOT, {})}
    tree = None
    if against:
        tree = Path(tempfile.mkdtemp(prefix="rss_rev_"))
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(tree), against], cwd=ROOT, check=True)
        variants["variant"] = (tree, {})
    elif env:
        variants["variant"] = (ROOT, env)
    if trace:
        variants = {name: (root, {**extra, "PYTHONTRACEMALLOC": "1"}) for name, (root, extra) in variants.items()}
    runs: dict[str, list[dict]] = {name: [] for name in variants}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                for r in range(repeats):
                    order = list(variants) if r % 2 == 0 else list(reversed(variants))
                    for name in order:
                        root, extra = variants[name]
                        runs[name].append(measure(browser, root, _free_port(), extra, explain=r == repeats - 1))
            finally:
                browser.close()
    finally:
        if tree is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    out = {"bench": "rss", "repeats": repeats, "targets_mb": [TARGET_ONE_MB, TARGET_EIGHT_MB]}
    modules = [r.pop("module_names", []) for rs in runs.values() for r in (rs[-1]["b_breakdown"], rs[-1]["c_breakdown"])]
    out["imports_only_mb"] = imports_mb(sorted(set().union(*modules)))  # what the servers imported
    for name, rs in runs.items():
        out[name] = {**_summary(rs), "breakdown_after_b": rs[-1]["b_breakdown"],
                     "breakdown_after_c": rs[-1]["c_breakdown"]}
    if len(runs) == 2:
        out["variant_is"] = {"against": against} if against else {"env": env}
        out["variant_over_now"] = {k: _stats([v[k]["VmRSS"] / n[k]["VmRSS"] for n, v in zip(runs["now"], runs["variant"])])
                                   for k in ("b_one_learner", "c_eight_private")}
    out["bench_seconds"] = round(time.perf_counter() - t0, 1)
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["serve"]:
        serve(args[1:])
    else:
        extra = dict(args[i + 1].split("=", 1) for i, a in enumerate(args) if a == "--env")
        print(json.dumps(main(quick="--quick" in args, trace="--trace" in args, env=extra or None,
                              against=args[args.index("--against") + 1] if "--against" in args else None,
                              repeats=int(args[args.index("--repeats") + 1]) if "--repeats" in args else None),
                         ensure_ascii=False))
