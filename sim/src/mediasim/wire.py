"""Wire-format helpers: Plex-style XML from attribute dicts, date formats, JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

_XML_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;"})

XML_HEADER = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def xml_value(v: Any) -> str:
    if v is True:
        return "1"
    if v is False:
        return "0"
    if type(v) is int:
        return str(v)
    return str(v).translate(_XML_ESC)


def xml_parts(tag: str, d: dict[str, Any]) -> tuple[str, str]:
    """Split rendering: (``<Tag a="1"``, ``>children</Tag>`` or `` />``) so attributes can be spliced in."""
    attrs: list[str] = [f"<{tag}"]
    children: list[str] = []
    esc = _XML_ESC
    for k, v in d.items():
        t = type(v)
        if t is str:
            attrs.append(f' {k}="{v.translate(esc)}"')
        elif t is int:
            attrs.append(f' {k}="{v}"')
        elif t is bool:
            attrs.append(f' {k}="1"' if v else f' {k}="0"')
        elif t is list:
            for c in v:
                if type(c) is dict:
                    children.append(xml_element(k, c))
        elif t is dict:
            children.append(xml_element(k, v))
        elif v is not None:
            attrs.append(f' {k}="{xml_value(v)}"')
    head = "".join(attrs)
    if children:
        return head, f">{''.join(children)}</{tag}>"
    return head, " />"


def xml_element(tag: str, d: dict[str, Any]) -> str:
    """Render a Plex attribute dict as an element. Lists of dicts become child elements named by key."""
    head, tail = xml_parts(tag, d)
    return head + tail


def xml_container(attrs: dict[str, Any], fragments: list[bytes], tag: str = "MediaContainer") -> bytes:
    head = xml_element(tag, attrs)
    if not fragments:
        return XML_HEADER + head.encode() + b"\n"
    open_tag = head[:-3] + ">" if head.endswith(" />") else head
    return XML_HEADER + open_tag.encode() + b"\n" + b"\n".join(fragments) + f"\n</{tag}>\n".encode()


def json_container(attrs: dict[str, Any], child_key: str, fragments: list[bytes]) -> bytes:
    head = orjson.dumps(attrs)
    if fragments:
        inner = (
            head[:-1]
            + (b"," if len(head) > 2 else b"")
            + b'"'
            + child_key.encode()
            + b'":['
            + b",".join(fragments)
            + b"]}"
        )
    else:
        inner = head
    return b'{"MediaContainer":' + inner + b"}"


def iso_z(ts: int | float) -> str:
    """plex.tv / Jellyseerr style ``2025-01-02T03:04:05Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(ts: int | float) -> str:
    """Jellyseerr style ``2025-01-02T03:04:05.000Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def iso_dotnet(ts: int | float) -> str:
    """Jellyfin style ``2024-05-01T12:00:00.0000000Z``."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def wants_json(accept: str | None) -> bool:
    return bool(accept) and "application/json" in (accept or "")
