from __future__ import annotations

import contextlib
import importlib.metadata
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from inngest_codecs import available_codecs

BUILTIN_CODECS = ("secretbox", "aes-gcm")

# Property tests must not fail because the machine is slow or busy: no
# deadlines, no speed health checks, and the same examples on every run.
# Long random runs belong in `nox -s fuzz`.
settings.register_profile(
    "suite",
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)
settings.load_profile("suite")

_PLUGINS = {
    "inngest-codecs-example": "plugins/inngest-codecs-example",
    "inngest-codecs-legacy": "plugins/inngest-codecs-legacy",
    "inngest-codecs-aws-kms": "plugins/inngest-codecs-aws-kms",
    "inngest-codecs-s3": "plugins/inngest-codecs-s3",
}

SERVICE_CODECS = {"aws-kms"}
"""Codecs whose keys name keys held by a service; tests/kms runs them against a local one."""
LOCAL_CODECS = {n: i for n, i in available_codecs().items() if n not in SERVICE_CODECS}
"""Installed codecs that work from a key string alone."""


def requires_plugin(distribution: str) -> pytest.MarkDecorator:
    """Skip, saying how to install it, when a plugin distribution is not installed."""
    try:
        importlib.metadata.distribution(distribution)
        missing = False
    except importlib.metadata.PackageNotFoundError:
        missing = True
    return pytest.mark.skipif(
        missing,
        reason=f"{distribution} is not installed: run `nox -s tests`, or "
        f"`pip install {_PLUGINS.get(distribution, distribution)}`",
    )


@contextlib.contextmanager
def installed_distributions(
    folder: Path,
    group: str,
    entry_points: Mapping[str, str],
    modules: Mapping[str, str],
    refresh: Callable[[], None],
) -> Iterator[None]:
    """Distributions (name -> entry-point lines in ``group``) and their modules
    (name -> source), importable from ``folder`` until the block ends."""
    for dist, lines in entry_points.items():
        info = folder / f"{dist.replace('-', '_')}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
        (info / "entry_points.txt").write_text(f"[{group}]\n{lines}\n")
    for module, source in modules.items():
        (folder / f"{module}.py").write_text(source)
    sys.path.insert(0, str(folder))
    refresh()
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for module in modules:
            sys.modules.pop(module, None)
        refresh()


needs_example_plugin = requires_plugin("inngest-codecs-example")
needs_legacy_plugin = requires_plugin("inngest-codecs-legacy")
needs_s3_plugin = requires_plugin("inngest-codecs-s3")

# JSON values that survive a round trip unchanged: finite floats, any Unicode
# text that is valid UTF-8 (no lone surrogates), integers of any size.
json_text = st.text(st.characters(exclude_categories=["Cs"]))
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | json_text
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children) | st.dictionaries(json_text, children),
    max_leaves=40,
)


@pytest.fixture(params=sorted(LOCAL_CODECS))
def codec_name(request: pytest.FixtureRequest) -> str:
    """Every installed codec, built-in and plugin alike, that needs no key service."""
    return str(request.param)


@pytest.fixture(params=sorted(n for n, i in LOCAL_CODECS.items() if i.codec_class.authenticated))
def authenticated_codec(request: pytest.FixtureRequest) -> str:
    """Every installed codec that detects altered data and needs no key service."""
    return str(request.param)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from .reliability.figures import FIGURES

    if FIGURES:
        terminalreporter.section("reliability figures")
        for name, amount in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {amount}")
