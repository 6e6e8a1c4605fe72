"""What the HTTP parser refuses before the app sees it, over a raw socket: still a JSON error."""

from __future__ import annotations

import json
import socket

import pytest

from tests.conftest import Server


def raw(server: Server, request: bytes) -> tuple[str, dict[str, str], bytes]:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status, headers, body


@pytest.mark.parametrize("target", ["/search?q=Óscar".encode(), "/id/person/óscar".encode(),
                                    b"/sparql?query=ASK {}"])
def test_raw_bytes_in_the_url_get_a_json_400(server: Server, target: bytes) -> None:
    status, headers, body = raw(server, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status.startswith("HTTP/1.1 400")
    assert headers["content-type"] == "application/json"
    error = json.loads(body)
    assert error["status"] == 400 and "percent-encode" in error["hint"]
    assert int(headers["content-length"]) == len(body)


def test_the_same_url_percent_encoded_is_answered(server: Server) -> None:
    status, _, _ = raw(server, b"GET /search?q=%C3%93scar HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status.startswith("HTTP/1.1 200")
