"""deploy/serve.sh in real browsers: two Streamlit processes behind Debian's nginx.

Two learners (separate browser contexts, so separate route cookies) land on different
processes and stay there: a run each trained survives reruns, every request of a learner is
answered by its own process (nginx's X-Rnnviz-Upstream header; its access log for the
websocket), and an upload passes the proxy (XSRF included) to the process of its session. A process killed mid-session:
its learner reconnects to the other process and is told the run must be trained again,
while the other learner notices nothing. SIGTERM stops every process serve.sh started.

Skipped without nginx or Chromium, unless RNNVIZ_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from web import (
    FINISHED_JS,
    assert_no_exception,
    choose,
    readme_shot,
    wait_finished,
)

ROOT = Path(__file__).resolve().parents[1]
NGINX = Path(shutil.which("nginx") or "/usr/sbin/nginx")
PROXY_PORTS = range(8600, 8700)  # nginx's port in these tests
READY_SECONDS = 300  # two processes importing torch and warming their default runs on a busy machine
LOAD_MS = 300_000  # a first view there (web.LOAD_MS is for one process)
VIEWPORT = {"width": 1400, "height": 2400}
UNROLLING = "/RNN_Unrolling"
CHAR = "/Char_Generation"
LOSS = "Loss at the last step"

# Runs in every page of a context before Streamlit's own code: it keeps the page's websockets
# (to count reconnections) and notes whether a progress bar (a run training) ever appeared.
WATCH_JS = """
window.__sockets = [];
window.WebSocket = class extends window.WebSocket {
    constructor(...args) { super(...args); window.__sockets.push(this); }
};
window.__trained = false;
new MutationObserver(() => {
    if (document.querySelector('[data-testid=stProgress]')) window.__trained = true;
}).observe(document, {childList: true, subtree: true});
"""


@dataclass
class Served:
    """A running `deploy/serve.sh N PORT`: its URL, its Streamlit processes and what it printed."""

    proc: subprocess.Popen
    url: str
    run_dir: Path
    nginx_pid: int
    pids: dict[int, int] = field(default_factory=dict)  # Streamlit port -> pid
    lines: list[str] = field(default_factory=list)

    def pid_of(self, upstream: str) -> int:
        return self.pids[int(upstream.rsplit(":", 1)[1])]

    def printed(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> int:
        """SIGTERM, as a host's service manager would; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:  # never left running, whatever the test found
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _free_proxy_port() -> int:
    for port in PROXY_PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PROXY_PORTS}")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has exited; only its parent's bookkeeping is left


def serve(processes: int) -> Served:
    """Start deploy/serve.sh and wait for its "ready" line."""
    if not NGINX.exists():
        message = f"{NGINX} is missing (apt-get install nginx)"
        if os.environ.get("RNNVIZ_REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; RNNVIZ_REQUIRE_BROWSER=1 requires the proxy tests to run")
        pytest.skip(message)
    port = _free_proxy_port()
    proc = subprocess.Popen([str(ROOT / "deploy" / "serve.sh"), str(processes), str(port)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHON": sys.executable}, start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.rstrip("\n") for line in proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + READY_SECONDS
    while not any("rnnviz: ready at" in line for line in lines):
        if proc.poll() is not None or time.monotonic() > deadline:
            Served(proc, "", Path(), 0).stop()
            pytest.fail("deploy/serve.sh did not become ready:\n" + "\n".join(lines[-40:]))
        time.sleep(0.2)
    text = "\n".join(lines)
    served = Served(proc, f"http://127.0.0.1:{port}",
                    run_dir=Path(re.search(r"^nginx pid \d+ config (\S+)/nginx\.conf$", text, re.MULTILINE).group(1)),
                    nginx_pid=int(re.search(r"^nginx pid (\d+)", text, re.MULTILINE).group(1)), lines=lines)
    for pid, upstream_port in re.findall(r"^process \d+ pid (\d+) port (\d+)$", text, re.MULTILINE):
        served.pids[int(upstream_port)] = int(pid)
    assert len(served.pids) == processes, text
    return served


@pytest.fixture(scope="module")
def proxy():
    """serve.sh with two processes, shared by the tests that leave both running."""
    served = serve(2)
    yield served
    served.stop()


@pytest.fixture
def served_two():
    """serve.sh with two processes of this test's own (it kills one)."""
    served = serve(2)
    yield served
    served.stop()


@dataclass
class Learner:
    """One browser context behind the proxy: its page, the process its cookie routes it to, and
    every process that answered one of its HTTP requests."""

    context: object
    page: object
    upstream: str
    route: str
    errors: list[str]
    answered_by: set[str]


def learner(browser, served: Served, avoid: str = "") -> Learner:
    """A fresh context whose route cookie (set by nginx on its first response) sends it to a
    process other than `avoid`: a new cookie is a fair coin between two processes."""
    for _ in range(30):
        context = browser.new_context(viewport=VIEWPORT)
        upstream = context.request.get(served.url + "/_stcore/health").headers["x-rnnviz-upstream"]
        if upstream != avoid:
            break
        context.close()
    else:
        pytest.fail(f"30 new cookies all routed to {avoid}")
    route = next(c["value"] for c in context.cookies() if c["name"] == "rnnviz_route")
    context.add_init_script(WATCH_JS)
    page = context.new_page()
    errors: list[str] = []
    answered_by: set[str] = set()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: answered_by.add(r.headers.get("x-rnnviz-upstream", "")) if
            r.url.startswith(served.url) else None)
    return Learner(context, page, upstream, route, errors, answered_by)


def final_loss(page) -> str:
    """The hello run's last loss, once the script has finished with it on the page."""
    found = f"""() => ({FINISHED_JS})() && [...document.querySelectorAll('[data-testid=stCaptionContainer]')]
        .map(c => c.textContent).find(t => t.startsWith('{LOSS}'))"""
    return page.wait_for_function(found, timeout=LOAD_MS).json_value()


def train_hello(person: Learner, url: str, seed: int) -> str:
    """Open the unrolling page with a seed of its own in the link (a short private run trains at
    once); the run's last loss once it is drawn."""
    person.page.goto(f"{url}{UNROLLING}?hello_seed={seed}", timeout=LOAD_MS)
    wait_finished(person.page, timeout=LOAD_MS)
    loss = final_loss(person.page)
    assert person.page.locator(".st-key-hello_seed input").input_value() == str(seed)
    return loss


def rerun_with_a_view_change(page, last: bool) -> None:
    """Move the unrolling step slider (a view of the page, not a setting of any run) to its last
    or first step: the script reruns."""
    box = page.locator(".st-key-unroll_t")
    box.scroll_into_view_if_needed()  # Streamlit draws an element out of view as a skeleton
    box.locator("[role=slider], input[type=range]").first.focus()
    page.keyboard.press("End" if last else "Home")
    wait_finished(page, timeout=LOAD_MS)


def reconnected(page, sockets: int) -> None:
    """Wait until the page has opened its `sockets`-th websocket and it is open."""
    page.wait_for_function(f"() => window.__sockets.length === {sockets} && window.__sockets.at(-1).readyState === 1",
                           timeout=LOAD_MS)


def websocket_upstreams(served: Served, route: str) -> set[str]:
    """The processes that served the websockets of this route cookie (logged when they close)."""
    log = (served.run_dir / "access.log").read_text()
    return set(re.findall(rf'"GET /_stcore/stream[^"]*" 101 .* upstream=(\S+) route={route}$', log, re.MULTILINE))


def test_each_learner_stays_on_its_process(browser, proxy: Served):
    a = learner(browser, proxy)
    b = learner(browser, proxy, avoid=a.upstream)
    try:
        loss_a = train_hello(a, proxy.url, seed=7)
        loss_b = train_hello(b, proxy.url, seed=11)
        assert loss_a != loss_b  # two private runs

        for person, seed, loss in ((a, 7, loss_a), (b, 11, loss_b)):
            page = person.page
            page.evaluate("window.__trained = false")
            rerun_with_a_view_change(page, last=True)  # a rerun keeps the run: nothing trains
            rerun_with_a_view_change(page, last=False)
            assert page.evaluate("window.__trained") is False
            assert final_loss(page) == loss
            assert page.locator(".st-key-rnnviz_moved").count() == 0
            assert page.locator(".st-key-hello_seed input").input_value() == str(seed)
            assert_no_exception(page, person.errors)
            assert person.answered_by == {person.upstream}, person.answered_by
    finally:
        a.context.close()
        b.context.close()
    deadline = time.monotonic() + 30  # nginx logs a websocket when it closes
    while time.monotonic() < deadline and not (websocket_upstreams(proxy, a.route)
                                               and websocket_upstreams(proxy, b.route)):
        time.sleep(0.5)
    assert websocket_upstreams(proxy, a.route) == {a.upstream}
    assert websocket_upstreams(proxy, b.route) == {b.upstream}


def test_an_upload_passes_the_proxy(browser, proxy: Served, tmp_path: Path):
    person = learner(browser, proxy)
    try:
        page = person.page
        page.goto(proxy.url + CHAR, timeout=LOAD_MS)
        wait_finished(page, timeout=LOAD_MS)
        text = (ROOT / "README.md").read_text(encoding="utf-8")
        upload = tmp_path / "readme.txt"
        upload.write_text(text, encoding="utf-8")
        choose(page, "char_corpus", "Upload a .txt or d2l-style .zip")
        with page.expect_response(lambda r: "/_stcore/upload_file/" in r.url and r.request.method == "PUT",
                                  timeout=LOAD_MS) as put:
            page.locator(".st-key-char_upload input[type=file]").set_input_files(str(upload))
        assert put.value.status == 204  # stored (Streamlit's answer): the XSRF token (cookie and header) passed nginx
        assert put.value.headers["x-rnnviz-upstream"] == person.upstream  # the process of the session
        page.get_by_text(f"readme.txt: {len(text):,} characters").wait_for(timeout=LOAD_MS)
        wait_finished(page, timeout=LOAD_MS)
        assert_no_exception(page, person.errors)
    finally:
        person.context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_page_served_through_the_proxy(browser, proxy: Served, artifacts: Path, lang: str):
    """The LSTM gates page after its default model trained, in both languages: the README's pictures."""
    person = learner(browser, proxy)
    try:
        page = person.page
        page.goto(f"{proxy.url}/LSTM_Gates" + ("?lang=zh" if lang == "zh" else ""), timeout=LOAD_MS)
        wait_finished(page, charts=1, timeout=LOAD_MS)
        assert_no_exception(page, person.errors)
        assert person.answered_by == {person.upstream}
        readme_shot(page, artifacts, f"proxy_gates_{lang}")
    finally:
        person.context.close()


def test_a_killed_process_moves_only_its_learners(browser, served_two: Served):
    a = learner(browser, served_two)
    b = learner(browser, served_two, avoid=a.upstream)
    try:
        loss_a = train_hello(a, served_two.url, seed=7)
        loss_b = train_hello(b, served_two.url, seed=11)
        for person in (a, b):
            person.page.evaluate("window.__trained = false")

        killed = served_two.pid_of(a.upstream)
        os.kill(killed, signal.SIGKILL)  # a replica dies mid-session
        page = a.page
        reconnected(page, 2)  # Streamlit's page reconnects by itself, through nginx, to the other process
        page.keyboard.press("r")  # and runs the script again at the learner's next action (R: rerun)
        wait_finished(page, timeout=LOAD_MS)
        page.locator(".st-key-rnnviz_moved").wait_for(timeout=LOAD_MS)  # told that the run was lost
        assert page.locator(".st-key-hello_seed input").input_value() == "7"  # the link kept the settings
        assert final_loss(page) == loss_a  # short, so trained again there: the same run
        assert_no_exception(page, a.errors)
        assert f"(pid {killed}, port" in served_two.printed()  # serve.sh said so

        # the other learner, on the surviving process, noticed nothing
        page = b.page
        rerun_with_a_view_change(page, last=True)
        assert page.evaluate("window.__sockets.length") == 1  # its websocket never dropped
        assert page.evaluate("window.__trained") is False
        assert page.locator(".st-key-rnnviz_moved").count() == 0
        assert final_loss(page) == loss_b
        assert_no_exception(page, b.errors)
        assert b.answered_by == {b.upstream}
    finally:
        a.context.close()
        b.context.close()


def test_sigterm_stops_everything_it_started():
    served = serve(2)
    started = [*served.pids.values(), served.nginx_pid]
    assert all(_alive(pid) for pid in started)
    assert served.stop() == 128 + signal.SIGTERM
    assert [pid for pid in started if _alive(pid)] == []
    assert not served.run_dir.exists()  # nginx's config, logs and temporary files are gone
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", int(served.url.rsplit(":", 1)[1])), 2):
        pass
