"""The pipelined Redis connection of the page cache (core/redis_pipe.py), against the real Redis."""

from __future__ import annotations

import asyncio

import pytest
import uvloop
from redis.exceptions import ConnectionError, ResponseError

from janitor.core.config import Settings
from janitor.core.redis_pipe import PipelinedRedis, pack

ECHO = "return {KEYS[1], ARGV[1]}"


def test_commands_are_packed_in_the_redis_protocol() -> None:
    assert pack("GET", "k") == b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    assert pack("SET", "k", b"\x00\r\n", 5) == b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n\x00\r\n\r\n$1\r\n5\r\n"


def test_only_plain_connections_are_pipelined() -> None:
    assert PipelinedRedis.supports("redis://localhost:6379/0")
    assert PipelinedRedis.supports("unix:///run/redis.sock")
    assert not PipelinedRedis.supports("rediss://cache.example.com:6380/0")


async def test_concurrent_calls_get_their_own_replies_in_order(settings: Settings) -> None:
    pipe = PipelinedRedis(settings.redis_url)
    try:
        replies = await asyncio.gather(*(pipe.eval(ECHO, [f"k{i}"], [i]) for i in range(500)))
        assert replies == [[f"k{i}".encode(), str(i).encode()] for i in range(500)]
        with pytest.raises(ResponseError):
            await pipe.eval("return redis.error_reply('nope')", [], [])
        assert await pipe.eval(ECHO, ["after"], ["error"]) == [b"after", b"error"]
    finally:
        await pipe.aclose()


async def test_a_lost_connection_fails_the_calls_in_flight_and_the_next_call_reconnects(settings: Settings) -> None:
    pipe = PipelinedRedis(settings.redis_url)
    try:
        assert await pipe.eval(ECHO, ["a"], ["1"]) == [b"a", b"1"]
        slow = asyncio.ensure_future(pipe.eval("redis.call('PING') return 1", [], []))
        assert pipe._protocol is not None and pipe._protocol.transport is not None
        pipe._protocol.transport.abort()
        with pytest.raises(ConnectionError):
            await slow
        assert await pipe.eval(ECHO, ["b"], ["2"]) == [b"b", b"2"]
    finally:
        await pipe.aclose()


async def test_an_unreachable_server_is_a_redis_connection_error() -> None:
    pipe = PipelinedRedis("redis://127.0.0.1:1/0")
    with pytest.raises(ConnectionError):
        await pipe.eval(ECHO, ["a"], ["1"])


def test_it_runs_on_uvloop_as_the_api_does(settings: Settings) -> None:
    async def calls() -> list[object]:
        pipe = PipelinedRedis(settings.redis_url)
        try:
            return list(await asyncio.gather(*(pipe.eval(ECHO, ["k"], [i]) for i in range(50))))
        finally:
            await pipe.aclose()

    assert uvloop.run(calls()) == [[b"k", str(i).encode()] for i in range(50)]
