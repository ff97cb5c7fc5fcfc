"""Write the settings table of docs/configuration.md from the settings model.

Run by `nox -s docs`; tests/test_config.py checks the page is current.
"""

from __future__ import annotations

import pathlib
import sys

from inngest_codecs.config import settings_table

START, END = "<!-- settings-table:start -->\n", "<!-- settings-table:end -->"


def render(page: str) -> str:
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + START + settings_table() + END + tail


if __name__ == "__main__":
    path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "docs/configuration.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
