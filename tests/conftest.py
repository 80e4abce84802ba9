"""Shared fixtures: the real app served by `streamlit run`, and a Playwright Chromium.

The server runs from the repository root with the interpreter running pytest (no .venv
path baked in), on a free port so a developer's own server on 8501 is left alone.
Chromium is Debian's (/usr/bin/chromium); Playwright's own browser download is never used.
Without it the browser tests skip, unless RNNVIZ_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest` (not `python -m pytest`) does not put the root on sys.path
    sys.path.insert(0, str(ROOT))

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_SECONDS = 60  # importing torch and streamlit on a cold, busy machine
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots; git-ignored


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def streamlit_server(log_path: Path, env: dict | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run streamlit_app.py` on a free port, with `env` added to its environment;
    yields (its base URL, the process) once healthy, and stops it after."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = log_path.open("w+")
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"streamlit did not start (exit code {proc.poll()}):\n{log.read()[-3000:]}")
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served by `streamlit run streamlit_app.py` for the whole session; its base URL."""
    with streamlit_server(tmp_path_factory.mktemp("server") / "streamlit.log") as (url, _):
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright, shared by the session's tests."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("RNNVIZ_REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; RNNVIZ_REQUIRE_BROWSER=1 requires the browser tests to run")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
