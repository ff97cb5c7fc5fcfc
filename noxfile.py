"""Every developer task: `nox -s tests`, `nox -s lint typecheck`, and the rest."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PLUGINS = ["plugins/inngest-codecs-example"]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, with the example plugin installed as a separate distribution."""
    session.install(".[test]", *PLUGINS)
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("mypy", ".")
    session.run("mypy", "src")


@nox.session
def bench(session: nox.Session) -> None:
    """The performance suite: prints the table, writes docs/performance.md and its chart."""
    session.install(".[test]", "matplotlib")
    session.run(
        "python",
        "benchmarks/bench.py",
        "--out",
        "docs/performance",
        "--page",
        "docs/performance.md",
        *session.posargs,
    )
