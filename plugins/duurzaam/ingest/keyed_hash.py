"""HMAC-SHA256 of many short values, fast: the pseudonyms of a file's BSNs. Run as a script
(`python -I -S keyed_hash.py`) it is the child process duurzaam.ingest.privacy.Pseudonymisation
starts: it reads the key and the values from stdin and writes their digests to stdout. It
imports nothing but the standard library, so that child starts in milliseconds."""

from __future__ import annotations

import hashlib
import struct
import sys
from collections.abc import Iterable

DIGEST_SIZE = 32


def hmac_sha256_digests(key: bytes, values: Iterable[bytes]) -> bytes:
    """The HMAC-SHA256 digest of each value, one after the other (as hmac.digest gives them).
    HMAC (RFC 2104) hashes the key's inner and outer pads before each message; here they
    are hashed once and their states copied per value: 1.7 s for a million values, where
    one hmac.digest call per value takes 3.9 s."""
    if len(key) > hashlib.sha256().block_size:
        key = hashlib.sha256(key).digest()
    key = key.ljust(hashlib.sha256().block_size, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key)).copy
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key)).copy

    def digest(value: bytes) -> bytes:
        hashed = inner()
        hashed.update(value)
        final = outer()
        final.update(hashed.digest())
        return final.digest()

    return b"".join(map(digest, values))


# The child writes its digests in blocks of this many, so the first rows can be loaded while
# the later ones are hashed.
DIGESTS_PER_WRITE = 50_000


def main() -> None:
    """stdin: key length and value count (<IQ), the key, count + 1 offsets (<q) and the
    values' bytes; stdout: the digests, a block of DIGESTS_PER_WRITE at a time."""
    pipe, out = sys.stdin.buffer, sys.stdout.buffer
    key_length, count = struct.unpack("<IQ", pipe.read(12))
    key = pipe.read(key_length)
    offsets = memoryview(pipe.read(8 * (count + 1))).cast("q")
    data = pipe.read()
    for first in range(0, count, DIGESTS_PER_WRITE):
        block = offsets[first : min(first + DIGESTS_PER_WRITE, count) + 1]
        out.write(hmac_sha256_digests(key, map(data.__getitem__, map(slice, block, block[1:]))))
        out.flush()


if __name__ == "__main__":
    main()
