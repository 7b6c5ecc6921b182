"""A Vigil server for tests, on asyncio in a thread of its own, speaking server/PROTOCOL.md with
its own struct-based parsing (independent of vigil_client.protocol). It answers HELLO itself and
hands every SCORE to the test, which answers it (verdict, error, closing the connection) in any
order. Records what clients sent. Thread-safe; close it."""

import asyncio
import itertools
import json
import queue
import struct
import threading
from dataclasses import dataclass
from typing import Dict, Optional

#: How long a test waits for something a client should send: a bound against hangs, not a timing assertion.
WAIT = 20.0


def frame(frame_type: int, request_id: int, payload: bytes = b"") -> bytes:
    return struct.pack(">IBBHQ", 12 + len(payload), frame_type, 0, 0, request_id) + payload


def string(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">H", len(data)) + data


@dataclass
class Hello:
    connection: int
    magic: bytes
    min_version: int
    max_version: int
    token: str
    client_name: str


class Score:
    """A SCORE as received; answer it with one of the methods (from any thread)."""

    def __init__(self, server: "FakeServer", connection: int, request_id: int, payload: bytes):
        self.server = server
        self.connection = connection
        self.request_id = request_id
        self.payload = payload
        self.timeout_ms, policy_length = struct.unpack_from(">IH", payload, 0)
        self.policy = payload[6:6 + policy_length].decode()
        at = 6 + policy_length
        kind = payload[at]
        at += 1 if kind == 1 else 1 + 1 + 12
        (size,) = struct.unpack_from(">I", payload, at)
        self.image = payload[at + 4:at + 4 + size]

    @property
    def image_text(self) -> str:
        return self.image.decode("latin-1")

    def verdict(self, decision: int, failed_closed: bool = False, details: Optional[dict] = None) -> None:
        body = json.dumps(details if details is not None else {}).encode()
        self.server.send(self.connection, frame(0x11, self.request_id,
                                                struct.pack(">BBI", decision, int(failed_closed), len(body)) + body))

    def allow(self, reason: str = "") -> None:
        self.verdict(0, False, {"decision": "ALLOW", "rule": "default", "reason": reason, "signals": {"sexual": 0.01}})

    def error(self, code: int, retryable: bool, message: str) -> None:
        self.server.send(self.connection, frame(0x12, self.request_id,
                                                struct.pack(">HB", code, int(retryable)) + string(message)))

    def close_connection(self) -> None:
        self.server.close_connection(self.connection)


class FakeServer:
    def __init__(self, *, unix_path: Optional[str] = None, ssl_context=None, token: Optional[str] = None,
                 max_in_flight: int = 1024, max_image_bytes: int = 32 << 20):
        self.token = token
        self.max_in_flight = max_in_flight
        self.max_image_bytes = max_image_bytes
        self.hellos: "queue.Queue[Hello]" = queue.Queue()
        self.scores: "queue.Queue[Score]" = queue.Queue()
        self.cancels: "queue.Queue[tuple]" = queue.Queue()
        self.pongs: "queue.Queue[tuple]" = queue.Queue()
        self.errors = []
        self.max_in_flight_seen = 0
        self._in_flight: Dict[int, set] = {}
        self._writers: Dict[int, asyncio.StreamWriter] = {}
        self._ids = itertools.count(1)
        self.loop = asyncio.new_event_loop()
        # Failed TLS handshakes and the like: kept for tests to look at, not printed.
        self.loop.set_exception_handler(lambda loop, context: self.errors.append(context.get("message")))
        self._thread = threading.Thread(target=self.loop.run_forever, name="fake-vigil", daemon=True)
        self._thread.start()
        self._server = self._call(self._start(unix_path, ssl_context))
        self.port = None if unix_path else self._server.sockets[0].getsockname()[1]
        self.address = f"unix:{unix_path}" if unix_path else f"127.0.0.1:{self.port}"

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(WAIT)

    async def _start(self, unix_path, ssl_context):
        if unix_path:
            return await asyncio.start_unix_server(self._serve, unix_path, ssl=ssl_context)
        return await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=ssl_context)

    @property
    def connection_count(self) -> int:
        return len(self._writers)

    def next_score(self, timeout: float = WAIT) -> Score:
        return self.scores.get(timeout=timeout)

    def next_hello(self, timeout: float = WAIT) -> Hello:
        return self.hellos.get(timeout=timeout)

    def send(self, connection: int, data: bytes) -> None:
        def write():
            if data[4] in (0x11, 0x12):
                (request_id,) = struct.unpack_from(">Q", data, 8)
                self._in_flight.get(connection, set()).discard(request_id)
            self._writers[connection].write(data)

        self.loop.call_soon_threadsafe(write)

    def go_away(self, connection: int, reason: str) -> None:
        self.send(connection, frame(0x40, 0, string(reason)))

    def ping(self, connection: int, request_id: int, opaque: int) -> None:
        self.send(connection, frame(0x20, request_id, struct.pack(">Q", opaque)))

    def close_connection(self, connection: int) -> None:
        async def close():
            writer = self._writers[connection]
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass

        self._call(close())

    def close(self) -> None:
        async def stop():
            self._server.close()
            for writer in list(self._writers.values()):
                writer.close()
            await self._server.wait_closed()

        try:
            self._call(stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(WAIT)
            self.loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = next(self._ids)
        self._writers[connection] = writer
        self._in_flight[connection] = set()
        try:
            frame_type, request_id, payload = await self._read(reader)
            if frame_type != 0x01:
                writer.write(frame(0x12, 0, struct.pack(">HB", 1, 0) + string("HELLO first")))
                return
            min_version, max_version, token_length = struct.unpack_from(">HHH", payload, 4)
            token = payload[10:10 + token_length].decode()
            (name_length,) = struct.unpack_from(">H", payload, 10 + token_length)
            name = payload[12 + token_length:12 + token_length + name_length].decode()
            self.hellos.put(Hello(connection, payload[:4], min_version, max_version, token, name))
            if self.token is not None and token != self.token:
                writer.write(frame(0x12, 0, struct.pack(">HB", 3, 0) + string("token does not match")))
                await writer.drain()
                return
            writer.write(frame(0x02, 0, struct.pack(">HIII", 1, 33558528, self.max_in_flight, self.max_image_bytes)
                               + string("fake-vigil")))
            while True:
                frame_type, request_id, payload = await self._read(reader)
                if frame_type == 0x10:
                    in_flight = self._in_flight[connection]
                    in_flight.add(request_id)
                    self.max_in_flight_seen = max(self.max_in_flight_seen, len(in_flight))
                    self.scores.put(Score(self, connection, request_id, payload))
                elif frame_type == 0x30:
                    self._in_flight[connection].discard(request_id)
                    self.cancels.put((connection, request_id))
                elif frame_type == 0x21:
                    self.pongs.put((connection, request_id, struct.unpack(">Q", payload)[0]))
                else:
                    raise ValueError(f"unexpected frame type 0x{frame_type:x}")
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except Exception as e:  # recorded for the test to assert on, and the connection closed
            self.errors.append(e)
        finally:
            writer.close()

    @staticmethod
    async def _read(reader: asyncio.StreamReader):
        length, frame_type, flags, reserved, request_id = struct.unpack(">IBBHQ", await reader.readexactly(16))
        if flags or reserved:
            raise ValueError(f"flags {flags}, reserved {reserved}")
        return frame_type, request_id, await reader.readexactly(length - 12)
