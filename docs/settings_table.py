"""Write the settings table of docs/configuration.md from the settings model.

Run by `nox -s docs`; tests/test_config.py checks the page is current.
"""

from __future__ import annotations

import pathlib
import sys
from typing import Any

from inngest_codecs import config_values
from inngest_codecs.config import REQUIRED, SETTINGS, Setting

START, END = "<!-- settings-table:start -->\n", "<!-- settings-table:end -->"


def _default_text(setting: Setting[Any]) -> str:
    if setting.default is REQUIRED:
        return "required"
    if setting.default in ((), None):
        return "none"
    if isinstance(setting.default, bool):
        return str(setting.default).lower()
    if isinstance(setting.default, float) and setting.default.is_integer():
        return f"{int(setting.default):,}"
    if isinstance(setting.default, (int, float)):
        return f"{setting.default:,}"
    return f"`{setting.default}`"


def settings_table() -> str:
    """The Markdown table of every setting, as docs/configuration.md shows it."""
    rows = [
        "| setting | environment variable | command line | takes | default | what it does |",
        "|---|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        name = f"`{s.name}`" + "".join(f" (or `{alias}`)" for alias in s.aliases)
        takes = (
            f"one of {', '.join(s.choices)}"
            if s.kind == "choice"
            else f"{', '.join(s.choices)}, or off (None)"
            if s.kind == "optional_choice"
            else config_values.KIND_TEXT[s.kind]
        )
        cli = f"`{s.cli}`" if s.cli else "—"
        default = _default_text(s)
        rows.append(f"| {name} | `{s.env}` | {cli} | {takes} | {default} | {s.help} |")
    return "\n".join(rows) + "\n"


def render(page: str) -> str:
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + START + settings_table() + END + tail


if __name__ == "__main__":
    path = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "docs/configuration.md")
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
