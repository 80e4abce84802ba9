"""bench/load_test.py's reading of deploy/serve.sh's output and of nginx's answers: which process
served a session (the load test's spread and its kill test rely on it)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import load_test  # bench/: the proxy load test


def test_serve_lines_name_each_process_pid_and_port():
    assert load_test.parse_process("process 0 pid 4321 port 41621") == (0, 4321, 41621)
    assert load_test.parse_process("[serve] process 1 pid 17 port 8711 started") == (1, 17, 8711)
    assert load_test.parse_process("nginx pid 99 config /tmp/rnnviz-serve.x/nginx.conf") is None
    assert load_test.parse_process("rnnviz: ready at http://127.0.0.1:8710 with 2 processes") is None


def test_upstream_is_the_process_that_answered_last():
    ports = {8721, 8722}
    # nginx tried the killed process first, then the other one served: the last address counts
    assert load_test.upstream_port({"x-upstream": "127.0.0.1:8721, 127.0.0.1:8722"}, ports) == 8722
    assert load_test.upstream_port({"date": "Tue, 10:40:26 GMT", "x-rnnviz-process": "127.0.0.1:8721"}, ports) == 8721
    assert load_test.upstream_port({"date": "Tue, 10:40:26 GMT", "server": "nginx"}, ports) is None
    assert load_test.upstream_port({"x-upstream": "127.0.0.1:9999"}, ports) is None  # not one of serve.sh's


def test_spread_counts_sessions_per_process_in_serve_order():
    two = {8722: 0, 8721: 1}  # serve.sh's numbers, whatever the ports' order
    assert load_test._spread([8722, 8722, 8721, None], two) == {"process 0": 2, "process 1": 1, "unknown": 1}
    assert load_test._spread([8721], two) == {"process 0": 0, "process 1": 1}
