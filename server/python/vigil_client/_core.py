"""Types both clients share: images, verdicts, error codes, the error type, addresses, back-off."""

from __future__ import annotations

import enum
import random
import ssl
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple, Union

DECISIONS = ("ALLOW", "REVIEW", "BLOCK")


class PixelFormat(enum.Enum):
    """Layout of raw 8-bit interleaved pixels; ``wire`` is SCORE's pixel_format byte."""

    RGB = (1, 3)
    BGR = (2, 3)
    RGBA = (3, 4)
    BGRA = (4, 4)
    GRAY = (5, 1)

    @property
    def wire(self) -> int:
        return self.value[0]

    @property
    def channels(self) -> int:
        return self.value[1]


@dataclass(frozen=True)
class RawImage:
    """Raw 8-bit pixels: ``height`` rows of ``stride`` bytes, each starting with ``width`` pixels.

    ``format`` is a :class:`PixelFormat` or its name (``"RGB"``, ``"BGRA"``, ...). The last row
    may stop after its pixels, so ``len(data) >= stride * (height - 1) + width * channels``.
    No numpy needed: ``data`` is any bytes-like object (``ndarray.tobytes()`` or a memoryview of one).
    """

    data: Union[bytes, bytearray, memoryview]
    width: int
    height: int
    stride: int
    format: Union[PixelFormat, str] = PixelFormat.RGB

    def __post_init__(self):
        fmt = self.format
        if isinstance(fmt, str):
            try:
                fmt = PixelFormat[fmt.upper()]
            except KeyError:
                raise ValueError(f"format: {self.format!r} (expected: one of RGB, BGR, RGBA, BGRA, GRAY)") from None
        object.__setattr__(self, "format", fmt)
        if not isinstance(self.data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data: {type(self.data).__name__} (expected: bytes, bytearray or memoryview)")
        object.__setattr__(self, "data", _bytes_view(self.data))
        for name in ("width", "height"):
            value = getattr(self, name)
            if not 1 <= value <= 0xFFFFFFFF:
                raise ValueError(f"{name}: {value} (expected: >= 1)")
        row = self.width * fmt.channels
        if self.stride < row or self.stride > 0xFFFFFFFF:
            raise ValueError(f"stride: {self.stride} (expected: >= {row} for width {self.width} {fmt.name})")
        needed = self.stride * (self.height - 1) + row
        if len(self.data) < needed:
            raise ValueError(f"data: {len(self.data)} bytes (expected: >= {needed} = stride * (height - 1) "
                             f"+ width * channels)")

    @classmethod
    def packed(cls, data, width: int, height: int, format: Union[PixelFormat, str] = PixelFormat.RGB) -> "RawImage":
        """Rows with no padding: ``stride = width * channels``."""
        fmt = PixelFormat[format.upper()] if isinstance(format, str) else format
        return cls(data, width, height, width * fmt.channels, fmt)


#: What a client scores: encoded file bytes (PNG, JPEG, WebP, BMP) or raw pixels.
Image = Union[bytes, bytearray, memoryview, RawImage]


def _bytes_view(data):
    return data.cast("B") if isinstance(data, memoryview) and data.format != "B" else data


def check_image(name: str, image) -> Image:
    """The image as the encoder takes it; TypeError or ValueError naming ``name`` otherwise."""
    if isinstance(image, RawImage):
        return image
    if not isinstance(image, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name}: {type(image).__name__} (expected: encoded image bytes or RawImage)")
    image = _bytes_view(image)
    if len(image) == 0:
        raise ValueError(f"{name}: 0 bytes (expected: > 0)")
    return image


class ErrorCode(str, enum.Enum):
    """Why a call got no verdict: the protocol's ERROR codes and three the client raises itself.

    A ``str`` enum: ``verdict.error == "TIMEOUT"`` works.
    """

    BAD_FRAME = "BAD_FRAME"
    UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FRAME_TOO_LARGE = "FRAME_TOO_LARGE"
    BAD_REQUEST = "BAD_REQUEST"
    OVERLOADED = "OVERLOADED"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    SHUTTING_DOWN = "SHUTTING_DOWN"
    INTERNAL = "INTERNAL"
    CANCELLED = "CANCELLED"
    DUPLICATE_REQUEST_ID = "DUPLICATE_REQUEST_ID"
    #: An ERROR code this client does not know; the frame's retryable byte decides.
    UNKNOWN = "UNKNOWN"
    #: Client side: could not connect, TLS or HELLO failed, or the connection dropped mid-request.
    CONNECTION_FAILED = "CONNECTION_FAILED"
    #: Client side: the call's timeout passed (not retried: the time is spent).
    TIMEOUT = "TIMEOUT"
    #: Client side: the client was closed before the verdict came.
    CLIENT_CLOSED = "CLIENT_CLOSED"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def from_wire(cls, code: int) -> "ErrorCode":
        return _WIRE.get(code, cls.UNKNOWN)


_WIRE = {i + 1: c for i, c in enumerate(list(ErrorCode)[:11])}


class VigilError(Exception):
    """A call without a verdict, raised only by clients made with ``surface_errors=True``.

    ``code`` is an :class:`ErrorCode`; ``retryable`` says whether the failure was judged
    transient (the client has already retried as often as configured).
    """

    def __init__(self, code: ErrorCode, retryable: bool, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.retryable = retryable
        self.message = message


@dataclass(frozen=True)
class Verdict:
    """The answer to one call: the server's verdict, or the client's fail-closed BLOCK.

    ``failed_closed`` is true when a BLOCK is a failure rather than a policy decision: the
    server's gate could not decide (``error`` is None) or the client got no verdict (``error``
    says why). ``details`` is VERDICT's JSON (signals, findings, models, timings_us, ...).
    """

    decision: str
    failed_closed: bool = False
    reason: str = ""
    rule: str = ""
    signals: Mapping[str, float] = field(default_factory=dict)
    error: Optional[ErrorCode] = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        """True only for ALLOW: the one answer on which the image may be returned."""
        return self.decision == "ALLOW"

    @classmethod
    def fail_closed(cls, error: ErrorCode, message: str) -> "Verdict":
        return cls(decision="BLOCK", failed_closed=True, reason=f"{error}: {message}", rule="error", error=error)


class AttemptFailed(Exception):
    """One attempt's failure, inside a client; the last one becomes a Verdict or a VigilError."""

    def __init__(self, code: ErrorCode, retryable: bool, message: str):
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.message = message


def verdict_from_frame(decision: int, failed_closed: bool, details_json: str) -> Verdict:
    from .protocol import parse_details

    details, problem = parse_details(details_json)
    signals: Dict[str, float] = {}
    raw_signals = details.get("signals")
    if isinstance(raw_signals, dict):
        signals = {k: float(v) for k, v in raw_signals.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    reason = problem if problem is not None else str(details.get("reason", ""))
    return Verdict(decision=DECISIONS[decision], failed_closed=failed_closed, reason=reason,
                   rule=str(details.get("rule", "")), signals=signals, details=details)


def parse_address(address) -> Tuple[str, Union[Tuple[str, int], str]]:
    """``"host:port"``, ``"[v6]:port"``, ``("host", port)`` or ``"unix:/path"`` as ``("tcp", (host, port))``
    or ``("unix", path)``."""
    if isinstance(address, tuple) and len(address) == 2:
        return "tcp", (str(address[0]), int(address[1]))
    if isinstance(address, str):
        if address.startswith("unix:"):
            return "unix", address[len("unix:"):]
        host, sep, port = address.rpartition(":")
        if sep and host and port.isdigit() and 1 <= int(port) <= 65535:
            if host.startswith("[") and host.endswith("]"):
                host = host[1:-1]
            return "tcp", (host, int(port))
    raise ValueError(f"address: {address!r} (expected: host:port, (host, port) or unix:/path)")


def make_ssl_context(ssl_context: Optional[ssl.SSLContext], ca_file: Optional[str], cert_file: Optional[str],
                     key_file: Optional[str]) -> Optional[ssl.SSLContext]:
    """The TLS context to connect with: the caller's, or one trusting ``ca_file`` (PEM) with an optional
    client certificate and key; None for plain text."""
    if ssl_context is not None:
        return ssl_context
    if ca_file is None and cert_file is None:
        return None
    context = ssl.create_default_context(cafile=ca_file)
    if cert_file is not None:
        context.load_cert_chain(cert_file, key_file)
    return context


class Backoff:
    """Exponential back-off with equal jitter: after n >= 1 failures, uniform in [cap/2, cap] with
    cap = min(maximum, initial * 2**(n-1)). Stateless and thread-safe."""

    def __init__(self, initial: float, maximum: float):
        if initial <= 0 or maximum < initial:
            raise ValueError(f"back-off: ({initial}, {maximum}) (expected: 0 < initial <= maximum)")
        self.initial = initial
        self.maximum = maximum

    def delay(self, failures: int) -> float:
        cap = min(self.maximum, self.initial * (2 ** min(max(failures - 1, 0), 32)))
        return cap / 2 + random.uniform(0, cap / 2)


@dataclass(frozen=True)
class Settings:
    """What both clients are configured with; see :class:`vigil_client.VigilClient` for each knob."""

    kind: str
    target: Union[Tuple[str, int], str]
    address_text: str
    token: str
    client_name: str
    timeout: float
    connect_timeout: float
    max_attempts: int
    retry_backoff: Backoff
    surface_errors: bool
    ssl_context: Optional[ssl.SSLContext]
    server_hostname: Optional[str]


def make_settings(address, token, client_name, timeout, connect_timeout, max_attempts, retry_backoff,
                  surface_errors, ssl_context, ca_file, cert_file, key_file, server_hostname) -> Settings:
    kind, target = parse_address(address)
    if timeout <= 0:
        raise ValueError(f"timeout: {timeout} (expected: > 0 seconds)")
    if connect_timeout <= 0:
        raise ValueError(f"connect_timeout: {connect_timeout} (expected: > 0 seconds)")
    if max_attempts < 1:
        raise ValueError(f"max_attempts: {max_attempts} (expected: >= 1)")
    from .protocol import utf8

    utf8("token", token)
    utf8("client_name", client_name)
    context = make_ssl_context(ssl_context, ca_file, cert_file, key_file)
    if context is not None and server_hostname is None:
        server_hostname = target[0] if kind == "tcp" else "localhost"
    text = f"unix:{target}" if kind == "unix" else f"{target[0]}:{target[1]}"
    return Settings(kind, target, text, token, client_name, float(timeout), float(connect_timeout), int(max_attempts),
                    Backoff(*retry_backoff), bool(surface_errors), context, server_hostname)


def check_limits(policy: bytes, image: Image, source: Optional[Image], hello) -> Optional[str]:
    """Why the server would refuse this call under the limits in its HELLO_OK; None when it fits."""
    from .protocol import score_length

    length = score_length(policy, image, source)
    if length > hello.max_frame:
        return f"frame length: {length} (expected: <= max_frame {hello.max_frame})"
    for name, img in (("image", image), ("source", source)):
        if img is None:
            continue
        size = len(img.data) if isinstance(img, RawImage) else len(img)
        if size > hello.max_image_bytes:
            return f"{name}.byte_length: {size} (expected: <= max_image_bytes {hello.max_image_bytes})"
    return None
