"""The sync file: JSON Lines, a header, the events, and an HMAC-SHA256 signature line.

```
{"format": "loyalty-sync", "version": 1, "node": ..., "store": "002", "till": 1,
 "first_seq": 1, "last_seq": 840, "count": 840, "created_at": "..."}
{"uuid": ..., "seq": 1, "store": "002", "till": 1, "kind": "sale", "at": "...", "data": {...}}
...
{"signature": "hmac-sha256:<hex over every byte before this line>"}
```

The signature covers the header and every event, so a file that was changed, cut short or
written with another chain's secret is rejected whole. Pure: no database, no clock.

An import reads a file twice, never whole into memory: :func:`check_file` hashes it in chunks
(signature, header, line count), then :func:`read_slices` parses it a slice of lines at a time
and checks the signature again over what it parsed.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from app.domain.errors import LoyaltyError
from app.domain.text import quote_input
from app.i18n import _
from app.store.settings import may_arrive

FORMAT = "loyalty-sync"
VERSION = 1
SUFFIX = ".jsonl"
SIGNATURE_PREFIX = "hmac-sha256:"
_REQUIRED = frozenset(("uuid", "seq", "kind", "data"))  # what every event line holds


class SyncFileRejected(LoyaltyError):
    """A sync file that cannot be trusted or read; nothing from it may be applied."""


@dataclass(frozen=True)
class SyncBatch:
    """A verified sync file: who wrote it and its events in order."""

    header: dict[str, Any]
    events: list[dict[str, Any]]
    sha256: str

    @property
    def node(self) -> str:
        return str(self.header["node"])


def file_name(store: str, node: str, first_seq: int, last_seq: int, content: bytes) -> str:
    """``sync-002-1a2b3c4d-0000000001-0000000840-9f86d081.jsonl``: sorts by shop, then in order.

    The last part is the start of the content's SHA-256: a shop restored from a backup numbers
    its new events as it numbered the lost ones, and without it would write a file under the
    name of one already in the folder: replacing it, and skipped by every shop that has it.
    """
    digest = hashlib.sha256(content).hexdigest()[:8]
    return f"sync-{store}-{node[:8]}-{first_seq:010d}-{last_seq:010d}-{digest}{SUFFIX}"


def _sign(secret: bytes, body: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _line(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def event_line(
    uuid: str, seq: int, store: str, till: int, kind: str, at: str, payload: str
) -> bytes:
    """One event line, with ``payload`` (the event's data) already JSON text."""
    d = json.dumps
    return (
        f'{{"uuid":{d(uuid)},"seq":{seq},"store":{d(store)},"till":{till},'
        f'"kind":{d(kind)},"at":{d(at)},"data":{payload}}}\n'
    ).encode()


def encode_batch(secret: bytes, header: Mapping[str, Any], lines: Iterable[bytes]) -> bytes:
    """The bytes of a signed sync file from the header and the event lines."""
    body = _line({"format": FORMAT, "version": VERSION, **header}) + b"".join(lines)
    return body + _line({"signature": _sign(secret, body)})


@dataclass(frozen=True)
class VerifiedFile:
    """A sync file whose signature matched: its signed bytes, not parsed yet."""

    body: bytes
    sha256: str


def decode_batch(secret: bytes, data: bytes) -> SyncBatch:
    """Verify and parse a sync file, or raise :class:`SyncFileRejected` with the reason."""
    return parse_batch(verify_batch(secret, data))


def verify_batch(secret: bytes, data: bytes) -> VerifiedFile:
    """Check a sync file's signature (hashing, no parsing), or raise :class:`SyncFileRejected`."""
    if not data:
        raise SyncFileRejected(_("the file is empty"))
    if not data.endswith(b"\n"):
        raise SyncFileRejected(_("the file is cut short (no signature at its end)"))
    cut = data.rfind(b"\n", 0, len(data) - 1) + 1
    body, last = data[:cut], data[cut:]
    try:
        signature = json.loads(last)["signature"]
    except (ValueError, KeyError, TypeError):
        raise SyncFileRejected(_("the file is cut short (no signature at its end)")) from None
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _sign(secret, body)):
        raise SyncFileRejected(
            _("the signature does not match: the file was changed or another secret signed it")
        )
    return VerifiedFile(body=body, sha256=hashlib.sha256(data).hexdigest())


def parse_batch(verified: VerifiedFile) -> SyncBatch:
    """The header and events of a verified file, or :class:`SyncFileRejected` if malformed."""
    body = verified.body
    first = body.find(b"\n") + 1
    try:
        # orjson: parsing is the largest single cost of an import (a C parser, 4x json's speed).
        # The event lines become one JSON array in one pass over the bytes.
        header = orjson.loads(body[:first]) if body else None
        events = (
            orjson.loads(b"[" + body[first:-1].replace(b"\n", b",") + b"]")
            if len(body) > first
            else []
        )
    except ValueError:
        raise SyncFileRejected(_("a line of the file is not valid JSON")) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SyncFileRejected(_("this is not a sync file of this program"))
    if header.get("version") != VERSION:
        raise SyncFileRejected(
            _("the file has format version {version}, this program reads {ours}").format(
                version=header.get("version"), ours=VERSION
            )
        )
    if header.get("count") != len(events):
        raise SyncFileRejected(
            _("the file announces {count} events but holds {found}").format(
                count=header.get("count"), found=len(events)
            )
        )
    for event in events:
        if not isinstance(event, dict) or not event.keys() >= _REQUIRED:
            raise SyncFileRejected(_("an event in the file is incomplete"))
        if event["kind"] == "setting":
            check_setting(event)
    if not isinstance(header.get("node"), str):
        raise SyncFileRejected(_("the file does not say which shop wrote it"))
    return SyncBatch(header=header, events=events, sha256=verified.sha256)


READ_CHUNK = 1 << 20  # bytes hashed at a time: large enough for hashing to let go of the GIL
_TAIL = 4096  # the end of a file read to find the signature line (about 90 bytes)
MAX_LINE = 1 << 20  # the longest line a file may hold (an event is a few hundred bytes)
SLICE_BYTES = 64 << 20  # the most bytes of lines parsed at once, whatever their number


@dataclass(frozen=True)
class CheckedFile:
    """A sync file whose signature matched, checked in chunks: its header and size, no events."""

    header: dict[str, Any]
    count: int
    signature: str
    sha256: str
    stamp: tuple[int, ...]  # what ``fstat`` said before the check (see :func:`_stamp`)

    @property
    def node(self) -> str:
        return str(self.header["node"])


def _stamp(fh: BinaryIO) -> tuple[int, ...]:
    """The open file's identity and change times: any write to it changes ``st_ctime``."""
    info = os.fstat(fh.fileno())
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _cut_short() -> SyncFileRejected:
    return SyncFileRejected(_("the file is cut short (no signature at its end)"))


def _too_long() -> SyncFileRejected:
    return SyncFileRejected(
        _("a line of the file is longer than {size} bytes").format(size=MAX_LINE)
    )


def open_file(path: str | Path, max_bytes: int) -> BinaryIO:
    """Open a sync file to read if it is a regular file of at most ``max_bytes``.

    A symbolic link is never followed (``O_NOFOLLOW``); a FIFO or a device cannot block the
    open (``O_NONBLOCK``) and is refused once open (``fstat``); a larger file is refused
    before a byte of it is read. Raises :class:`SyncFileRejected` with the reason.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SyncFileRejected(
                _("it is a symbolic link: only files in the sync folder itself are read")
            ) from None
        raise SyncFileRejected(exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SyncFileRejected(_("it is not a regular file"))
        if info.st_size > max_bytes:
            raise SyncFileRejected(
                _("the file is larger than {size} MB (setting sync.max_file_mb)").format(
                    size=max_bytes // MB
                )
            )
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


MB = 1 << 20


def check_setting(event: Mapping[str, Any]) -> None:
    """Refuse a setting event whose key no shop sends (shop, sync, printer, card settings)."""
    data = event.get("data")
    key = data.get("key") if isinstance(data, dict) else None
    if not isinstance(key, str) or not may_arrive(key):
        raise SyncFileRejected(
            _(
                "the file carries the setting {key}, which shops never send each other "
                "(only program rules travel)"
            ).format(key=quote_input(str(key)))
        )


def _check_line(line: bytes) -> None:
    try:
        event = orjson.loads(line)
    except ValueError:
        return  # read_slices rejects it when it parses the line
    if isinstance(event, dict) and event.get("kind") == "setting":
        check_setting(event)


_SETTING = b'"setting"'  # in every setting event's line, unless spelt with ``\\u`` escapes


def _line_at(buf: bytes, at: int, start: int, end: int) -> tuple[bytes, int]:
    """The whole line of ``buf[start:end]`` around ``at``, and where the next line starts."""
    stop = buf.find(b"\n", at, end) + 1
    return buf[max(start, buf.rfind(b"\n", start, at) + 1) : stop], stop


def _scan(buf: bytes, start: int, end: int) -> None:
    """Check the whole lines ``buf[start:end]``: each at most :data:`MAX_LINE` long, and the
    setting events among them only of keys that travel.

    Cheap (searches in C, no copy): only the lines that may be setting events are parsed, those
    holding ``"setting"`` and those with a ``\\u`` escape (the writers never escape a letter).
    """
    at = start
    while end - at > MAX_LINE + 1:  # the line from ``at`` may be too long: find its end
        hit = buf.rfind(b"\n", at, at + MAX_LINE + 1)
        if hit < 0:
            raise _too_long()
        at = hit + 1
    at = buf.find(_SETTING, start, end)
    while at >= 0:
        line, stop = _line_at(buf, at, start, end)
        _check_line(line)
        at = buf.find(_SETTING, stop, end)
    at = buf.find(b"\\", start, end)
    while at >= 0:
        if buf[at + 1 : at + 2] != b"u":
            at = buf.find(b"\\", at + 2, end)  # another escape (an escaped backslash too)
            continue
        line, stop = _line_at(buf, at, start, end)
        _check_line(line)
        at = buf.find(b"\\", stop, end)


def check_file(secret: bytes, fh: BinaryIO) -> CheckedFile:
    """Check an open sync file's signature, header and event count, reading it in chunks.

    The same checks as :func:`decode_batch` except the events' JSON, which
    :func:`read_slices` checks as it parses them; it also refuses a line longer than
    :data:`MAX_LINE` and a setting no shop sends, so memory stays bounded and such a file is
    rejected whole before anything of it is applied. Raises :class:`SyncFileRejected`.
    """
    stamp = _stamp(fh)
    size = stamp[2]
    if size == 0:
        raise SyncFileRejected(_("the file is empty"))
    fh.seek(max(0, size - _TAIL))
    tail = fh.read()
    if not tail.endswith(b"\n"):
        raise _cut_short()
    cut = tail.rfind(b"\n", 0, len(tail) - 1) + 1
    if cut == 0 and size > len(tail):
        raise _cut_short()  # a last line too long to be a signature
    body_size, last = size - len(tail) + cut, tail[cut:]
    try:
        signature = json.loads(last)["signature"]
    except (ValueError, KeyError, TypeError):
        raise _cut_short() from None
    mac, whole = hmac.new(secret, digestmod=hashlib.sha256), hashlib.sha256()
    fh.seek(0)
    left, lines, first, carry = body_size, 0, None, b""
    while left > 0:
        chunk = fh.read(min(READ_CHUNK, left))
        if not chunk:
            raise _cut_short()  # shorter than a moment ago
        mac.update(chunk)
        whole.update(chunk)
        left -= len(chunk)
        end = chunk.rfind(b"\n") + 1
        if not end:  # no line ends in this chunk
            carry += chunk
            if len(carry) > MAX_LINE:
                raise _too_long()
            continue
        # The line begun in the chunk before, then the chunk's other whole lines in place.
        split = chunk.find(b"\n") + 1
        head = carry + chunk[:split]
        if len(head) > MAX_LINE + 1:
            raise _too_long()
        if first is None:
            first = head
        _scan(head, 0, len(head))
        _scan(chunk, split, end)
        lines += 1 + chunk.count(b"\n", split, end)
        carry = chunk[end:]
    whole.update(last)
    if not isinstance(signature, str) or not hmac.compare_digest(
        signature, SIGNATURE_PREFIX + mac.hexdigest()
    ):
        raise SyncFileRejected(
            _("the signature does not match: the file was changed or another secret signed it")
        )
    header = _header(first) if first else None
    count = max(0, lines - 1)
    _check_header(header, count)
    assert isinstance(header, dict)  # checked by _check_header
    return CheckedFile(
        header=header, count=count, signature=signature, sha256=whole.hexdigest(), stamp=stamp
    )


def _header(line: bytes) -> Any:
    try:
        return orjson.loads(line) if line else None
    except ValueError:
        raise SyncFileRejected(_("a line of the file is not valid JSON")) from None


def _check_header(header: Any, count: int) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise SyncFileRejected(_("this is not a sync file of this program"))
    if header.get("version") != VERSION:
        raise SyncFileRejected(
            _("the file has format version {version}, this program reads {ours}").format(
                version=header.get("version"), ours=VERSION
            )
        )
    if header.get("count") != count:
        raise SyncFileRejected(
            _("the file announces {count} events but holds {found}").format(
                count=header.get("count"), found=count
            )
        )
    if not isinstance(header.get("node"), str):
        raise SyncFileRejected(_("the file does not say which shop wrote it"))


def read_slices(
    secret: bytes, fh: BinaryIO, checked: CheckedFile, size: Callable[[], int]
) -> Iterator[list[dict[str, Any]]]:
    """The events of a checked file, ``size()`` lines at a time, in the file's order.

    Only one slice is parsed at a time. A file written to since :func:`check_file` (its
    ``fstat`` changed) raises :class:`SyncFileRejected` before the slice read after the write
    is yielded; the signature is also computed again over the lines as they are read, and a
    mismatch raises after the last slice, before the caller marks the file imported.
    """
    mac = hmac.new(secret, digestmod=hashlib.sha256)
    fh.seek(0)
    readline, limit = fh.readline, MAX_LINE + 1
    mac.update(readline(limit))
    left = checked.count
    while left > 0:
        want, taken = min(max(1, size()), left), 0
        lines: list[bytes] = []
        while len(lines) < want and taken < SLICE_BYTES:
            line = readline(limit)
            if not line.endswith(b"\n"):
                raise _cut_short() if len(line) < limit else _too_long()
            lines.append(line)
            taken += len(line)
        if _stamp(fh) != checked.stamp:
            # Written to since its check: what was read may not be what was signed. Checked
            # after the read, before anything of the slice is applied.
            raise SyncFileRejected(_("the file was changed while it was being imported"))
        left -= len(lines)
        joined = b"".join(lines)
        mac.update(joined)
        try:
            # orjson: parsing is a large part of an import (a C parser, 4x json's speed); the
            # slice's lines become one JSON array in one pass over the bytes.
            events = orjson.loads(b"[" + joined[:-1].replace(b"\n", b",") + b"]")
        except ValueError:
            raise SyncFileRejected(_("a line of the file is not valid JSON")) from None
        for event in events:
            if not isinstance(event, dict) or not event.keys() >= _REQUIRED:
                raise SyncFileRejected(_("an event in the file is incomplete"))
            if event["kind"] == "setting":
                check_setting(event)
        yield events
    if not hmac.compare_digest(checked.signature, SIGNATURE_PREFIX + mac.hexdigest()):
        raise SyncFileRejected(_("the file was changed while it was being imported"))
