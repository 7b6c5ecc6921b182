"""Python client for Vigil, the image-safety gate: ask it before returning a generated image.

>>> from vigil_client import VigilClient
>>> with VigilClient("127.0.0.1:7461") as vigil:          # doctest: +SKIP
...     verdict = vigil.score(png_bytes)
...     if verdict.allowed:
...         return png_bytes

Every failure to get a verdict is a BLOCK (``failed_closed=True``) unless the client is made
with ``surface_errors=True``. :class:`AsyncVigilClient` pipelines many calls on one connection.
"""

from ._core import ErrorCode, PixelFormat, RawImage, Verdict, VigilError
from .aio import AsyncVigilClient
from .client import VigilClient

__version__ = "0.1.0"

__all__ = ["AsyncVigilClient", "ErrorCode", "PixelFormat", "RawImage", "Verdict", "VigilClient", "VigilError",
           "__version__"]
