"""Posters the simulated servers serve: a small solid-colour PNG per item, its colour from the item id."""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

POSTER_WIDTH = 40
POSTER_HEIGHT = 60


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@lru_cache(maxsize=1024)
def poster_png(item_id: int) -> bytes:
    """A valid 40x60 RGB PNG; the same item always gets the same bytes."""
    seed = (item_id * 0x9E3779B1) & 0xFFFFFF
    rgb = bytes(((seed >> 16) & 0xFF, (seed >> 8) & 0xFF, seed & 0xFF))
    row = b"\x00" + rgb * POSTER_WIDTH
    header = struct.pack(">IIBBBBB", POSTER_WIDTH, POSTER_HEIGHT, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * POSTER_HEIGHT))
        + _chunk(b"IEND", b"")
    )
