"""The fenced blocks of a Markdown page, with what the page says about each.

A fence's first word is its language; ``title="..."`` (shown by the site above the
block) names the file the block is, or ``title="output"`` marks what the block
before it prints. An HTML comment right before a fence, ``<!-- not run: REASON
-->``, keeps a block from running and says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
PAGES = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "plugins").glob("*/README.md")),
]

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>.*)$")
TITLE = re.compile(r'title="(?P<title>[^"]*)"')
NOT_RUN = re.compile(r"^\s*<!--\s*not run:(?P<reason>.*?)-->\s*$")
INLINE_CODE = re.compile(r"(?<!`)`(?P<code>[^`\n]+)`(?!`)")


@dataclass(frozen=True)
class Block:
    page: str
    """The page, relative to the checkout."""
    line: int
    """The line of the opening fence, from 1."""
    language: str
    title: str | None
    text: str
    not_run: str | None
    """Why the page says the block does not run here, or None."""

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def is_output(self) -> bool:
        return self.title == "output"


def page_name(path: Path) -> str:
    """The page as the checkout names it (or its whole path, outside the checkout)."""
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence, info = opening["indent"], opening["fence"], opening["info"].strip()
        end = index + 1
        closing = _closing(fence)
        while not closing.match(lines[end]):
            end += 1
        body = [
            line[len(indent) :] if line.startswith(indent) else line.lstrip()
            for line in lines[index + 1 : end]
        ]
        title = TITLE.search(info)
        found.append(
            Block(
                page=page_name(path),
                line=index + 1,
                language=info.split()[0] if info and not info.startswith("title=") else "",
                title=title["title"] if title else None,
                text="\n".join(body) + "\n",
                not_run=_not_run(lines, index),
            )
        )
        index = end + 1
    return found


def _not_run(lines: list[str], fence_index: int) -> str | None:
    before = fence_index - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    directive = NOT_RUN.match(lines[before]) if before >= 0 else None
    return directive["reason"].strip() if directive else None


def prose(path: Path) -> str:
    """The page without its fenced blocks: what a reader is told in words."""
    kept: list[str] = []
    closing: re.Pattern[str] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        opening = FENCE.match(line)
        if closing is None and opening:
            closing = _closing(opening["fence"])
        elif closing is not None and closing.match(line):
            closing = None
        elif closing is None:
            kept.append(line)
    return "\n".join(kept)


def _closing(fence: str) -> re.Pattern[str]:
    return re.compile(rf"^ *{fence[0]}{{{len(fence)},}}\s*$")


def inline_code(path: Path) -> list[str]:
    """Every `code span` of the page's prose."""
    return [match["code"] for match in INLINE_CODE.finditer(prose(path))]
