"""The copies of a group and the keeper rule: lossless over lossy, then bitrate, then tags, then the
first added."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from janitor.reports.copies import ServerCopy

LOSSLESS = {"flac", "alac", "wav", "aiff", "aif", "ape", "wv", "dsf", "dff", "pcm"}


class Copy(BaseModel):
    connection_id: uuid.UUID
    upstream_id: str
    part_id: str | None
    file: str | None
    container: str | None
    audio_codec: str | None
    bitrate_kbps: int | None
    duration_ms: int | None
    size_bytes: int | None
    added_at: datetime | None
    keeper: bool
    lossless: bool
    also_on: list[ServerCopy] = Field(
        default_factory=list, description="This same file seen through the account's other servers (one copy)"
    )


def _codec(part: dict[str, Any]) -> str:
    return str(part.get("audio_codec") or part.get("container") or "").lower()


def _tags(row: dict[str, Any]) -> int:
    return (
        bool(row.get("year"))
        + bool(row.get("track_no"))
        + bool(row.get("disc_no"))
        + bool(row.get("album"))
        + len(row.get("guids") or {})
    )


def rank(copy: Copy, tags: int) -> tuple[int, int, int, float]:
    added = -copy.added_at.timestamp() if copy.added_at else float("-inf")
    return (int(copy.lossless), copy.bitrate_kbps or 0, tags, added)


def keeper_reason(best: Copy, runner: Copy, best_tags: int, runner_tags: int) -> str:
    if best.lossless and not runner.lossless:
        return (
            f"lossless {(best.audio_codec or best.container or '').upper()} over lossy "
            + (runner.audio_codec or runner.container or "?").upper()
        )
    if (best.bitrate_kbps or 0) > (runner.bitrate_kbps or 0):
        return f"higher bitrate ({best.bitrate_kbps} vs {runner.bitrate_kbps or '?'} kbps)"
    if best_tags > runner_tags:
        return "more complete tags"
    return "added first"


def copies_of(
    rows: list[dict[str, Any]], kind: str, elsewhere: dict[int, list[ServerCopy]] | None = None
) -> list[tuple[Copy, int]]:
    out: list[tuple[Copy, int]] = []
    for r in rows:
        parts = r["parts"] or [{}]
        chosen = parts if kind == "versions" else parts[:1]
        for p in chosen:
            codec = _codec(p)
            out.append(
                (
                    Copy(
                        connection_id=r["connection_id"],
                        upstream_id=r["upstream_id"],
                        part_id=str(p.get("part_id")) if p.get("part_id") else None,
                        file=p.get("file"),
                        container=p.get("container"),
                        audio_codec=p.get("audio_codec"),
                        bitrate_kbps=p.get("bitrate_kbps"),
                        duration_ms=p.get("duration_ms") or r["duration_ms"],
                        size_bytes=p.get("size"),
                        added_at=r["added_at"],
                        keeper=False,
                        lossless=codec in LOSSLESS or str(p.get("container") or "").lower() in LOSSLESS,
                        also_on=[c for c in (elsewhere or {}).get(r["id"], []) if c.relation == "same_file"],
                    ),
                    _tags(r),
                )
            )
    return out


def duration_claim(durations_ms: list[int | None]) -> str:
    """What the explanation says of a duplicates group's track durations (the ones it was grouped by).

    "within X s" is always true: X is the spread rounded *up* to a tenth of a second (1.41 s reads
    "within 1.5 s", never "within 1.4 s"); "same duration" only when every duration is equal."""
    known = [d for d in durations_ms if d is not None]
    if not known or len(known) < len(durations_ms):
        return "some durations unknown"
    spread = max(known) - min(known)
    if spread == 0:
        return "same duration"
    tenths = -(-spread // 100)
    seconds = f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"
    return f"durations within {seconds} s"
