"""Every developer task: `nox -s tests`, `nox -s lint typecheck`, and the rest."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|virtualenv"
"""uv where it is installed (the README installs it beside nox): it fills a session's
environment in seconds where pip takes minutes; virtualenv and pip otherwise."""

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
"""Every supported Python; CI runs the oldest and the newest (README.md)."""


def _find_pyenv_pythons() -> None:
    """Let nox find each Python pyenv installed: pyenv's shims hide all but the selected one."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if not versions.is_dir():
        return
    found = [v for v in versions.iterdir() if re.fullmatch(r"3\.1[0-3]\.\d+", v.name)]
    newest = {}
    for version in sorted(found, key=lambda v: [int(part) for part in v.name.split(".")]):
        newest[version.name.rsplit(".", 1)[0]] = version / "bin"
    os.environ["PATH"] = os.pathsep.join([*map(str, newest.values()), os.environ["PATH"]])


_find_pyenv_pythons()

PLUGINS = [
    "plugins/inngest-codecs-example",
    "plugins/inngest-codecs-legacy",
    "plugins/inngest-codecs-aws-kms",
    "plugins/inngest-codecs-s3",
]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite, with the plugins installed as separate distributions."""
    session.install(".[test]", *PLUGINS)
    session.run("pytest", "--ignore=tests/load", *session.posargs)


@nox.session
def load(session: nox.Session) -> None:
    """Runs of 5 steps against FastAPI, plain and encrypted: 200 (16 at a time), or with
    ``-- full`` 1,000 (32 at a time); reports runs/s and app CPU per run."""
    session.install(".[test]", *PLUGINS)
    args = list(session.posargs)
    env = {}
    if "full" in args:  # nox -s load -- full: the long run, 1,000 runs 32 at a time
        args.remove("full")
        env = {"LOAD_RUNS": "1000", "LOAD_CONCURRENCY": "32"}
    session.run("pytest", "-s", "tests/load", *args, env=env)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The atheris fuzz targets, each time-boxed (seconds: FUZZ_SECONDS, default 60)."""
    session.install(".", "atheris")
    seconds = session.env.get("FUZZ_SECONDS") or os.environ.get("FUZZ_SECONDS", "60")
    for target in ("fuzz/fuzz_decrypt.py", "fuzz/fuzz_cli.py"):
        session.run("python", target, f"-max_total_time={seconds}", "-rss_limit_mb=1024")


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
    """Build the documentation site; any warning fails the build, and so does a raw
    reST role, a default shown by name or a public name without a heading in the API
    reference (docs/check_site.py). Ruff formats the reference's long signatures."""
    session.install(
        ".[serve]", "mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings-python>=2.0", "ruff"
    )
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})
    session.run("python", "docs/check_site.py", "site")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against inngest_encryption and the raw primitives; writes docs/performance.*"""
    session.install(
        ".[test]", "matplotlib", "plugins/inngest-codecs-aws-kms", "plugins/inngest-codecs-s3"
    )
    session.run("python", "-m", "benchmarks.run")
