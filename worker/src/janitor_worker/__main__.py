"""``python -m janitor_worker``: the worker process (janitor_worker.main)."""

from janitor_worker.main import run

run()
