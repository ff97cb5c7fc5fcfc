"""Reading JSON documents or JSON lines, writing results, showing progress.

Input is read as bytes by the project's strict reader
([`read_pasted`][inngest_codecs.for_inngest.documents.read_pasted]: JSON, or a sealed error message
as the dashboard shows it), so the command line refuses exactly what the rest of
the package refuses. Output is strict JSON or
nothing: a value JSON cannot carry is an error, never ``Infinity``. Text taken
from untrusted input is escaped before it reaches a terminal.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

from .. import envelope, strictjson
from ..errors import EncodingError, InputError
from ..for_inngest.documents import read_pasted

# Characters a terminal acts on or that reorder what is shown: C0 and C1 controls
# (U+009B is a CSI), line and paragraph separators, bidi overrides and isolates
# (U+202E), and the other format characters (Unicode category Cf).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code > 0xFFFF:  # as a JSON surrogate pair, so escaped JSON stays JSON
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def terminal_safe(text: str) -> str:
    """``text`` with every character a terminal could act on written as a ``\\uXXXX``
    escape (tabs and newlines kept). Inside JSON text the result is the same JSON."""
    return _UNSAFE.sub(_escape, text)


def printable(text: str, limit: int = 120) -> str:
    """``text`` safe for a terminal or a tab-separated row: control characters,
    tabs, newlines, escapes and non-ASCII shown as JSON escapes; long text cut."""
    escaped = json.dumps(text)[1:-1].replace("\x7f", "\\u007f")
    if len(escaped) > limit:
        return f"{escaped[:limit]}...({len(text)} chars)"
    return escaped


def _name(source: str) -> str:
    return "standard input" if source == "-" else printable(source)


def _open(source: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    try:
        return open(source, "rb")
    except OSError as error:
        raise InputError(f"cannot read {_name(source)}: {error.strerror}") from None


def _parse(data: bytes, where: str, *, one_line: bool = False) -> Any:
    try:
        return read_pasted(data, where, one_line=one_line)
    except EncodingError as error:
        raise InputError(str(error)) from None


def _parse_line(line: bytes, number: int, name: str) -> Any:
    """One line of JSON lines; a first line that opens an object or array alone is
    taken for what it is: the start of one document over several lines."""
    text = line.rstrip(b"\r\n")
    if number == 1 and text.strip() in (b"{", b"["):
        raise InputError(
            f"line 1 of {name} opens a JSON document that goes on over several lines: "
            "it is one document, not JSON lines; drop --lines"
        )
    return _parse(text, f"line {number} of {name}", one_line=True)


def read_documents(source: str, *, lines: bool) -> Iterator[Any]:
    """The single document in ``source``, or each of its JSON lines."""
    stream = _open(source)
    name = _name(source)
    try:
        if not lines:
            yield _parse(stream.read(), name)
            return
        for number, line in enumerate(stream, start=1):
            if line.strip():
                yield _parse_line(line, number, name)
    except OSError as error:
        raise InputError(f"cannot read {name}: {error.strerror}") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def write_document(document: Any, *, lines: bool) -> None:
    """``document`` as JSON on stdout (indented, or one line), or [`EncodingError`][]."""
    try:
        text = json.dumps(
            document, ensure_ascii=False, allow_nan=False, indent=None if lines else 2
        )
        data = terminal_safe(text).encode("utf-8") + b"\n"
    except (ValueError, TypeError, RecursionError):
        data = b""
    if not data:
        try:
            strictjson.dumps(document)
        except EncodingError as error:
            raise EncodingError(f"the result cannot be printed as JSON ({error})") from None
        raise EncodingError("the result cannot be printed as JSON")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8"))
        return
    sys.stdout.flush()
    buffer.write(data)
    buffer.flush()


_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``data.output``, ``$.steps[0].data`` or ``steps.0`` as a list of keys and indices."""
    text = path.strip()
    text = text[1:] if text.startswith("$") else text
    steps: list[str | int] = []
    position = 0
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None or match.end() == position:
            raise InputError(f"--path {printable(path)} is not a path such as data.output")
        steps.append(int(match.group(2)) if match.group(2) is not None else match.group(1))
        position = match.end()
    return steps


def pick(document: Any, path: str | None, opener: Callable[[Any], Any] | None = None) -> Any:
    """The part of ``document`` at ``path`` (the whole document when ``path`` is ``None``).

    An envelope met on the way is opened with ``opener``, so a path can lead
    into encrypted data; without an opener it is an `InputError`.
    """
    if path is None:
        return document
    current = document
    walked = "$"
    for step in parse_path(path):
        if envelope.is_envelope(current):
            if opener is None:
                raise InputError(
                    f"--path {printable(path)}: {walked} is an envelope; decrypt looks inside it"
                )
            current = opener(current)
        if isinstance(current, dict) and str(step) in current:
            current = current[str(step)]
        elif isinstance(current, list) and str(step).isdigit() and int(step) < len(current):
            current = current[int(step)]
        else:
            kinds: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}
            kind = kinds.get(type(current)) or (
                "null" if current is None else f"a {type(current).__name__}"
            )
            raise InputError(
                f"--path {printable(path)}: {walked} is {kind} without {printable(str(step))}"
            )
        walked = f"{walked}[{step}]" if isinstance(step, int) else f"{walked}.{printable(step)}"
    return current


class Progress:
    """A line counter on stderr, shown only when stderr is a terminal."""

    def __init__(self, label: str, *, every: int = 1000) -> None:
        self._label = label
        self._every = every
        self._count = 0
        self._shown = sys.stderr.isatty()

    def step(self) -> None:
        self._count += 1
        if self._shown and self._count % self._every == 0:
            sys.stderr.write(f"\r{self._label}: {self._count} lines")
            sys.stderr.flush()

    def done(self) -> None:
        if self._shown and self._count >= self._every:
            sys.stderr.write(f"\r{self._label}: {self._count} lines\n")


def each_document(source: str, lines: bool, label: str, handle: Callable[[Any], None]) -> None:
    progress = Progress(label)
    for document in read_documents(source, lines=lines):
        handle(document)
        progress.step()
    progress.done()
