"""api.protocol.CorkedTransport on a real socket pair and event loop: the writes of one loop turn
leave in one system call, in order; later turns still flow; close sends what is pending first."""

from __future__ import annotations

import asyncio
import socket

from api.protocol import CorkedTransport


class Counting(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport


def read_all(sock: socket.socket) -> bytes:
    sock.settimeout(5)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


async def scenario(ours: socket.socket) -> tuple[list[int], list[int], list[int]]:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_accepted_socket(Counting, ours)
    real_write = transport.write
    sizes: list[int] = []

    def counted(data: bytes | bytearray | memoryview) -> None:  # every write the real transport gets
        sizes.append(len(data))
        real_write(data)

    transport.write = counted  # type: ignore[method-assign]  # observe the real transport's writes
    corked = CorkedTransport(transport)  # type: ignore[arg-type]  # the type is asyncio.Transport's
    corked.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
    corked.write(b"hello")
    first_turn = list(sizes)  # nothing written yet: both wait for the end of the turn
    await asyncio.sleep(0)
    after_turn = list(sizes)
    corked.write(b" again")  # a later turn: written at its end
    corked.write(bytearray(b"!"))
    corked.close()  # what is pending goes out before the close
    await asyncio.sleep(0.05)
    return first_turn, after_turn, sizes


def test_one_turn_one_write_in_order_and_close_flushes() -> None:
    ours, theirs = socket.socketpair()
    with theirs:
        first_turn, after_turn, writes = asyncio.run(scenario(ours))
        head_and_body = len(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")
        assert first_turn == [] and after_turn == [head_and_body]
        assert writes == [head_and_body, len(b" again!")]
        assert read_all(theirs) == b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello again!"


async def aborted(ours: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.connect_accepted_socket(Counting, ours)
    corked = CorkedTransport(transport)  # type: ignore[arg-type]
    corked.write(b"never sent")
    corked.abort()
    await asyncio.sleep(0.05)


def test_abort_drops_what_is_pending() -> None:
    ours, theirs = socket.socketpair()
    with theirs:
        asyncio.run(aborted(ours))
        assert read_all(theirs) == b""  # a Unix socket pair keeps what was sent before a close
