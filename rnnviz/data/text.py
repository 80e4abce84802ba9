"""Text corpora for the character model: the corpora of data/corpora.toml (shipped or
downloaded), uploads, and the d2l minibatch samplers.

This module is code (the package rnnviz/data/); the files live in the top-level data/ folder:
data/corpora.toml (the manifest, read into SOURCES at import), the public-domain corpora that
ship (data/tinyshakespeare.txt, data/timemachine.txt) and the download cache data/cache/
(git-ignored; RNNVIZ_CACHE moves it). data/README.md says where each corpus comes from.

fetch(source) gives a corpus' file: its shipped copy when that passes its sha256 (no network),
else the cached download, else a fresh download from its canonical address, checked and
cached. A shipped or cached copy that fails its check is not used. Uploads are checked before
anything else sees them: size, zip members and their unpacked size, UTF-8 or UTF-16. Errors
the learner can fix are CorpusError (an rnnviz.i18n.Problem: a catalogue key, said in the
learner's language where the page shows it); this module chooses no words.

Where a change goes:
- a new corpus: one table in data/corpora.toml (address, sha256, licence, size, prefixes;
  ships = true and its file in data/ only when it is public domain), its label
  char.corpora.<id> in both catalogues, a row in data/README.md (rnnviz.charlm.CORPORA, the
  page's choices, and PREFIXES follow the manifest);
- a new check on an upload: read_corpus / _decode / _unpack here, its message under char.text.*
  in rnnviz/locales/{en,zh}.char.toml, a row in docs/BAD_INPUT.md;
- a new sampler: beside random_batches (same yield: X, Y, start positions).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import random
import tomllib
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from rnnviz.i18n import Message, Problem

APP = Path(__file__).resolve().parents[2]  # the app's folder: paths are named from it on a hosted demo
DATA = APP / "data"  # the top-level data/ folder (files, not this package): the manifest, shipped corpora, cache
MANIFEST = DATA / "corpora.toml"  # the corpora: one table each (see its header)
CACHE = Path(os.environ.get("RNNVIZ_CACHE", DATA / "cache"))
MAX_MB = 20  # the one upload limit: .streamlit/config.toml's server.maxUploadSize says the same (in MB)
MAX_BYTES = MAX_MB * 2**20  # largest corpus (or unpacked zip member) we accept: 20 MB, as Streamlit counts them
JOIN = "*"  # the zip member choice that joins every .txt in the zip, in the order they are stored
RARE = "\ufffd"  # the one symbol every character outside a vocabulary cap becomes (shown as �)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16 little / big endian: Notepad's "Unicode"
MAX_ZIP_RATIO = 100  # a zip member unpacking to more than 100x its packed size is refused...
ZIP_RATIO_FROM = 1_000_000  # ...when it unpacks to more than this: small repetitive texts pack that well too
BUILT_IN_PREFIXES = {"reber": ("B",), "hello": ("h",)}  # the page's built-in corpora write from these

log = logging.getLogger(__name__)


class CorpusError(Problem):
    """A corpus that cannot be used: a catalogue key (char.text.*) and its values, said in the
    learner's language when shown (a ValueError, as every Problem)."""


@dataclass(frozen=True)
class Source:
    """One corpus of data/corpora.toml (its header says what each field is for)."""

    name: str  # the file's name: data/<name> when it ships, <CACHE>/<name> once downloaded
    url: str  # its canonical address
    sha256: str  # of the file's bytes: every copy is checked against it before it is used
    size: int  # bytes, to show before downloading
    member: str = ""  # for a zip: the .txt inside
    licence: str = ""  # why it may ship, or why it may not
    ships: bool = False  # committed in data/ (public domain only): works with no network
    prefixes: tuple[str, ...] = ()  # what the page's printout writes from


def read_manifest(path: Path = MANIFEST) -> dict[str, Source]:
    """{stable id: Source} from the manifest, in its order (an unknown field is an error)."""
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return {key: Source(**{**entry, "prefixes": tuple(entry.get("prefixes", ()))}) for key, entry in table.items()}


# keyed by stable ids: they go into the page's link, whatever the learner's language
SOURCES = read_manifest()
# what the model writes from in the char page's printout, per corpus id
PREFIXES = {**BUILT_IN_PREFIXES, **{key: source.prefixes for key, source in SOURCES.items()}}


def fetch(source: Source, url: str | None = None, progress: Callable[[int, int], None] | None = None,
          timeout: float = 20.0) -> Path:
    """The file of `source`: its shipped copy in data/ when it passes its sha256 (no network),
    else the cached copy when it passes, else downloaded (from `url`, default its canonical
    address), checked and cached. A shipped copy that fails is left in place and not used (the
    server's log says so; so does the error when the download fails too); a cached one that
    fails is moved aside (.bad). Raises CorpusError."""
    refused = None  # a shipped copy that failed its sha256: not used
    if source.ships:
        shipped = DATA / source.name
        if shipped.exists():
            if _sha256(shipped.read_bytes()) == source.sha256:
                return shipped
            refused = shipped
            log.warning("%s failed its sha256 check (expected %s…): not used; the download cache and %s instead",
                        shipped, source.sha256[:16], url or source.url)
    path = CACHE / source.name
    moved = None  # a cached copy that failed its sha256: moved aside (.bad), then downloaded again
    if path.exists():
        if _sha256(path.read_bytes()) == source.sha256:
            return path
        moved = path.with_suffix(path.suffix + ".bad")
        path.replace(moved)
    url = url or source.url
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            total = int(r.headers.get("Content-Length") or source.size)
            chunks, got = [], 0
            while chunk := r.read(65536):
                chunks.append(chunk)
                got += len(chunk)
                if got > MAX_BYTES:
                    raise CorpusError("char.text.too_much", url=url, limit=MAX_BYTES)
                if progress:
                    progress(got, total)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        if isinstance(exc, CorpusError):
            raise
        where = shown_path(path)
        if refused is not None:
            raise CorpusError("char.text.shipped_bad", name=source.name, shipped=shown_path(refused), url=url,
                              exc=exc, path=where, expected=source.sha256[:16]) from exc
        if moved is not None:
            raise CorpusError("char.text.cache_bad", name=source.name, path=where, bad=shown_path(moved), url=url,
                              exc=exc, expected=source.sha256[:16]) from exc
        raise CorpusError("char.text.offline", name=source.name, url=url, exc=exc, path=where,
                          expected=source.sha256[:16]) from exc
    data = b"".join(chunks)
    digest = _sha256(data)
    if digest != source.sha256:
        raise CorpusError("char.text.corrupted", name=source.name, url=url, got=digest[:16],
                          expected=source.sha256[:16])
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def shown_path(path: Path) -> str:
    """A server path as a visitor may see it: from the app's folder on a hosted demo
    (RNNVIZ_HOSTED=1), in full when the app runs on the learner's own machine."""
    if os.environ.get("RNNVIZ_HOSTED") != "1":
        return str(path)
    try:
        return str(path.resolve().relative_to(APP))
    except ValueError:  # a cache outside the app's folder (RNNVIZ_CACHE): its name only
        return f"…/{path.name}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Read:
    """A corpus read from a file, and how: what the page says about it."""

    text: str
    encoding: str  # "utf-8" or "utf-16" (read by its byte order mark)
    member: str = ""  # a zip's .txt that was read ("" for a plain .txt; JOIN: all of them joined)
    members: tuple[str, ...] = ()  # every .txt in a zip, in the order stored


def read_text(name: str, data: bytes) -> str:
    """Text out of an uploaded or downloaded .txt or .zip (d2l-style: the .txt inside), checked."""
    return read_corpus(name, data).text


def is_zip(name: str, data: bytes) -> bool:
    return name.lower().endswith(".zip") or data[:4] == b"PK\x03\x04"


def zip_members(name: str, data: bytes) -> tuple[str, ...]:
    """The .txt files in a zip, in the order stored (raises CorpusError for a zip without one)."""
    return tuple(i.filename for i in _txt_infos(name, _open_zip(name, data)))


def read_corpus(name: str, data: bytes, member: str | None = None) -> Read:
    """read_text, saying how: a zip's chosen .txt (member; default its first; JOIN: all, joined
    by a newline), UTF-8 or UTF-16 (by its BOM). NUL bytes anywhere refuse the file."""
    if not data:
        raise CorpusError("char.text.empty", name=name)
    if len(data) > MAX_BYTES:
        raise CorpusError("char.text.too_big", name=name, size=len(data), limit=MAX_BYTES)
    members: tuple[str, ...] = ()
    if is_zip(name, data):
        zf = _open_zip(name, data)
        infos = _txt_infos(name, zf)
        members = tuple(i.filename for i in infos)
        member = member if member in (*members, JOIN) else members[0]
        chosen = infos if member == JOIN else [i for i in infos if i.filename == member]
        parts = [_decode(f"{name}: {i.filename}", _unpack(name, zf, i)) for i in chosen]
        text = "\n".join(p[0] for p in parts)
        if len(text.encode("utf-8")) > MAX_BYTES:
            raise CorpusError("char.text.unpacks_too_big", name=name, member=member, limit=MAX_BYTES)
        encoding = "utf-16" if any(p[1] == "utf-16" for p in parts) else "utf-8"
    else:
        member = ""
        text, encoding = _decode(name, data)
    if not text:
        raise CorpusError("char.text.empty", name=name)
    return Read(text, encoding, member, members)


def _decode(name: str, data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-16 when it starts with its byte order mark, else UTF-8; NUL refused."""
    if data[:2] in UTF16_BOMS:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CorpusError("char.text.not_utf16", name=name, byte=exc.start) from None
        encoding = "utf-16"
    else:
        if b"\x00" in data:  # anywhere in the file, not just its start
            raise CorpusError("char.text.binary", name=name, at=data.index(b"\x00"))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CorpusError("char.text.not_utf8", name=name, byte=exc.start) from None
        encoding = "utf-8"
    if "\x00" in text:
        raise CorpusError("char.text.binary", name=name, at=text.index("\x00"))
    return text.lstrip("\ufeff"), encoding


def _open_zip(name: str, data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise CorpusError("char.text.bad_zip", name=name) from None


def _txt_infos(name: str, zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    txts = [i for i in zf.infolist() if i.filename.lower().endswith(".txt") and not i.is_dir()]
    if not txts:
        members = ", ".join(zf.namelist()[:5]) or Message("char.text.nothing")
        raise CorpusError("char.text.no_txt", name=name, members=members)
    return txts


def _unpack(name: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_BYTES or (info.file_size > ZIP_RATIO_FROM
                                      and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1)):
        raise CorpusError("char.text.zip_bomb", name=name, member=info.filename, size=info.file_size,
                          packed=info.compress_size, limit=MAX_BYTES, ratio=MAX_ZIP_RATIO)
    try:
        with zf.open(info) as f:
            out = f.read(MAX_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, OSError) as exc:
        raise CorpusError("char.text.damaged", name=name, member=info.filename, exc=exc) from None
    if len(out) > MAX_BYTES:
        raise CorpusError("char.text.unpacks_too_big", name=name, member=info.filename, limit=MAX_BYTES)
    return out


def cap_rare(text: str, cap: int) -> tuple[str, int, float]:
    """The text with every character outside its `cap` most frequent replaced by RARE (0: none),
    the number of distinct characters merged, and the share of the text they were."""
    if cap <= 0:
        return text, 0, 0.0
    chars = Vocab.of(text).chars
    if len(chars) <= cap:
        return text, 0, 0.0
    kept = set(chars[:cap])
    rare = [ch not in kept for ch in text]
    n = sum(rare)
    out = "".join(RARE if r else ch for ch, r in zip(text, rare))
    return out, len(chars) - cap, n / len(text)


def d2l_lyrics(text: str, first: int | None = 10_000) -> str:
    """As d2l reads the lyrics: newlines become spaces; optionally the first 10,000 characters."""
    text = text.replace("\n", " ").replace("\r", " ")
    return text[:first] if first else text


# ---------------------------------------------------------------- vocabulary and samplers


@dataclass(frozen=True)
class Vocab:
    chars: tuple[str, ...]  # index -> character, sorted by frequency (most frequent first)

    @classmethod
    def of(cls, text: str) -> Vocab:
        counts: dict[str, int] = {}
        for ch in text:
            counts[ch] = counts.get(ch, 0) + 1
        return cls(tuple(sorted(counts, key=lambda c: (-counts[c], c))))

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> list[int]:
        index = {c: i for i, c in enumerate(self.chars)}
        missing = sorted({c for c in text if c not in index})
        if missing:
            shown = ", ".join(repr(c) for c in missing[:8])
            raise CorpusError("char.text.not_in_vocab", chars=shown)
        return [index[c] for c in text]

    def decode(self, ids) -> str:
        return "".join(self.chars[i] for i in ids)


def random_batches(ids: Tensor, batch: int, steps: int, rng: random.Random,
                   offset: bool = True) -> Iterator[tuple[Tensor, Tensor, list]]:
    """d2l's random sampling: non-overlapping subsequences in random order; neighbouring
    minibatches are not adjacent in the text, so the state is re-initialised for each.
    offset: start at a random position in [0, steps) (d2l's 2nd edition: other windows every
    epoch); False: at 0, the same windows every epoch (the 1st edition, the lyrics chapter's).
    Yields X, Y (batch, steps) and the corpus start position of each row."""
    offset = rng.randint(0, steps - 1) if offset else 0
    n = (len(ids) - offset - 1) // steps
    starts = [offset + i * steps for i in range(n)]
    rng.shuffle(starts)
    for k in range(0, n - batch + 1, batch):
        rows = starts[k:k + batch]
        X = torch.stack([ids[s:s + steps] for s in rows])
        Y = torch.stack([ids[s + 1:s + steps + 1] for s in rows])
        yield X, Y, rows


def consecutive_batches(ids: Tensor, batch: int, steps: int, rng: random.Random,
                        offset: bool = True) -> Iterator[tuple[Tensor, Tensor, list]]:
    """d2l's consecutive sampling (相邻采样): the corpus is cut into `batch` parallel streams;
    row i of minibatch k+1 continues row i of minibatch k, so the state can be carried over.
    offset: as in random_batches."""
    offset = rng.randint(0, steps - 1) if offset else 0
    usable = ((len(ids) - offset - 1) // batch) * batch
    Xs = ids[offset:offset + usable].view(batch, -1)
    Ys = ids[offset + 1:offset + 1 + usable].view(batch, -1)
    per_row = Xs.shape[1]
    for k in range(0, (per_row // steps) * steps, steps):
        yield Xs[:, k:k + steps], Ys[:, k:k + steps], [offset + r * per_row + k for r in range(batch)]
