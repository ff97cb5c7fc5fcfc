"""Reading JSON documents or JSON lines, writing results, showing progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any

from ..errors import CodecError


class InputError(CodecError):
    """The input could not be read or is not JSON."""


def _open(source: str) -> IO[str]:
    if source == "-":
        return sys.stdin
    try:
        return open(source, encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror}") from None


def _parse(text: str, where: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        detail = (
            f" (line {error.lineno}, column {error.colno})"
            if isinstance(error, json.JSONDecodeError)
            else ""
        )
        raise InputError(f"{where} is not valid JSON{detail}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def read_documents(source: str, *, lines: bool) -> Iterator[Any]:
    """The single document in ``source``, or each of its JSON lines."""
    stream = _open(source)
    name = "standard input" if source == "-" else source
    try:
        if not lines:
            try:
                text = stream.read()
            except UnicodeDecodeError:
                raise InputError(f"{name} is not UTF-8 text") from None
            yield _parse(text, name)
            return
        for number, line in enumerate(stream, start=1):
            if line.strip():
                yield _parse(line, f"line {number} of {name}")
    except UnicodeDecodeError:
        raise InputError(f"{name} is not UTF-8 text") from None
    finally:
        if stream is not sys.stdin:
            stream.close()


def write_document(document: Any, *, lines: bool) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=None if lines else 2)
    sys.stdout.write(text + "\n")


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
