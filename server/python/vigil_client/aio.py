"""Asynchronous Vigil client on asyncio streams: many calls in flight on one connection."""

from __future__ import annotations

import asyncio
import ssl
from typing import Dict, Optional, Set, Tuple

from . import protocol
from ._core import (AttemptFailed, ErrorCode, Image, Verdict, VigilError, check_image, check_limits, make_settings,
                    verdict_from_frame)


class _Connection:
    """One negotiated connection: a reader task hands each answer to the call waiting on its
    request id, in whatever order answers come. Confined to the event loop."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, hello: protocol.HelloOk,
                 on_closed):
        self.reader = reader
        self.writer = writer
        self.hello = hello
        self.pending: Dict[int, asyncio.Future] = {}
        self.next_id = 1
        self.going_away = False
        self.closed = False
        self.why_closed = ""
        self.write_lock = asyncio.Lock()
        # Calls beyond the server's max_in_flight wait here (within their own timeout) instead of
        # being refused as OVERLOADED.
        self.slots = asyncio.Semaphore(hello.max_in_flight) if hello.max_in_flight > 0 else None
        self._on_closed = on_closed
        self.task = asyncio.ensure_future(self._read_loop())

    @property
    def usable(self) -> bool:
        return not self.closed and not self.going_away

    async def _read_loop(self) -> None:
        why = "closed by the server"
        try:
            while True:
                length, frame_type, request_id = protocol.parse_header(
                    await self.reader.readexactly(protocol.HEADER_SIZE))
                payload = await self.reader.readexactly(length)
                self._dispatch(protocol.parse_frame(frame_type, request_id, payload))
        except asyncio.IncompleteReadError:
            why = self.why_closed or "closed by the server"
        except asyncio.CancelledError:
            why = "client closed"
        except (OSError, protocol.ProtocolError) as e:
            why = f"{type(e).__name__}: {e}"
        finally:
            self.close(why)

    def _dispatch(self, frame: protocol.ServerFrame) -> None:
        if isinstance(frame, (protocol.VerdictFrame, protocol.ErrorFrame)) and frame.request_id in self.pending:
            future = self.pending.pop(frame.request_id)
            if not future.done():
                future.set_result(frame)
            self._close_if_drained()
        elif isinstance(frame, protocol.ErrorFrame) and frame.request_id == 0:
            code = ErrorCode.from_wire(frame.code)
            self.why_closed = f"server ERROR {code}: {frame.message}"  # the server closes the connection next
        elif isinstance(frame, protocol.Ping):
            self.writer.write(protocol.encode_pong(frame.request_id, frame.opaque))
        elif isinstance(frame, protocol.GoAway):
            self.going_away = True
            self.why_closed = f"GOAWAY: {frame.reason}"
            self._close_if_drained()
        # Anything else: a late answer to a cancelled or timed-out call, or a PONG.

    def cancel(self, request_id: int) -> None:
        """Forgets a call this client gave up on and tells the server (CANCEL)."""
        if self.pending.pop(request_id, None) is not None and not self.closed:
            self.writer.write(protocol.encode_cancel(request_id))
            self._close_if_drained()

    def _close_if_drained(self) -> None:
        if self.going_away and not self.pending:
            self.close(self.why_closed)

    def close(self, why: str) -> None:
        if self.closed:
            return
        self.closed = True
        self.why_closed = why
        lost = list(self.pending.values())
        self.pending.clear()
        for future in lost:
            if not future.done():
                future.set_exception(AttemptFailed(ErrorCode.CONNECTION_FAILED, True,
                                                   f"connection lost with the request in flight: {why}"))
        self.writer.close()
        if not self.task.done() and asyncio.current_task() is not self.task:
            self.task.cancel()
        self._on_closed(self)


class AsyncVigilClient:
    """Scores images against a Vigil server from asyncio code, pipelining every concurrent call
    over one connection; answers are matched to calls by request id, in any order.

    **Fail-closed**: a call that gets no verdict (server ERROR, lost connection, timeout) returns
    ``Verdict(decision="BLOCK", failed_closed=True, error=..., reason=...)``; with
    ``surface_errors=True`` it raises :class:`VigilError` instead. The parameters are those of
    :class:`vigil_client.VigilClient`. Connects on the first call and, when the connection is
    lost, on the next; concurrent calls share one connection attempt. Use from one event loop;
    close it with ``await client.close()`` or ``async with``.
    """

    def __init__(self, address, *, token: str = "", client_name: str = "vigil-python-client/0.1.0",
                 timeout: float = 5.0, connect_timeout: float = 3.0, max_attempts: int = 3,
                 retry_backoff: Tuple[float, float] = (0.025, 1.0), surface_errors: bool = False,
                 ssl_context: Optional[ssl.SSLContext] = None, ca_file: Optional[str] = None,
                 cert_file: Optional[str] = None, key_file: Optional[str] = None,
                 server_hostname: Optional[str] = None):
        self._settings = make_settings(address, token, client_name, timeout, connect_timeout, max_attempts,
                                       retry_backoff, surface_errors, ssl_context, ca_file, cert_file, key_file,
                                       server_hostname)
        self._connection: Optional[_Connection] = None
        self._connecting: Optional[asyncio.Future] = None
        self._open_connections: Set[_Connection] = set()
        self._closed = False

    @property
    def address(self) -> str:
        return self._settings.address_text

    async def __aenter__(self) -> "AsyncVigilClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        """Ends unfinished calls as CLIENT_CLOSED and closes the connections. Idempotent."""
        self._closed = True
        if self._connecting is not None:
            self._connecting.cancel()
        connections = list(self._open_connections)
        for conn in connections:
            conn.close("client closed")
        for conn in connections:
            try:
                await conn.writer.wait_closed()
            except (OSError, asyncio.CancelledError):
                pass

    async def score(self, image: Image, *, source: Optional[Image] = None, policy: str = "",
                    timeout: Optional[float] = None, receipt: bool = False) -> Verdict:
        """Scores one image: the verdict, the fail-closed BLOCK, or (surfaced) :class:`VigilError`.

        Arguments as :meth:`vigil_client.VigilClient.score`. Cancelling the awaiting task sends
        CANCEL for the request in flight.
        """
        image = check_image("image", image)
        source = check_image("source", source) if source is not None else None
        policy_bytes = protocol.utf8("policy", policy)
        seconds = self._settings.timeout if timeout is None else float(timeout)
        if seconds <= 0:
            raise ValueError(f"timeout: {timeout} (expected: > 0 seconds)")
        if self._closed:
            raise RuntimeError("client closed")
        deadline = asyncio.get_running_loop().time() + seconds
        attempts = [0]
        try:
            return await asyncio.wait_for(self._score(image, source, policy_bytes, deadline, attempts, receipt), seconds)
        except asyncio.TimeoutError:
            return self._fail(ErrorCode.TIMEOUT, False, f"no verdict within {seconds:g} s ({attempts[0]} attempts)")

    async def _score(self, image, source, policy: bytes, deadline: float, attempts, receipt: bool = False) -> Verdict:
        loop = asyncio.get_running_loop()
        s = self._settings
        while True:
            attempts[0] += 1
            try:
                return await self._attempt(image, source, policy, deadline, receipt)
            except AttemptFailed as failure:
                if self._closed:
                    return self._fail(ErrorCode.CLIENT_CLOSED, False, "client closed")
                if failure.retryable and attempts[0] < s.max_attempts:
                    pause = s.retry_backoff.delay(attempts[0])
                    if loop.time() + pause < deadline:
                        await asyncio.sleep(pause)
                        continue
                message = failure.message
                if attempts[0] > 1:
                    message += f" (attempt {attempts[0]} of at most {s.max_attempts})"
                return self._fail(failure.code, failure.retryable, message)

    def _fail(self, code: ErrorCode, retryable: bool, message: str) -> Verdict:
        if self._settings.surface_errors:
            raise VigilError(code, retryable, message)
        return Verdict.fail_closed(code, message)

    async def _attempt(self, image, source, policy: bytes, deadline: float, receipt: bool = False) -> Verdict:
        conn = await self._connect()
        problem = check_limits(policy, image, source, conn.hello)
        if problem is None and receipt and conn.hello.version < 2:
            problem = f"receipt: asked for (expected: a server speaking protocol version 2; this one negotiated {conn.hello.version})"
        if problem is not None:
            raise AttemptFailed(ErrorCode.BAD_REQUEST, False, problem)
        if conn.slots is not None:
            await conn.slots.acquire()
        try:
            if not conn.usable:
                raise AttemptFailed(ErrorCode.CONNECTION_FAILED, True,
                                    f"connection {'going away' if conn.going_away else 'lost'} before the request was sent")
            loop = asyncio.get_running_loop()
            request_id = conn.next_id
            conn.next_id += 1
            answer = loop.create_future()
            conn.pending[request_id] = answer
            try:
                timeout_ms = min(protocol.MAX_U32, max(1, int((deadline - loop.time()) * 1000 + 0.999)))
                conn.writer.writelines(protocol.encode_score(request_id, timeout_ms, policy, image, source, receipt))
                async with conn.write_lock:
                    await conn.writer.drain()
                frame = await answer
            except asyncio.CancelledError:
                conn.cancel(request_id)  # timed out or cancelled by the caller: stop the server's work
                raise
            except OSError as e:
                conn.pending.pop(request_id, None)
                conn.close(f"send failed: {e}")
                raise AttemptFailed(ErrorCode.CONNECTION_FAILED, True, f"connection lost while sending: {e}") from None
        finally:
            if conn.slots is not None:
                conn.slots.release()
        if isinstance(frame, protocol.ErrorFrame):
            code = ErrorCode.from_wire(frame.code)
            message = frame.message if code is not ErrorCode.UNKNOWN else f"code {frame.code}: {frame.message}"
            raise AttemptFailed(code, frame.retryable, message)
        return verdict_from_frame(frame.decision, frame.failed_closed, frame.json)

    async def _connect(self) -> _Connection:
        conn = self._connection
        if conn is not None and conn.usable:
            return conn
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._open())
            # Retrieve the outcome even if every waiter has given up, so that no failure goes unseen.
            self._connecting.add_done_callback(lambda f: f.cancelled() or f.exception())
        connecting = self._connecting
        try:
            # Shielded: one call's timeout must not abort the connection others are waiting for.
            return await asyncio.shield(connecting)
        except asyncio.CancelledError:
            if connecting.cancelled() and self._closed:
                raise AttemptFailed(ErrorCode.CLIENT_CLOSED, False, "client closed") from None
            raise

    async def _open(self) -> _Connection:
        s = self._settings
        try:
            try:
                conn = await asyncio.wait_for(self._handshake(), s.connect_timeout)
            except asyncio.TimeoutError:
                raise AttemptFailed(ErrorCode.CONNECTION_FAILED, True,
                                    f"no HELLO_OK from {s.address_text} within {s.connect_timeout:g} s") from None
            except (OSError, EOFError, asyncio.IncompleteReadError, protocol.ProtocolError) as e:
                raise AttemptFailed(ErrorCode.CONNECTION_FAILED, True,
                                    f"connect to {s.address_text}: {type(e).__name__}: {e}") from None
            if self._closed:
                conn.close("client closed")
                raise AttemptFailed(ErrorCode.CLIENT_CLOSED, False, "client closed")
            self._connection = conn
            return conn
        finally:
            self._connecting = None

    async def _handshake(self) -> _Connection:
        s = self._settings
        tls = {"ssl": s.ssl_context, "server_hostname": s.server_hostname} if s.ssl_context is not None else {}
        if s.kind == "unix":
            reader, writer = await asyncio.open_unix_connection(s.target, **tls)
        else:
            reader, writer = await asyncio.open_connection(s.target[0], s.target[1], **tls)
        try:
            writer.write(protocol.encode_hello(s.token, s.client_name))
            await writer.drain()
            while True:
                length, frame_type, request_id = protocol.parse_header(await reader.readexactly(protocol.HEADER_SIZE))
                frame = protocol.parse_frame(frame_type, request_id, await reader.readexactly(length))
                if isinstance(frame, protocol.HelloOk):
                    if not protocol.MIN_VERSION <= frame.version <= protocol.MAX_VERSION:
                        raise protocol.ProtocolError(f"HELLO_OK version: {frame.version} (expected: {protocol.MIN_VERSION}..{protocol.MAX_VERSION})")
                    conn = _Connection(reader, writer, frame, self._forget)
                    self._open_connections.add(conn)
                    return conn
                if isinstance(frame, protocol.ErrorFrame):
                    raise AttemptFailed(ErrorCode.from_wire(frame.code), frame.retryable,
                                        f"server refused the connection: {frame.message}")
                if not isinstance(frame, (protocol.Ping, protocol.Pong)):
                    raise protocol.ProtocolError(f"{type(frame).__name__} before HELLO_OK")
        except BaseException:
            writer.close()
            raise

    def _forget(self, conn: _Connection) -> None:
        self._open_connections.discard(conn)
        if self._connection is conn:
            self._connection = None
