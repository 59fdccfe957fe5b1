from __future__ import annotations

import uuid
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from janitor.core.migrations import alembic_config, head_revision
from janitor.devtools.pytest_plugin import Services, create_database, run_in_thread
from janitor.models import Base


def _diff(connection: Connection) -> list[Any]:
    ctx = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(ctx, Base.metadata))


async def test_migrations_and_models_agree(services: Services) -> None:
    url = await create_database(services.postgres_url, f"janitor_mig_{uuid.uuid4().hex[:8]}")
    cfg = alembic_config(url)
    run_in_thread(lambda: command.upgrade(cfg, "head"))
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


async def test_migrations_downgrade_to_base_and_up_again(services: Services) -> None:
    url = await create_database(services.postgres_url, f"janitor_mig_{uuid.uuid4().hex[:8]}")
    cfg = alembic_config(url)
    run_in_thread(lambda: command.upgrade(cfg, "head"))
    run_in_thread(lambda: command.downgrade(cfg, "base"))
    run_in_thread(lambda: command.upgrade(cfg, "head"))
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            version = await conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            assert version.scalar_one() == head_revision()
    finally:
        await engine.dispose()


async def test_media_items_keeps_statistics_only_where_report_plans_use_them(services: Services) -> None:
    """Statistics targets live outside the metadata compared above: the migration's are checked here."""
    url = await create_database(services.postgres_url, f"janitor_mig_{uuid.uuid4().hex[:8]}")
    run_in_thread(lambda: command.upgrade(alembic_config(url), "head"))
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.exec_driver_sql(
                "SELECT attname, coalesce(attstattarget, -1) FROM pg_attribute "
                "WHERE attrelid = 'media_items'::regclass AND attnum > 0 AND NOT attisdropped"
            )
            targets = {name: int(target) for name, target in rows}
    finally:
        await engine.dispose()
    none = {"parts", "guids", "title", "parent_title", "grandparent_title", "original_title"}
    assert {name for name, target in targets.items() if target == 0} == none
    # what the reports filter, join and group on keeps the default target
    for name in ("account_id", "kind", "gone", "library_id", "match_key", "size_bytes", "added_at", "audio_languages"):
        assert targets[name] == -1, name
