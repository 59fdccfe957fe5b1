"""People and assignments.

A **person** is one human: the owner's partner, a child, a friend. Each server knows them by an
account of its own (``remote_users``: a Plex home user or friend, a Jellyfin user); a person holds
one or more of those accounts (``person_members``). Every server account starts as a person of its
own; the owner links the accounts of the same human on several servers into one person.

An **assignment** says "this person is expected to watch this movie, or this show" (all its
present and future episodes). When every person assigned to an item has watched it (since its
current file was added), the item may be queued for deletion (``deletions.schedule``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base, connection_tenant_key, new_id


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("id", "account_id", name="uq_people_tenant"),
        Index("ix_people_account", "account_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(300))
    # What the servers say of the person (a Plex friend's e-mail); used to suggest links only.
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def _person_key(table: str) -> ForeignKeyConstraint:
    """The row's person, keyed with the account: a row can only point at a person of its own account."""
    return ForeignKeyConstraint(
        ["person_id", "account_id"],
        ["people.id", "people.account_id"],
        ondelete="CASCADE",
        name=f"fk_{table}_person_tenant",
    )


class PersonMember(Base):
    """A server account (``remote_users`` row) that belongs to a person. Each server account belongs
    to exactly one person."""

    __tablename__ = "person_members"
    __table_args__ = (_person_key("person_members"), Index("ix_person_members_person", "person_id"))

    remote_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("remote_users.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # "auto": the account's own person, made when it was first seen; "owner": linked by the owner.
    linked_by: Mapped[str] = mapped_column(String(8), default="auto")


class AssignmentKind:
    MOVIE = "movie"
    SHOW = "show"


class Assignment(Base):
    """A person expected to watch a movie or a show (``item_upstream_id`` on ``connection_id``). A
    show's assignment covers its present and future episodes. ``ends_at``: the assignment no longer
    counts after that moment (the person drops out of the set; an item nobody is assigned to any
    more is never queued)."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("person_id", "connection_id", "item_upstream_id", name="uq_assignments_person_item"),
        Index("ix_assignments_item", "account_id", "connection_id", "item_upstream_id"),
        _person_key("assignments"),
        connection_tenant_key("assignments"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_id)
    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    person_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    connection_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    item_upstream_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))  # movie | show
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class LinkDismissal(Base):
    """The owner said two people are not the same human: their link is no longer suggested. The pair is
    stored in one order (``first_id < second_id``); removing either person removes the dismissal."""

    __tablename__ = "people_link_dismissals"
    __table_args__ = (
        ForeignKeyConstraint(
            ["first_id", "account_id"],
            ["people.id", "people.account_id"],
            ondelete="CASCADE",
            name="fk_people_link_dismissals_first_tenant",
        ),
        ForeignKeyConstraint(
            ["second_id", "account_id"],
            ["people.id", "people.account_id"],
            ondelete="CASCADE",
            name="fk_people_link_dismissals_second_tenant",
        ),
        CheckConstraint("first_id < second_id", name="ordered_pair"),
        Index("ix_people_link_dismissals_second", "second_id"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    first_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    second_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
