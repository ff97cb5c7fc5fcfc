"""The pieces test_examples.py relies on refuse what they must."""

from __future__ import annotations

from pathlib import Path

import pytest

from .commands import checked_commands, install_problems, nox_problems
from .markdown import blocks, prose
from .reader import output_matches


@pytest.mark.parametrize(
    "command",
    [
        "pip install inngest-codecs",  # not on PyPI: from the checkout
        'pip install "inngest-codecs[serve]"',
        "python3 -m pip install plugins/inngest-codecs-nowhere",
        'python3 -m pip install ".[no-such-extra]"',
    ],
)
def test_installs_the_checkout_cannot_do_are_refused(command: str) -> None:
    assert install_problems(command)


@pytest.mark.parametrize(
    "command",
    [
        'python3 -m pip install ".[demo]"',
        "python3 -m pip install . pytest fastapi uvicorn",
        "pip install -e plugins/inngest-codecs-aws-kms",
        "python3 -m pip install nox",
    ],
)
def test_installs_from_the_checkout_pass(command: str) -> None:
    assert install_problems(command) == []


def test_nox_sessions_must_exist() -> None:
    assert nox_problems("nox -s lint typecheck") == []
    assert nox_problems("python3 -m nox -s tests -- -k docs") == []
    assert nox_problems("nox -s lint spellcheck") == [
        "'nox -s lint spellcheck': noxfile.py has no session 'spellcheck'"
    ]


def test_checked_commands_are_not_run() -> None:
    script, commands, problems = checked_commands(
        'python3 -m pip install ".[demo]" && inngest-codecs demo\npython3 -m nox -s tests\n'
    )
    assert script == ": && inngest-codecs demo\n: \n"
    assert commands == ['python3 -m pip install ".[demo]"', "python3 -m nox -s tests"]
    assert problems == []


@pytest.mark.parametrize(
    ("expected", "printed", "matches"),
    [
        ("{\n  'a': 1\n}", "{ 'a': 1 }\n", True),
        ("data: '...'", "data: 'AbC+/='", True),
        ("Traceback (most recent call last):\n  ...\nKeyError: 'x'", "KeyError: 'y'", False),
        ("a ... c", "a b c d", False),
        ("exact", "exact and more", False),
    ],
)
def test_output_blocks_match_with_ellipses_and_any_whitespace(
    expected: str, printed: str, matches: bool
) -> None:
    assert output_matches(expected, printed) is matches


def test_blocks_carry_language_title_and_reason(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "Text `inline`.\n\n"
        '```toml title="settings.toml"\nk = 1\n```\n\n'
        "<!-- not run: needs an account -->\n"
        "```sh\nexport A=1\n```\n\n"
        "- item:\n\n  ```python\n  print(1)\n  ```\n",
        encoding="utf-8",
    )
    toml, sh, python = blocks(page)
    assert (toml.language, toml.title, toml.text, toml.not_run) == (
        "toml",
        "settings.toml",
        "k = 1\n",
        None,
    )
    assert (sh.language, sh.not_run, sh.line) == ("sh", "needs an account", 8)
    assert (python.language, python.text) == ("python", "print(1)\n")
    assert "export" not in prose(page) and "inline" in prose(page)
