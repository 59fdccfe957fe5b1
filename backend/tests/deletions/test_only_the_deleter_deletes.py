"""Every destructive upstream call goes through the deleter: nothing else in the product may send a
DELETE to a media server or Jellyseerr, or call the clients' delete methods.

Read from the source (AST), so a new call anywhere fails here before it can delete anything:

* the HTTP method string ``"DELETE"`` appears only inside the clients' delete methods (and in the two
  sets of *inbound* methods our own API answers, which send nothing);
* ``.delete_item(`` and ``.delete_media(`` are called only from the deleter's modules;
* no ``.delete("/…")`` or ``httpx.delete(…)`` request is made anywhere (a route decorator of our own
  API, ``@router.delete("/…")``, is not a request).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "janitor"

# Where the method string may be written: the client methods that send the deletes...
DELETE_METHODS = {
    ("connections/clients/plex.py", "delete_item"),
    ("connections/clients/plex.py", "delete_media"),
    ("connections/clients/jellyfin.py", "delete_item"),
    ("connections/clients/jellyseerr.py", "delete_media"),
}
# ... and the inbound methods our own API treats as writes (a set of names, never a request).
INBOUND_METHOD_SETS = {"core/pagecache.py", "core/request_input.py"}
# The deleter's modules: the only callers of the delete methods.
DELETER = "deletions/"
DELETE_CALLS = {"delete_item", "delete_media"}


def violations(source: str, relative: str) -> list[str]:
    tree = ast.parse(source)
    found: list[str] = []
    decorators = {id(d) for node in ast.walk(tree) for d in getattr(node, "decorator_list", ())}

    def visit(node: ast.AST, function: str | None) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.upper() == "DELETE":
            allowed = (relative, function) in DELETE_METHODS or relative in INBOUND_METHOD_SETS
            if not allowed:
                found.append(
                    f"{relative}:{node.lineno} the method string {node.value!r} outside a client delete method"
                )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and id(node) not in decorators:
            name = node.func.attr
            if name in DELETE_CALLS and not relative.startswith(DELETER):
                found.append(f"{relative}:{node.lineno} .{name}() called outside the deleter")
            if name == "delete":
                first = node.args[0] if node.args else None
                url_like = isinstance(first, ast.Constant | ast.JoinedStr) and _starts_like_url(first)
                on_httpx = isinstance(node.func.value, ast.Name) and node.func.value.id == "httpx"
                if url_like or on_httpx:
                    found.append(f"{relative}:{node.lineno} an HTTP DELETE request outside the clients")
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, None)
    return found


def _starts_like_url(node: ast.expr) -> bool:
    text = node.value if isinstance(node, ast.Constant) else None
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        text = node.values[0].value
    return isinstance(text, str) and text.startswith(("/", "http:", "https:"))


def test_nothing_outside_the_deleter_sends_a_delete_upstream() -> None:
    found: list[str] = []
    files = sorted(SRC.rglob("*.py"))
    assert len(files) > 50  # the source tree was found
    for path in files:
        relative = path.relative_to(SRC).as_posix()
        found.extend(violations(path.read_text(encoding="utf-8"), relative))
    assert found == []


def test_the_check_sees_each_way_of_deleting() -> None:
    """The check itself: each way a new call could be written is reported."""
    assert violations('async def purge(c):\n    await c._raw("DELETE", "/Items/1")\n', "reports/x.py")
    assert violations('async def purge(c):\n    await c.request("delete", url)\n', "sync/x.py")
    assert violations("async def purge(c):\n    await c.delete_item('1')\n", "people/x.py")
    assert violations("async def purge(c):\n    await c.delete_media('1', '2')\n", "connections/service.py")
    assert violations('async def purge(http):\n    await http.delete("/library/metadata/1")\n', "sync/x.py")
    assert violations('async def purge(http, rk):\n    await http.delete(f"/library/metadata/{rk}")\n', "x.py")
    assert violations("def purge(url):\n    httpx.delete(url)\n", "x.py")
    # What is allowed: the clients' own methods, the deleter's calls, our routes, sessions and Redis.
    assert not violations(
        'async def delete_item(self, rk):\n    await self._raw("DELETE", "/x")\n', "connections/clients/plex.py"
    )
    assert not violations("async def go(s):\n    await s.delete_item('1')\n", "deletions/upstream.py")
    assert not violations(
        '@router.delete("/allowlists/{x}")\nasync def remove(x):\n    await session.delete(x)\n', "allowlists/router.py"
    )
    assert not violations("async def forget(redis, key):\n    await redis.delete(key)\n", "core/ratelimit.py")
