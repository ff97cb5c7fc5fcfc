"""Fixtures of the place tests: the stand-in, and the bank app served against it."""

from __future__ import annotations

from collections.abc import Iterator

import inngest
import pytest

from inngest_codecs.testing import StandIn

from .app import Bank, serving


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with StandIn() as server:
        yield server


@pytest.fixture
def bank(stand_in: StandIn) -> Iterator[tuple[Bank, inngest.Inngest]]:
    with serving(stand_in) as served:
        yield served
