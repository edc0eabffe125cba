"""Fixtures shared by the platform handler tests: each test module defines its own `world`; the context and the
in-process client around it are the same everywhere."""

from __future__ import annotations

import pytest

from .fakes import FakeContext, client_for


@pytest.fixture
def ctx(world):
    return FakeContext(world)


@pytest.fixture
def client(ctx):
    return client_for(ctx)
