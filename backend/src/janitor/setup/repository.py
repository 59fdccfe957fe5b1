from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from janitor.connections.models import ConnectionKind
from janitor.setup.models import SetupChecklist
from janitor.sync.models import SyncStatus

MEDIA_SERVERS = [ConnectionKind.PLEX.value, ConnectionKind.JELLYFIN.value]

# A complete run whose sources include a Plex or Jellyfin server: a run over Jellyseerr alone reads no
# library, and is no first sync.
FACTS_SQL = """
SELECT
    (SELECT count(*) FROM connections c WHERE c.account_id = :a AND c.kind = ANY(:servers)) AS media_servers,
    (SELECT count(*) FROM libraries l WHERE l.account_id = :a) AS libraries,
    (SELECT count(*) FROM libraries l WHERE l.account_id = :a AND l.enabled) AS libraries_enabled,
    (SELECT max(r.finished_at) FROM sync_runs r
     WHERE r.account_id = :a AND r.status = :complete
       AND EXISTS (SELECT 1 FROM jsonb_each(r.sources) s WHERE s.value ->> 'kind' = ANY(:servers))
    ) AS last_complete_sync_at
"""


@dataclass(frozen=True)
class SetupFacts:
    media_servers: int
    libraries: int
    libraries_enabled: int
    last_complete_sync_at: datetime | None


class SetupRepository:
    def __init__(self, session: AsyncSession, account_id: uuid.UUID) -> None:
        self.session = session
        self.account_id = account_id

    async def facts(self) -> SetupFacts:
        row = (
            await self.session.execute(
                text(FACTS_SQL),
                {"a": self.account_id, "servers": MEDIA_SERVERS, "complete": SyncStatus.COMPLETE.value},
            )
        ).one()
        return SetupFacts(
            media_servers=row.media_servers,
            libraries=row.libraries,
            libraries_enabled=row.libraries_enabled,
            last_complete_sync_at=row.last_complete_sync_at,
        )

    async def get(self) -> SetupChecklist | None:
        return await self.session.get(SetupChecklist, self.account_id)

    async def get_or_create(self) -> SetupChecklist:
        found = await self.get()
        if found is not None:
            return found
        await self.session.execute(insert(SetupChecklist).values(account_id=self.account_id).on_conflict_do_nothing())
        row = await self.get()
        assert row is not None
        return row
