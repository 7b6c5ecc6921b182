"""Synchronous Vigil client over one socket (TCP or Unix, optionally TLS)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from typing import Optional, Tuple

from . import protocol
from ._core import (AttemptFailed, ErrorCode, Image, Verdict, VigilError, check_image, check_limits, make_settings,
                    verdict_from_frame)


class _Connection:
    """One connected, negotiated socket. Frames are read into a buffer, so a read that times out
    mid-frame leaves the stream intact for the next call. Used under the client's lock only."""

    def __init__(self, sock: socket.socket, hello: protocol.HelloOk, buffer: bytearray):
        self.sock = sock
        self.hello = hello
        self.buffer = buffer
        self.next_id = 1
        self.going_away = False
        self.closed = False
        self.why_closed = ""

    def close(self, why: str = "closed by the client") -> None:
        if not self.closed:
            self.closed = True
            self.why_closed = why
            try:
                self.sock.close()
            except OSError:
                pass


def _read_frame(sock: socket.socket, buffer: bytearray, deadline: float) -> protocol.ServerFrame:
    """Reads one frame, waiting at most until ``deadline`` (raises socket.timeout, leaving what
    arrived in ``buffer``), EOFError when the server closed, ProtocolError for a bad frame."""
    while True:
        if len(buffer) >= protocol.HEADER_SIZE:
            payload_length, frame_type, request_id = protocol.parse_header(bytes(buffer[:protocol.HEADER_SIZE]))
            end = protocol.HEADER_SIZE + payload_length
            if len(buffer) >= end:
                payload = bytes(buffer[protocol.HEADER_SIZE:end])
                del buffer[:end]
                return protocol.parse_frame(frame_type, request_id, payload)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("deadline passed")
        sock.settimeout(remaining)
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed by the server")
        buffer += chunk


class VigilClient:
    """Scores images against a Vigil server, one call at a time over one connection.

    **Fail-closed**: a call that gets no verdict (server ERROR, lost connection, timeout) returns
    ``Verdict(decision="BLOCK", failed_closed=True, error=..., reason=...)``; with
    ``surface_errors=True`` it raises :class:`VigilError` instead.

    Thread-safe (calls are serialised by a lock); for many calls in flight at once use
    :class:`vigil_client.aio.AsyncVigilClient`, or one client per thread. Connects on the first
    call and again, after a back-off, when the connection is lost. Close it (or use ``with``).

    :param address: ``"host:port"``, ``("host", port)`` or ``"unix:/path/to/socket"``
    :param token: sent in HELLO; a server requiring another answers UNAUTHENTICATED (no retry)
    :param client_name: sent in HELLO for the server's logs
    :param timeout: seconds a call may take, retries included, unless the call sets its own (default 5)
    :param connect_timeout: seconds for connect, TLS handshake and HELLO_OK together (default 3)
    :param max_attempts: attempts per call for retryable failures (OVERLOADED, DEADLINE_EXCEEDED,
        SHUTTING_DOWN, INTERNAL, a lost connection); 1 disables retries (default 3)
    :param retry_backoff: ``(initial, maximum)`` seconds of jittered, doubling pause between attempts
    :param surface_errors: raise :class:`VigilError` instead of returning a fail-closed BLOCK
    :param ssl_context: connect with TLS using this context
    :param ca_file: or: connect with TLS trusting this PEM file; ``cert_file``/``key_file`` add a
        client certificate
    :param server_hostname: the name the server certificate must carry (default: the host; for a
        Unix socket, ``localhost``)
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
        self._lock = threading.Lock()
        self._connection: Optional[_Connection] = None
        self._closed = False

    @property
    def address(self) -> str:
        return self._settings.address_text

    def __enter__(self) -> "VigilClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Closes the connection; a call in progress on another thread ends as CLIENT_CLOSED.
        Idempotent; calls made afterwards raise RuntimeError."""
        self._closed = True
        conn = self._connection
        if conn is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)  # wakes a call blocked reading, without the lock
            except OSError:
                pass
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def score(self, image: Image, *, source: Optional[Image] = None, policy: str = "",
              timeout: Optional[float] = None, receipt: bool = False) -> Verdict:
        """Scores one image; blocks until the verdict, the fail-closed BLOCK, or (surfaced) VigilError.

        :param image: encoded image bytes (PNG, JPEG, WebP, BMP) or a :class:`RawImage`
        :param source: for an edit, the image that was edited (enables the source_match signal)
        :param policy: a policy name; empty for the server's default
        :param timeout: seconds for this call, retries included; default: the client's
        :param receipt: ask for the audit log's receipt of the verdict (protocol version 2): it is then
            ``verdict.details["receipt"]``, checkable with ``vigil audit verify-proof``
        :raises TypeError, ValueError: for arguments no server could accept (naming them)
        """
        image = check_image("image", image)
        source = check_image("source", source) if source is not None else None
        policy_bytes = protocol.utf8("policy", policy)
        seconds = self._settings.timeout if timeout is None else float(timeout)
        if seconds <= 0:
            raise ValueError(f"timeout: {timeout} (expected: > 0 seconds)")
        if self._closed:
            raise RuntimeError("client closed")
        deadline = time.monotonic() + seconds
        with self._lock:
            attempt = 0
            while True:
                attempt += 1
                try:
                    return self._attempt(image, source, policy_bytes, deadline, receipt)
                except socket.timeout:
                    return self._fail(ErrorCode.TIMEOUT, False, f"no verdict within {seconds:g} s ({attempt} attempts)")
                except AttemptFailed as failure:
                    if self._closed:
                        return self._fail(ErrorCode.CLIENT_CLOSED, False, "client closed")
                    if failure.retryable and attempt < self._settings.max_attempts:
                        pause = self._settings.retry_backoff.delay(attempt)
                        if time.monotonic() + pause < deadline:
                            time.sleep(pause)
                            continue
                    message = failure.message
                    if attempt > 1:
                        message += f" (attempt {attempt} of at most {self._settings.max_attempts})"
                    return self._fail(failure.code, failure.retryable, message)

    def _fail(self, code: ErrorCode, retryable: bool, message: str) -> Verdict:
        if self._settings.surface_errors:
            raise VigilError(code, retryable, message)
        return Verdict.fail_closed(code, message)

    def _attempt(self, image, source, policy: bytes, deadline: float, receipt: bool = False) -> Verdict:
        conn = self._connect(deadline)
        problem = check_limits(policy, image, source, conn.hello)
        if problem is None and receipt and conn.hello.version < 2:
            problem = f"receipt: asked for (expected: a server speaking protocol version 2; this one negotiated {conn.hello.version})"
        if problem is not None:
            raise AttemptFailed(ErrorCode.BAD_REQUEST, False, problem)
        request_id = conn.next_id
        conn.next_id += 1
        timeout_ms = min(protocol.MAX_U32, max(1, int((deadline - time.monotonic()) * 1000 + 0.999)))
        try:
            conn.sock.settimeout(max(0.001, deadline - time.monotonic()))
            for chunk in protocol.encode_score(request_id, timeout_ms, policy, image, source, receipt):
                conn.sock.sendall(chunk)
        except socket.timeout:
            # Part of a frame may have gone out: the stream is no longer usable.
            self._drop(conn, "timed out while sending")
            raise
        except OSError as e:
            self._drop(conn, f"send failed: {e}")
            raise AttemptFailed(ErrorCode.CONNECTION_FAILED, True, f"connection lost while sending: {e}") from None
        try:
            return self._await_answer(conn, request_id, deadline)
        except socket.timeout:
            self._cancel(conn, request_id)
            raise

    def _await_answer(self, conn: _Connection, request_id: int, deadline: float) -> Verdict:
        while True:
            try:
                frame = _read_frame(conn.sock, conn.buffer, deadline)
            except (EOFError, OSError, protocol.ProtocolError) as e:
                if isinstance(e, socket.timeout):
                    raise
                self._drop(conn, str(e))
                raise AttemptFailed(ErrorCode.CONNECTION_FAILED, True,
                                    f"connection lost with the request in flight: {conn.why_closed}") from None
            if isinstance(frame, protocol.VerdictFrame) and frame.request_id == request_id:
                self._retire_if_going_away(conn)
                return verdict_from_frame(frame.decision, frame.failed_closed, frame.json)
            if isinstance(frame, protocol.ErrorFrame):
                code = ErrorCode.from_wire(frame.code)
                message = frame.message if code is not ErrorCode.UNKNOWN else f"code {frame.code}: {frame.message}"
                if frame.request_id == request_id:
                    self._retire_if_going_away(conn)
                    raise AttemptFailed(code, frame.retryable, message)
                if frame.request_id == 0:
                    # Connection-level: the server closes the connection next.
                    conn.why_closed = f"server ERROR {code}: {message}"
            elif isinstance(frame, protocol.Ping):
                conn.sock.sendall(protocol.encode_pong(frame.request_id, frame.opaque))
            elif isinstance(frame, protocol.GoAway):
                conn.going_away = True
            # Anything else: a late answer to a request this client gave up on, or a PONG.

    def _cancel(self, conn: _Connection, request_id: int) -> None:
        try:
            conn.sock.settimeout(0.5)
            conn.sock.sendall(protocol.encode_cancel(request_id))
        except OSError as e:
            self._drop(conn, f"send failed: {e}")

    def _retire_if_going_away(self, conn: _Connection) -> None:
        if conn.going_away:
            self._drop(conn, "server sent GOAWAY")

    def _drop(self, conn: _Connection, why: str) -> None:
        conn.close(conn.why_closed or why)
        if self._connection is conn:
            self._connection = None

    def _connect(self, deadline: float) -> _Connection:
        conn = self._connection
        if conn is not None and not conn.closed and not conn.going_away:
            return conn
        self._connection = None
        s = self._settings
        limit = min(deadline, time.monotonic() + s.connect_timeout)
        sock = None
        try:
            if s.kind == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(max(0.001, limit - time.monotonic()))
                sock.connect(s.target)
            else:
                sock = socket.create_connection(s.target, timeout=max(0.001, limit - time.monotonic()))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if s.ssl_context is not None:
                sock = s.ssl_context.wrap_socket(sock, server_hostname=s.server_hostname)
            sock.settimeout(max(0.001, limit - time.monotonic()))
            sock.sendall(protocol.encode_hello(s.token, s.client_name))
            buffer = bytearray()
            while True:
                frame = _read_frame(sock, buffer, limit)
                if isinstance(frame, protocol.HelloOk):
                    if not protocol.MIN_VERSION <= frame.version <= protocol.MAX_VERSION:
                        raise protocol.ProtocolError(f"HELLO_OK version: {frame.version} (expected: {protocol.MIN_VERSION}..{protocol.MAX_VERSION})")
                    conn = _Connection(sock, frame, buffer)
                    self._connection = conn
                    return conn
                if isinstance(frame, protocol.ErrorFrame):
                    # UNAUTHENTICATED, UNSUPPORTED_VERSION, ...: the server closes the connection next.
                    raise AttemptFailed(ErrorCode.from_wire(frame.code), frame.retryable,
                                        f"server refused the connection: {frame.message}")
                if not isinstance(frame, (protocol.Ping, protocol.Pong)):
                    raise protocol.ProtocolError(f"{type(frame).__name__} before HELLO_OK")
        except AttemptFailed:
            _close_quietly(sock)
            raise
        except socket.timeout:
            _close_quietly(sock)
            if time.monotonic() >= deadline:
                raise
            raise AttemptFailed(ErrorCode.CONNECTION_FAILED, True,
                                f"no HELLO_OK from {s.address_text} within {s.connect_timeout:g} s") from None
        except (OSError, EOFError, protocol.ProtocolError, ssl.SSLError) as e:
            _close_quietly(sock)
            raise AttemptFailed(ErrorCode.CONNECTION_FAILED, True, f"connect to {s.address_text}: {e}") from None


def _close_quietly(sock) -> None:
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass
