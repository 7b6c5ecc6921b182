"""A diffusion backend that asks Vigil about every image before returning it.

Run a Vigil server, then:  python3 examples/diffusion_backend.py --address 127.0.0.1:7461 "a cat"

There is no diffusion model here: ``stub_diffusion_model`` is a STAND-IN for the model call and
paints a gradient from the prompt. Everything around it is how a real backend would use Vigil:

* the generated pixels are scored as raw RGB (no PNG encode before the check, no decode in
  Vigil), and only an image that is ALLOWed is encoded and returned;
* an edit ("put her in a bikini") sends the user's uploaded photo as the source image, so the
  policy can tell when the output shows the same person;
* every answer other than ALLOW withholds the image, and so does every failure: the client is
  fail-closed, so a dead or overloaded Vigil means BLOCK, never a silent pass.
"""

import argparse
import hashlib
import struct
import sys
import zlib
from pathlib import Path
from typing import Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from vigil_client import RawImage, Verdict, VigilClient  # noqa: E402


def stub_diffusion_model(prompt: str, width: int = 256, height: int = 256) -> Tuple[bytes, int, int]:
    """STAND-IN for the diffusion model call: packed RGB pixels, deterministic in the prompt."""
    seed = hashlib.sha256(prompt.encode()).digest()
    row_bytes = []
    for y in range(height):
        row = bytearray(width * 3)
        for x in range(width):
            row[3 * x] = (x * seed[0] // 64 + y) & 0xFF
            row[3 * x + 1] = (y * seed[1] // 64 + x) & 0xFF
            row[3 * x + 2] = seed[2]
        row_bytes.append(bytes(row))
    return b"".join(row_bytes), width, height


def encode_png(rgb: bytes, width: int, height: int) -> bytes:
    """A minimal PNG encoder (8-bit RGB, no filtering), standard library only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    stride = width * 3
    scanlines = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(scanlines, 6)) + chunk(b"IEND", b""))


class Withheld(Exception):
    """The image was not returned; ``verdict`` says why (REVIEW: queue it for a person; BLOCK: drop it)."""

    def __init__(self, verdict: Verdict):
        super().__init__(f"{verdict.decision}: {verdict.reason}")
        self.verdict = verdict


class CheckedGenerator:
    """Generates images and returns only those Vigil allows. Thread-safe if the client is."""

    def __init__(self, vigil: VigilClient, policy: str = "strict"):
        self.vigil = vigil
        self.policy = policy

    def generate(self, prompt: str, edit_of: Optional[bytes] = None) -> bytes:
        """A PNG for ``prompt``; ``edit_of`` is the user's uploaded photo when the request edits one."""
        rgb, width, height = stub_diffusion_model(prompt)
        verdict = self.vigil.score(RawImage.packed(rgb, width, height, "RGB"), source=edit_of, policy=self.policy)
        if not verdict.allowed:
            raise Withheld(verdict)
        return encode_png(rgb, width, height)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prompts", nargs="*", default=["a lighthouse at dusk"], help="prompts to generate")
    parser.add_argument("--address", default="127.0.0.1:7461", help="Vigil server: host:port or unix:/path")
    parser.add_argument("--token", default="", help="token the server requires, if any")
    parser.add_argument("--edit-of", type=Path, help="a photo (PNG/JPEG) that each prompt edits")
    parser.add_argument("--out", type=Path, default=Path("."), help="where allowed images are written")
    args = parser.parse_args()
    source = args.edit_of.read_bytes() if args.edit_of else None
    args.out.mkdir(parents=True, exist_ok=True)
    with VigilClient(args.address, token=args.token) as vigil:
        generator = CheckedGenerator(vigil)
        for i, prompt in enumerate(args.prompts):
            try:
                png = generator.generate(prompt, edit_of=source)
            except Withheld as withheld:
                v = withheld.verdict
                kind = "failed closed" if v.failed_closed else "policy"
                print(f"{prompt!r}: withheld, {v.decision} ({kind}): {v.reason}")
                continue
            path = args.out / f"generated-{i}.png"
            path.write_bytes(png)
            print(f"{prompt!r}: allowed, written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
