"""Every developer task: `nox -s tests`, `nox -s lint typecheck`, and the rest."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PLUGINS = ["plugins/inngest-codecs-example", "plugins/inngest-codecs-legacy"]


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
    session.install("mypy", ".[test]")
    session.run("mypy", "src")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site; any warning fails the build."""
    session.install(".", "mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26")
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against inngest_encryption and the raw primitives; writes docs/performance.*"""
    session.install(".[test]", "matplotlib")
    session.run("python", "-m", "benchmarks.run")
