"""Async SQLAlchemy engine, the declarative base and the unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, ForeignKeyConstraint, MetaData, any_, func, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, QueryableAttribute, mapped_column
from sqlalchemy.types import TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def new_id() -> uuid.UUID:
    return uuid.uuid4()


# Postgres JIT-compiles a query whose estimated cost passes jit_above_cost (100,000 by default). The
# report and dashboard queries of a large library pass it and then spend seconds compiling for a query
# that runs in milliseconds: with 250k tracks + 60k videos the first uncached read of the languages
# report took 5.7 s with JIT and 50 ms without, the dashboard summary 6.6 s and 211 ms (bench/reports.py
# --quick). Our queries are short OLTP/reporting statements over indexes: JIT never pays for itself.
SERVER_SETTINGS = {"jit": "off"}


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"server_settings": dict(SERVER_SETTINGS)},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def connection_tenant_key(table: str) -> ForeignKeyConstraint:
    """A row of a connection, keyed by (connection_id, account_id) together: one key lookup per insert
    (instead of one per column) that also proves the row's account is its connection's. Deleting the
    account or the connection deletes the row."""
    return ForeignKeyConstraint(
        ["connection_id", "account_id"],
        ["connections.id", "connections.account_id"],
        ondelete="CASCADE",
        name=f"fk_{table}_connection_tenant",
    )


def any_of(
    column: ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any], item_type: TypeEngine[Any]
) -> ColumnElement[bool]:
    """``column = ANY(:values)``: one array parameter however many values there are. An ``IN`` list
    binds one parameter per value, and a statement takes at most 32,767 (a household with 11,000
    assigned movies and shows passed it)."""
    return column == any_(literal(list(values), ARRAY(item_type)))
