"""Holding the garbage collector during a burst: on inside nothing, back as it was afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from janitor.core.collector import collector_held


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_held_inside_and_back_on_after() -> None:
    with collector_held():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_on_after_an_error_too() -> None:
    with pytest.raises(RuntimeError), collector_held():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_overlapping_holds_never_leave_it_off() -> None:
    outer, inner = collector_held(), collector_held()
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the hold that found it on switches it back on
    assert gc.isenabled()
    inner.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_held():
        assert not gc.isenabled()
    assert not gc.isenabled()
