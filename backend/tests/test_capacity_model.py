"""The capacity model (bench/capacity.py) the README's sizing rests on: it must tell an overloaded
deployment from one that keeps up, and show what the interactive slots are for."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def capacity() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_capacity", ROOT / "bench" / "capacity.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _args(capacity: ModuleType, *argv: str) -> object:
    return capacity.parser().parse_args(["--tenants", "300", *argv])


def test_a_deployment_that_keeps_up(capacity: ModuleType) -> None:
    day = capacity.simulate(_args(capacity), workers=1)
    assert day.daily_left == 0
    assert len(day.daily_waits) == 2 * 300, "every tenant's daily run started once a day"
    assert max(day.interactive_waits) <= 30
    assert day.fits


def test_an_overloaded_one_leaves_daily_runs_undone_and_interactive_runs_waiting(capacity: ModuleType) -> None:
    # each run needs about 10 minutes alone: 300 of them cannot fit in one worker's day
    argv = ("--solo-per-10k", "300", "--items-sigma", "0", "--refreshes", "5")
    day = capacity.simulate(_args(capacity, *argv), workers=1)
    assert day.daily_left > 0
    assert max(day.interactive_waits) > 30
    assert not day.fits
    more = capacity.simulate(_args(capacity, *argv), workers=64)
    assert more.daily_left == 0


def test_interactive_slots_keep_clicks_from_waiting_behind_a_daily_backlog(capacity: ModuleType) -> None:
    # one background slot and slow runs: daily runs queue for hours, a Refresh still starts at once
    argv = ("--solo-per-10k", "150", "--background", "1", "--interactive", "4", "--refreshes", "0.05")
    day = capacity.simulate(_args(capacity, *argv), workers=1)
    assert max(day.daily_waits) > 3600
    assert not day.fits
    assert max(day.interactive_waits) <= 30
    assert capacity.pct([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert capacity.pct([], 99) == 0.0
