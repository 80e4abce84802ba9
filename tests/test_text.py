"""Corpora: the manifest (data/corpora.toml) and the shipped classics, downloads (through a
real HTTP server on 127.0.0.1), uploads and their checks, the d2l lyrics recipe, the vocabulary
and the two minibatch samplers, the Reber grammar.

The reference corpora in /work/shared/data are served from memory by a local server (the
lyrics are never copied into the project; the two public-domain classics ship in data/). The
download cache is a tmp dir; the download tests hide the shipped copies (an empty data/).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import random
import socket
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch

from rnnviz.data import grammar, text
from rnnviz.data.text import (
    SOURCES,
    CorpusError,
    Vocab,
    consecutive_batches,
    d2l_lyrics,
    fetch,
    random_batches,
    read_text,
)

SHARED = Path("/work/shared/data")  # the reference copies, served by the tests' own server
FILES = {"shakespeare": "tinyshakespeare.txt", "time_machine": "timemachine.txt",
         "lyrics": "jaychou_lyrics.txt.zip"}


# ---------------------------------------------------------------- a local corpus server


@dataclass
class CorpusServer:
    """An HTTP server on 127.0.0.1 serving `routes` (path -> bytes) and counting requests."""

    base: str
    routes: dict[str, bytes]
    hits: dict[str, int] = field(default_factory=dict)
    no_length: set[str] = field(default_factory=set)  # paths sent without Content-Length

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"


@contextmanager
def serve(routes: dict[str, bytes]) -> Iterator[CorpusServer]:
    """Run a CorpusServer on a free port in a thread for the duration of the block."""
    server_state: list[CorpusServer] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            srv = server_state[0]
            path = self.path.split("?")[0]
            srv.hits[path] = srv.hits.get(path, 0) + 1
            body = srv.routes.get(path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if path not in srv.no_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # keep pytest's output clean
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.append(CorpusServer(f"http://127.0.0.1:{httpd.server_port}", routes))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def reference_routes() -> dict[str, bytes]:
    """The three reference corpora, read from /work/shared/data into memory."""
    return {f"/{name}": (SHARED / name).read_bytes() for name in FILES.values()}


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[CorpusServer]:
    with serve(reference_routes()) as srv:
        yield srv


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty download cache for this test, and no shipped copies (an empty data/ folder):
    every corpus comes through the download path."""
    monkeypatch.setattr(text, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(text, "DATA", tmp_path / "data")
    return tmp_path / "cache"


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's own data/ folder, as it ships, with an empty download cache."""
    assert text.DATA == text.APP / "data"
    monkeypatch.setattr(text, "CACHE", tmp_path / "cache")
    return text.DATA


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any request fails the test."""
    monkeypatch.setattr(text.urllib.request, "urlopen", lambda *a, **k: pytest.fail(f"a network request: {a}"))


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


# ---------------------------------------------------------------- fetch


@pytest.mark.parametrize("choice", list(FILES))
def test_fetch_downloads_verifies_and_caches_each_corpus(choice, server, cache):
    src = SOURCES[choice]
    path_on_server = f"/{FILES[choice]}"
    calls: list[tuple[int, int]] = []
    path = fetch(src, url=server.url(path_on_server), progress=lambda got, total: calls.append((got, total)))
    data = (SHARED / FILES[choice]).read_bytes()
    assert path == cache / src.name and path.read_bytes() == data
    assert len(data) == src.size  # the size shown before downloading is right
    # the progress bar moves forward and ends full
    assert calls and calls[-1] == (len(data), len(data))
    assert [g for g, _ in calls] == sorted(g for g, _ in calls)
    assert all(total == len(data) for _, total in calls)
    assert not list(cache.glob("*.part"))
    # a second call is served from the cache: no request at all
    before = server.hits[path_on_server]
    again = fetch(src, url=server.url(path_on_server), progress=lambda *a: pytest.fail("downloaded again"))
    assert again == path and server.hits[path_on_server] == before


def test_fetch_without_content_length_uses_the_known_size(cache):
    src = SOURCES["time_machine"]
    data = (SHARED / "timemachine.txt").read_bytes()
    with serve({"/tm": data}) as srv:
        srv.no_length.add("/tm")
        calls: list[tuple[int, int]] = []
        fetch(src, url=srv.url("/tm"), progress=lambda got, total: calls.append((got, total)))
    assert calls[-1] == (src.size, src.size)


def test_a_corrupted_download_is_refused_and_nothing_is_cached(cache):
    src = SOURCES["time_machine"]
    wrong = (SHARED / "timemachine.txt").read_bytes().replace(b"Time", b"Tide", 1)  # one word changed
    with serve({"/timemachine.txt": wrong}) as srv:
        url = srv.url("/timemachine.txt")
        with pytest.raises(CorpusError) as err:
            fetch(src, url=url)
    msg = str(err.value)
    assert url in msg and "corrupted" in msg and "Nothing was saved" in msg
    assert not (cache / src.name).exists()
    assert not cache.exists() or not any(cache.iterdir())  # not even a .part file


def test_a_dropped_connection_is_refused_and_nothing_is_cached(cache):
    """The server promises the whole file but closes after a few bytes."""
    src = SOURCES["time_machine"]

    class Short(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(src.size))
            self.end_headers()
            self.wfile.write(b"The Time Machine, by H. G. Wells")

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Short)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(CorpusError, match="corrupted"):
            fetch(src, url=f"http://127.0.0.1:{httpd.server_port}/tm")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert not (cache / src.name).exists()


def test_an_unreachable_address_says_where_to_put_the_file(cache):
    src = SOURCES["shakespeare"]
    url = f"http://127.0.0.1:{closed_port()}/input.txt"
    with pytest.raises(CorpusError) as err:
        fetch(src, url=url, timeout=5)
    msg = str(err.value)
    assert url in msg
    assert str(cache / src.name) in msg and "sha256" in msg and "upload" in msg
    assert not (cache / src.name).exists()


def test_a_missing_file_on_the_server_is_a_corpus_error(server, cache):
    with pytest.raises(CorpusError, match="404"):
        fetch(SOURCES["time_machine"], url=server.url("/no-such-file.txt"))


def test_a_download_over_the_size_limit_is_stopped(server, cache, monkeypatch):
    monkeypatch.setattr(text, "MAX_BYTES", 100_000)
    with pytest.raises(CorpusError, match="sent more than 100,000 bytes"):
        fetch(SOURCES["shakespeare"], url=server.url("/tinyshakespeare.txt"))
    assert not (cache / "tinyshakespeare.txt").exists()


def test_a_damaged_cached_file_is_downloaded_again(server, cache):
    src = SOURCES["time_machine"]
    cache.mkdir(parents=True)
    (cache / src.name).write_bytes(b"half a file")
    path = fetch(src, url=server.url("/timemachine.txt"))
    assert path.read_bytes() == (SHARED / "timemachine.txt").read_bytes()


def test_the_sources_table_agrees_with_the_reference_copies():
    for choice, name in FILES.items():
        data = (SHARED / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == SOURCES[choice].sha256, choice
        assert len(data) == SOURCES[choice].size, choice


# ---------------------------------------------------------------- read_text


def test_read_text_accepts_utf8_and_drops_a_bom():
    assert read_text("a.txt", "\ufeffhéllo\n".encode()) == "héllo\n"


@pytest.mark.parametrize("data, message", [
    (b"", "a.txt is empty"),
    (b"GIF89a\x00\x01\x02", "looks binary (it has NUL bytes)"),
    ("caf\u00e9".encode("latin-1"), "is not UTF-8 text (byte 3 is not valid UTF-8)"),
])
def test_read_text_refuses_what_is_not_text(data, message):
    with pytest.raises(CorpusError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_text("a.txt", data)


def test_read_text_refuses_a_file_over_the_size_limit(monkeypatch):
    monkeypatch.setattr(text, "MAX_BYTES", 1000)
    with pytest.raises(CorpusError, match="a.txt is 1,001 bytes; the limit is 1,000"):
        read_text("a.txt", b"a" * 1001)
    assert read_text("a.txt", b"a" * 1000) == "a" * 1000


def test_a_zip_without_a_txt_file_says_what_it_holds():
    data = zip_of({"notes.md": b"# hi", "data/": b""})
    with pytest.raises(CorpusError, match=r"holds no \.txt file \(it has: notes\.md"):
        read_text("corpus.zip", data)


def test_a_zip_that_is_not_a_zip_is_refused():
    data = zip_of({"a.txt": b"hello " * 100})
    with pytest.raises(CorpusError, match="not a readable zip file"):
        read_text("corpus.zip", data[: len(data) // 2])


def test_a_zip_bomb_by_ratio_is_refused_before_unpacking():
    data = zip_of({"bomb.txt": b"a" * 5_000_000})  # 5 MB packed into a few kB
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert info.file_size > text.MAX_ZIP_RATIO * info.compress_size and len(data) < text.MAX_BYTES
    with pytest.raises(CorpusError, match=r"bomb\.txt would unpack to 5,000,000 bytes.*refused"):
        read_text("bomb.zip", data)


def test_a_zip_member_over_the_size_limit_is_refused(monkeypatch):
    monkeypatch.setattr(text, "MAX_BYTES", 20_000)
    member = "".join(f"line {i}: {random.Random(i).random():.6f}\n" for i in range(2000)).encode()
    data = zip_of({"big.txt": member})
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert info.file_size <= text.MAX_ZIP_RATIO * info.compress_size  # the size, not the ratio, refuses it
    assert len(data) <= text.MAX_BYTES < len(member)
    with pytest.raises(CorpusError, match=r"big\.txt would unpack to .*limit 20,000 bytes"):
        read_text("big.zip", data)


def test_a_zip_with_a_damaged_member_is_a_corpus_error():
    good = zip_of({"a.txt": ("hello world " * 50).encode()})
    bad = bytearray(good)
    bad[45] ^= 0xFF  # inside the compressed data
    with pytest.raises(CorpusError):
        read_text("a.zip", bytes(bad))


def test_a_d2l_style_zip_gives_its_text():
    lyrics = "想要有直升机\n想要和你飞到宇宙去\n"
    data = zip_of({"lyrics/": b"", "jaychou_lyrics.txt": lyrics.encode()})
    assert read_text("jaychou_lyrics.txt.zip", data) == lyrics
    assert read_text("upload.bin", data) == lyrics  # recognised by its signature, whatever its name


def test_d2l_lyrics_replaces_newlines_and_keeps_the_first_10000():
    lines = ("ab\ncd\r\n" * 3000)
    out = d2l_lyrics(lines)
    assert len(out) == 10_000 and "\n" not in out and "\r" not in out
    assert out.startswith("ab cd  ab cd  ")
    assert d2l_lyrics(lines, None) == lines.replace("\n", " ").replace("\r", " ")


def test_the_real_lyrics_have_the_books_vocabulary_sizes(server, cache):
    """d2l (zh, ch. 6.1): the first 10,000 characters have 1,027 distinct ones; the whole text 2,582."""
    path = fetch(SOURCES["lyrics"], url=server.url("/jaychou_lyrics.txt.zip"))
    lyrics = read_text(path.name, path.read_bytes())
    assert len(lyrics) == 63_282
    first = d2l_lyrics(lyrics)
    assert len(first) == 10_000 and len(set(first)) == 1_027
    whole = d2l_lyrics(lyrics, None)
    assert len(set(whole)) == 2_582
    assert len(set(lyrics)) == 2_583  # the raw file: the same characters plus "\n"
    assert len(Vocab.of(first)) == 1_027


# ---------------------------------------------------------------- vocabulary


def test_vocab_roundtrip_most_frequent_first():
    words = "to be or not to be"
    vocab = Vocab.of(words)
    assert vocab.decode(vocab.encode(words)) == words
    assert vocab.chars[0] == " " and len(vocab) == len(set(words))
    assert vocab.encode("be") == [vocab.chars.index("b"), vocab.chars.index("e")]


def test_vocab_names_the_characters_it_has_never_seen():
    vocab = Vocab.of("to be or not to be")
    with pytest.raises(CorpusError, match=r"'!', 'x'.*never seen them"):
        vocab.encode("box!x")


# ---------------------------------------------------------------- samplers


IDS = torch.arange(1000)  # each id is its own position: X shows where a row was read


@pytest.mark.parametrize("sampler", [random_batches, consecutive_batches])
def test_samplers_give_batch_by_steps_and_y_is_x_shifted_by_one(sampler):
    batches = list(sampler(IDS, 4, 7, random.Random(1)))
    assert batches
    for X, Y, starts in batches:
        assert X.shape == Y.shape == (4, 7)
        assert torch.equal(Y, X + 1)  # the target is the next character
        assert X[:, 0].tolist() == starts
        assert torch.equal(X, torch.tensor(starts)[:, None] + torch.arange(7))  # contiguous rows


def test_random_batches_are_non_overlapping_and_cover_the_text_in_random_order():
    batches = list(random_batches(IDS, 4, 7, random.Random(1)))
    starts = [s for _, _, rows in batches for s in rows]
    offset = min(starts) % 7
    assert len(set(starts)) == len(starts)
    assert all((s - offset) % 7 == 0 for s in starts)  # non-overlapping: distinct multiples of num_steps
    assert len(starts) >= (len(IDS) - 7 - 1) // 7 - 4  # almost every subsequence is read once
    assert starts != sorted(starts)  # shuffled
    firsts = [rows[0] for _, _, rows in batches]
    assert any(b - a != 7 for a, b in itertools.pairwise(firsts))  # neighbours are not adjacent
    other = [s for _, _, rows in random_batches(IDS, 4, 7, random.Random(2)) for s in rows]
    assert other != starts  # another epoch, another order


@pytest.mark.parametrize("sampler", [random_batches, consecutive_batches])
def test_without_an_offset_every_epoch_reads_the_same_windows(sampler):
    """The chapter (d2l's 1st edition) starts at 0 every epoch: the same windows, only reordered."""
    epochs = [sorted(s for _, _, rows in sampler(IDS, 4, 7, rng, offset=False) for s in rows)
              for rng in (random.Random(1), random.Random(2), random.Random(3))]
    assert all(min(e) == 0 and len(e) >= (len(IDS) - 1) // 7 - 4 for e in epochs)
    if sampler is random_batches:  # every window on the one grid 0, 7, 14, ... (a few left over, as d2l's)
        assert all(s % 7 == 0 for e in epochs for s in e)
    else:  # the same streams every epoch
        assert epochs[0] == epochs[1] == epochs[2]
    shifted = [sorted(s for _, _, rows in sampler(IDS, 4, 7, random.Random(k)) for s in rows) for k in (1, 2, 3)]
    assert any(e[0] > 0 for e in shifted) and len({tuple(e) for e in shifted}) > 1  # other cuts of the text

def test_consecutive_batches_continue_each_row():
    batches = list(consecutive_batches(IDS, 4, 7, random.Random(1)))
    assert len(batches) > 3
    for (X0, Y0, s0), (X1, _, s1) in itertools.pairwise(batches):
        assert [b - a for a, b in zip(s0, s1)] == [7] * 4  # row i goes on where it stopped
        assert torch.equal(X1[:, 0], Y0[:, -1])  # its first input is the last target
    # the rows are parallel streams through disjoint parts of the text
    firsts = batches[0][2]
    assert firsts == sorted(firsts) and len({b - a for a, b in itertools.pairwise(firsts)}) == 1


# ---------------------------------------------------------------- the embedded Reber grammar


def test_generated_strings_are_valid():
    rng = random.Random(0)
    for _ in range(300):
        s = grammar.embedded_reber(rng)
        assert grammar.is_embedded_reber(s), s
        assert grammar.is_reber(s[2:-2]), s
    lines = grammar.corpus(200, seed=3).splitlines()
    assert len(lines) == 200 and all(map(grammar.is_embedded_reber, lines))
    assert grammar.corpus(50, seed=1) == grammar.corpus(50, seed=1)


def test_the_long_dependency_is_checked():
    rng = random.Random(5)
    s = grammar.embedded_reber(rng)
    other = "P" if s[1] == "T" else "T"
    assert not grammar.is_embedded_reber(s[:-2] + other + "E")  # second-to-last differs from second
    assert not grammar.is_embedded_reber(s[0] + other + s[2:])
    assert not grammar.is_embedded_reber(s[:-1])  # no final E
    assert not grammar.is_embedded_reber("BTBTSXSETEX")
    assert grammar.is_embedded_reber("BTBTXSETE") and not grammar.is_embedded_reber("BTBTXSEPE")


# ---------------------------------------------------------------- issue 11: weak answers made clear


def test_a_damaged_cache_offline_says_it_failed_its_sha256_and_moves_it_aside(cache):
    src = SOURCES["time_machine"]
    cache.mkdir(parents=True)
    (cache / src.name).write_bytes(b"half a file")
    url = f"http://127.0.0.1:{closed_port()}/timemachine.txt"
    with pytest.raises(CorpusError) as err:
        fetch(src, url=url, timeout=5)
    msg = str(err.value)
    assert "failed its sha256 check" in msg and f"{src.name}.bad" in msg and url in msg
    assert src.sha256[:16] in msg  # how to tell a good copy
    assert not (cache / src.name).exists() and (cache / f"{src.name}.bad").read_bytes() == b"half a file"


def test_a_hosted_app_names_the_cache_from_its_own_folder(monkeypatch):
    monkeypatch.setattr(text, "CACHE", text.APP / "data" / "cache")
    url = f"http://127.0.0.1:{closed_port()}/input.txt"
    monkeypatch.setenv("RNNVIZ_HOSTED", "1")
    with pytest.raises(CorpusError) as err:
        fetch(replace(SOURCES["shakespeare"], name="no-such-cached-file.txt"), url=url, timeout=5)
    assert "data/cache/no-such-cached-file.txt" in str(err.value) and str(text.APP) not in str(err.value)
    monkeypatch.delenv("RNNVIZ_HOSTED")
    with pytest.raises(CorpusError) as err:  # on the learner's own machine: the full path
        fetch(replace(SOURCES["shakespeare"], name="no-such-cached-file.txt"), url=url, timeout=5)
    assert str(text.APP / "data" / "cache" / "no-such-cached-file.txt") in str(err.value)


def test_a_nul_byte_anywhere_is_refused():
    data = b"plain text " * 1000 + b"\x00" + b"more text"
    with pytest.raises(CorpusError, match=r"looks binary \(it has NUL bytes\), not text: the first is at position 11,000"):
        read_text("late.txt", data)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_text_with_its_bom_is_read_and_said(codec):
    words = "天青色等烟雨 and rain\n" * 50
    bom = b"\xff\xfe" if codec.endswith("le") else b"\xfe\xff"
    got = text.read_corpus("notepad.txt", bom + words.encode(codec))
    assert got.text == words and got.encoding == "utf-16"
    assert text.read_corpus("plain.txt", words.encode()).encoding == "utf-8"


def test_a_zip_with_several_texts_reads_the_chosen_one_or_all_joined():
    data = zip_of({"a.txt": b"first text", "notes/b.txt": b"second text", "c.pdf": b"%PDF"})
    assert text.zip_members("two.zip", data) == ("a.txt", "notes/b.txt")
    first = text.read_corpus("two.zip", data)
    assert (first.text, first.member, first.members) == ("first text", "a.txt", ("a.txt", "notes/b.txt"))
    assert text.read_corpus("two.zip", data, "notes/b.txt").text == "second text"
    both = text.read_corpus("two.zip", data, text.JOIN)
    assert both.text == "first text\nsecond text" and both.member == text.JOIN


def test_the_upload_limit_is_the_servers():
    import tomllib

    server = tomllib.loads((Path(text.__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert server["server"]["maxUploadSize"] == text.MAX_MB and text.MAX_BYTES == text.MAX_MB * 2**20


def test_a_vocabulary_cap_merges_the_rare_characters_into_one_symbol():
    words = "a" * 50 + "b" * 30 + "c" * 15 + "xyz" + "é" * 2
    capped, merged, share = text.cap_rare(words, 3)
    assert merged == 4 and share == pytest.approx(5 / 100)
    assert set(capped) == {"a", "b", "c", text.RARE} and capped.count(text.RARE) == 5 and len(capped) == len(words)
    assert text.cap_rare(words, 0) == (words, 0, 0.0) and text.cap_rare(words, 7) == (words, 0, 0.0)


# ---------------------------------------------------------------- issue 12: data/, the classics ship


CLASSICS = {"shakespeare", "time_machine"}  # public domain: they ship in data/
SHIPPED = sorted(key for key, source in SOURCES.items() if source.ships)  # every corpus that ships, a new one too


def altered(tmp_path: Path, choice: str) -> Path:
    """A data/ folder whose copy of `choice` has one word changed (its size kept); returns the file."""
    folder = tmp_path / "altered"
    folder.mkdir()
    data = (text.DATA / SOURCES[choice].name).read_bytes()
    changed = data.replace(b"Time", b"Tide", 1) if b"Time" in data else data.replace(b"the", b"tha", 1)
    assert changed != data and len(changed) == len(data)
    (folder / SOURCES[choice].name).write_bytes(changed)
    return folder / SOURCES[choice].name


def test_the_manifest_lists_the_corpora_the_page_offers():
    assert list(SOURCES)[:3] == ["lyrics", "time_machine", "shakespeare"]  # the page's order (a new one goes after)
    assert CLASSICS <= set(SHIPPED) and not SOURCES["lyrics"].ships
    for key, source in SOURCES.items():
        assert source.url.startswith(("https://", "http://")) and len(source.sha256) == 64, key
        assert source.licence and source.prefixes and source.size > 0, key
        assert text.PREFIXES[key] == source.prefixes
    assert text.PREFIXES["reber"] == ("B",) and text.PREFIXES["lyrics"] == ("分开", "不分开")


def test_a_manifest_entry_with_an_unknown_field_is_an_error(tmp_path: Path):
    manifest = tmp_path / "corpora.toml"
    manifest.write_text('[x]\nname = "x.txt"\nurl = "https://e.org/x.txt"\nsha256 = "00"\nsize = 1\nship = true\n')
    with pytest.raises(TypeError, match="ship"):
        text.read_manifest(manifest)
    manifest.write_text(manifest.read_text().replace("ship =", "ships ="))
    assert text.read_manifest(manifest)["x"].ships


@pytest.mark.parametrize("choice", SHIPPED)
def test_each_shipped_file_matches_its_sha256_and_size_in_the_manifest(choice):
    source = SOURCES[choice]
    data = (text.DATA / source.name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == source.sha256
    assert len(data) == source.size
    if choice in FILES:
        assert data == (SHARED / FILES[choice]).read_bytes()  # the reference copy, byte for byte


@pytest.mark.parametrize("choice", SHIPPED)
def test_a_shipped_corpus_loads_with_no_network(choice, shipped, no_network, monkeypatch):
    """Its address points at a closed port and every request fails the test: it loads all the same."""
    url = f"http://127.0.0.1:{closed_port()}/{SOURCES[choice].name}"
    monkeypatch.setitem(SOURCES, choice, replace(SOURCES[choice], url=url))
    path = fetch(SOURCES[choice], progress=lambda *a: pytest.fail("downloaded"), timeout=5)
    assert path == shipped / SOURCES[choice].name
    corpus = read_text(path.name, path.read_bytes())
    assert len(corpus.encode()) == SOURCES[choice].size
    for prefix in SOURCES[choice].prefixes:  # the page's printout can start from each
        assert prefix in corpus, prefix
    assert not text.CACHE.exists()  # nothing downloaded, nothing cached


def test_an_altered_shipped_file_is_refused_and_the_download_used(server, tmp_path, monkeypatch, caplog):
    src = SOURCES["time_machine"]
    copy = altered(tmp_path, "time_machine")
    before = copy.read_bytes()
    monkeypatch.setattr(text, "DATA", copy.parent)
    monkeypatch.setattr(text, "CACHE", tmp_path / "cache")
    with caplog.at_level("WARNING", logger="rnnviz.data.text"):
        path = fetch(src, url=server.url("/timemachine.txt"))
    assert path == tmp_path / "cache" / src.name and path.read_bytes() == (SHARED / "timemachine.txt").read_bytes()
    assert server.hits["/timemachine.txt"] >= 1
    assert copy.read_bytes() == before  # left where it is, never used
    assert f"{copy} failed its sha256 check" in caplog.text  # the server's log says so


def test_an_altered_shipped_file_offline_says_what_to_do(tmp_path, monkeypatch):
    src = SOURCES["shakespeare"]
    copy = altered(tmp_path, "shakespeare")
    monkeypatch.setattr(text, "DATA", copy.parent)
    monkeypatch.setattr(text, "CACHE", tmp_path / "cache")
    url = f"http://127.0.0.1:{closed_port()}/input.txt"
    with pytest.raises(CorpusError) as err:
        fetch(src, url=url, timeout=5)
    msg = str(err.value)
    assert f"The copy of {src.name} that ships with the app, {copy}, failed its sha256 check" in msg
    assert url in msg and str(tmp_path / "cache" / src.name) in msg and src.sha256[:16] in msg
    assert not (tmp_path / "cache" / src.name).exists()


def test_a_good_cached_copy_is_used_when_the_shipped_one_fails(tmp_path, monkeypatch, no_network):
    src = SOURCES["time_machine"]
    copy = altered(tmp_path, "time_machine")
    monkeypatch.setattr(text, "DATA", copy.parent)
    monkeypatch.setattr(text, "CACHE", tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / src.name).write_bytes((SHARED / "timemachine.txt").read_bytes())
    assert fetch(src) == tmp_path / "cache" / src.name


def test_no_lyrics_file_is_in_git_and_the_classics_are():
    """The lyrics are copyrighted: a download only, never committed (data/README.md)."""
    tracked = subprocess.run(["git", "ls-files"], cwd=text.APP, capture_output=True, text=True, check=True).stdout
    files = tracked.splitlines()
    assert not SOURCES["lyrics"].ships
    assert not [f for f in files if "jaychou" in f.lower() or "lyrics" in Path(f).name.lower() and f.endswith((".txt", ".zip"))]
    assert not [f for f in files if f.startswith("data/cache/")]
    for choice in SHIPPED:  # the classics are committed: a fresh clone works offline
        assert f"data/{SOURCES[choice].name}" in files, choice


def test_the_shipped_texts_are_bytes_to_git():
    """No line-ending conversion on checkout (core.autocrlf): their sha256 holds everywhere."""
    out = subprocess.run(["git", "check-attr", "text", "--", *(f"data/{SOURCES[c].name}" for c in SHIPPED)],
                         cwd=text.APP, capture_output=True, text=True, check=True).stdout
    assert out.count("text: unset") == len(SHIPPED), out
