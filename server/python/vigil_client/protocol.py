"""The Vigil wire format, versions 1 and 2 (server/PROTOCOL.md), as pure functions.

Encoders for the frames a client sends, parsers for the frames a server sends. Every
integer is unsigned big-endian, every string a u16 byte length and UTF-8 bytes::

     0               4       5       6               8                              16
     +---------------+-------+-------+---------------+------------------------------+------------
     | length (u32)  | type  | flags | reserved (0)  | request id (u64)             | payload ...
     +---------------+-------+-------+---------------+------------------------------+------------

``length`` counts the bytes after itself (12 + payload). Nothing here does I/O; both
clients read a 16-byte header with :func:`parse_header`, then ``length - 12`` payload bytes,
then call :func:`parse_frame`.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import List, Optional, Union

from ._core import Image, RawImage

HEADER = struct.Struct(">IBBHQ")  # length, type, flags, reserved, request id
HEADER_SIZE = HEADER.size  # 16
HEADER_AFTER_LENGTH = 12

HELLO = 0x01
HELLO_OK = 0x02
SCORE = 0x10
VERDICT = 0x11
ERROR = 0x12
PING = 0x20
PONG = 0x21
CANCEL = 0x30
GOAWAY = 0x40

MAGIC = b"VGIL"
#: The versions this client speaks; 2 adds only SCORE's RECEIPT flag.
MIN_VERSION = 1
MAX_VERSION = 2
#: SCORE header flag (version 2): the verdict's JSON carries its audit receipt.
FLAG_RECEIPT = 0x01
MAX_STRING_BYTES = 0xFFFF
MAX_U32 = 0xFFFFFFFF
#: Largest server frame a client accepts: answers are verdicts of a few KiB.
MAX_SERVER_FRAME = 16 << 20

IMAGE_ENCODED = 1
IMAGE_RAW = 2
_ENCODED_HEADER = struct.Struct(">BI")  # kind, byte_length
_RAW_HEADER = struct.Struct(">BBIIII")  # kind, pixel_format, width, height, row_stride, byte_length


class ProtocolError(Exception):
    """A server frame the protocol does not allow; the connection it came on cannot be trusted."""


@dataclass(frozen=True)
class HelloOk:
    request_id: int
    version: int
    max_frame: int
    max_in_flight: int
    max_image_bytes: int
    server_name: str


@dataclass(frozen=True)
class VerdictFrame:
    request_id: int
    decision: int
    failed_closed: bool
    json: str


@dataclass(frozen=True)
class ErrorFrame:
    request_id: int
    code: int
    retryable: bool
    message: str


@dataclass(frozen=True)
class Ping:
    request_id: int
    opaque: int


@dataclass(frozen=True)
class Pong:
    request_id: int
    opaque: int


@dataclass(frozen=True)
class GoAway:
    request_id: int
    reason: str


ServerFrame = Union[HelloOk, VerdictFrame, ErrorFrame, Ping, Pong, GoAway]


def utf8(field: str, value: str) -> bytes:
    data = value.encode("utf-8")
    if len(data) > MAX_STRING_BYTES:
        raise ValueError(f"{field}: {len(data)} bytes (expected: <= {MAX_STRING_BYTES})")
    return data


def _string(data: bytes) -> bytes:
    return struct.pack(">H", len(data)) + data


def _frame(frame_type: int, request_id: int, payload: bytes = b"") -> bytes:
    return HEADER.pack(HEADER_AFTER_LENGTH + len(payload), frame_type, 0, 0, request_id) + payload


def encode_hello(token: str, client_name: str) -> bytes:
    """HELLO: magic, min_version, max_version, token, client_name; request id 0."""
    payload = MAGIC + struct.pack(">HH", MIN_VERSION, MAX_VERSION) + _string(utf8("token", token)) + _string(
        utf8("client_name", client_name))
    return _frame(HELLO, 0, payload)


def encode_cancel(request_id: int) -> bytes:
    """CANCEL: empty payload; the request id names the request."""
    return _frame(CANCEL, request_id)


def encode_ping(request_id: int, opaque: int) -> bytes:
    return _frame(PING, request_id, struct.pack(">Q", opaque))


def encode_pong(request_id: int, opaque: int) -> bytes:
    return _frame(PONG, request_id, struct.pack(">Q", opaque))


def _image_header(image: Image) -> bytes:
    if isinstance(image, RawImage):
        return _RAW_HEADER.pack(IMAGE_RAW, image.format.wire, image.width, image.height, image.stride,
                                len(image.data))
    return _ENCODED_HEADER.pack(IMAGE_ENCODED, len(image))


def _image_length(image: Image) -> int:
    if isinstance(image, RawImage):
        return _RAW_HEADER.size + len(image.data)
    return _ENCODED_HEADER.size + len(image)


def _image_bytes(image: Image):
    return image.data if isinstance(image, RawImage) else image


def score_length(policy: bytes, image: Image, source: Optional[Image]) -> int:
    """SCORE's ``length`` field, to check against the server's max_frame before sending."""
    payload = 4 + 2 + len(policy) + _image_length(image) + 1 + (_image_length(source) if source is not None else 0)
    return HEADER_AFTER_LENGTH + payload


def encode_score(request_id: int, timeout_ms: int, policy: bytes, image: Image,
                 source: Optional[Image] = None, receipt: bool = False) -> List[bytes]:
    """SCORE as a list of buffers to write in order: the image bytes are passed through, not copied.

    ``timeout_ms`` 0 leaves the timeout to the server; ``policy`` empty selects its default policy;
    ``receipt`` sets the RECEIPT flag (the connection must have negotiated version 2).
    """
    length = score_length(policy, image, source)
    if length > MAX_U32:
        raise ValueError(f"length: {length} (expected: <= {MAX_U32})")
    head = HEADER.pack(length, SCORE, FLAG_RECEIPT if receipt else 0, 0, request_id) + struct.pack(">I", timeout_ms) + _string(policy) \
        + _image_header(image)
    tail = b"\x01" + _image_header(source) if source is not None else b"\x00"
    chunks = [head, _image_bytes(image), tail]
    if source is not None:
        chunks.append(_image_bytes(source))
    return chunks


def parse_header(header: bytes, max_frame: int = MAX_SERVER_FRAME):
    """Validates a 16-byte frame header; returns ``(payload_length, type, request_id)``."""
    length, frame_type, flags, reserved, request_id = HEADER.unpack(header)
    if length < HEADER_AFTER_LENGTH:
        raise ProtocolError(f"length: {length} (expected: >= {HEADER_AFTER_LENGTH})")
    if length > max_frame:
        raise ProtocolError(f"length: {length} (expected: <= {max_frame})")
    if flags != 0:
        raise ProtocolError(f"flags: {flags} (expected: 0)")
    if reserved != 0:
        raise ProtocolError(f"reserved: {reserved} (expected: 0)")
    return length - HEADER_AFTER_LENGTH, frame_type, request_id


class _Reader:
    def __init__(self, payload: bytes):
        self._data = memoryview(payload)
        self._pos = 0

    def take(self, field: str, n: int) -> memoryview:
        left = len(self._data) - self._pos
        if left < n:
            raise ProtocolError(f"{field}: needs {n} bytes, {left} left in the frame")
        chunk = self._data[self._pos:self._pos + n]
        self._pos += n
        return chunk

    def u8(self, field: str) -> int:
        return self.take(field, 1)[0]

    def boolean(self, field: str) -> bool:
        value = self.u8(field)
        if value > 1:
            raise ProtocolError(f"{field}: {value} (expected: 0 or 1)")
        return value == 1

    def u16(self, field: str) -> int:
        return struct.unpack(">H", self.take(field, 2))[0]

    def u32(self, field: str) -> int:
        return struct.unpack(">I", self.take(field, 4))[0]

    def u64(self, field: str) -> int:
        return struct.unpack(">Q", self.take(field, 8))[0]

    def text(self, field: str, n: int) -> str:
        try:
            return bytes(self.take(field, n)).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ProtocolError(f"{field}: not UTF-8 ({e.reason})") from None

    def string(self, field: str) -> str:
        return self.text(field, self.u16(field + " length"))

    def left(self) -> int:
        return len(self._data) - self._pos


def parse_frame(frame_type: int, request_id: int, payload: bytes) -> ServerFrame:
    """Parses a server-to-client frame's payload, all of it; :class:`ProtocolError` names what is wrong."""
    r = _Reader(payload)
    if frame_type == HELLO_OK:
        frame = HelloOk(request_id, r.u16("version"), r.u32("max_frame"), r.u32("max_in_flight"),
                        r.u32("max_image_bytes"), r.string("server_name"))
    elif frame_type == VERDICT:
        decision = r.u8("decision")
        if decision > 2:
            raise ProtocolError(f"decision: {decision} (expected: 0, 1 or 2)")
        failed_closed = r.boolean("failed_closed")
        frame = VerdictFrame(request_id, decision, failed_closed, r.text("json", r.u32("json_length")))
    elif frame_type == ERROR:
        frame = ErrorFrame(request_id, r.u16("code"), r.boolean("retryable"), r.string("message"))
    elif frame_type == PING:
        frame = Ping(request_id, r.u64("opaque"))
    elif frame_type == PONG:
        frame = Pong(request_id, r.u64("opaque"))
    elif frame_type == GOAWAY:
        frame = GoAway(request_id, r.string("reason"))
    else:
        raise ProtocolError(f"type: 0x{frame_type:x} (expected: HELLO_OK, VERDICT, ERROR, PING, PONG or GOAWAY)")
    if r.left():
        raise ProtocolError(f"payload: {r.left()} bytes after the last field of type 0x{frame_type:x} (expected: 0)")
    return frame


def parse_details(text: str):
    """VERDICT's JSON details as a dict; ``(details, problem)`` where problem is None when readable."""
    if not text:
        return {}, None
    try:
        details = json.loads(text)
    except ValueError as e:
        return {}, f"unreadable verdict details: {e}"
    if not isinstance(details, dict):
        return {}, "unreadable verdict details: not a JSON object"
    return details, None
