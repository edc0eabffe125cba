"""Personal data is encrypted before it is first written anywhere (MISSION F3/F5).

AES-256-GCM from `cryptography`, the key from `ORDER_PIPELINE_PII_KEY` (base64 of 32 bytes). Each value gets
a fresh 96-bit nonce, so equal phones give different ciphertexts; the field's path is bound in as associated
data, so a ciphertext moved into another field fails to decrypt instead of revealing a phone as a name.
A separate keyed digest (HMAC-SHA256, key derived from the same secret) names landing files without leaking
their content.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_ENV = "ORDER_PIPELINE_PII_KEY"
PREFIX = "enc:v1:"
_NONCE_BYTES = 12


class PiiKeyError(RuntimeError):
    """The PII key is missing or malformed."""


def load_key(value: str | None = None) -> bytes:
    """Decode the key from `value` or the environment; refuse anything but 32 bytes."""
    raw = value if value is not None else os.environ.get(KEY_ENV, "")
    if not raw:
        raise PiiKeyError(f"{KEY_ENV} is not set: personal data cannot be written without it")
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PiiKeyError(f"{KEY_ENV} is not valid base64") from exc
    if len(key) != 32:
        raise PiiKeyError(f"{KEY_ENV} must decode to 32 bytes (AES-256), got {len(key)}")
    return key


def new_key() -> str:
    """A fresh random key, base64-encoded, for `ORDER_PIPELINE_PII_KEY`."""
    return base64.b64encode(os.urandom(32)).decode()


class PiiCipher:
    def __init__(self, key: bytes):
        self.key = key  # kept so a pull can hand it to its worker processes
        self._aead = AESGCM(key)
        self._digest_key = hmac.new(key, b"order_pipeline/landing-digest/v1", hashlib.sha256).digest()

    @classmethod
    def from_env(cls) -> PiiCipher:
        return cls(load_key())

    def encrypt(self, value: str, field: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), field.encode("utf-8"))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str, field: str) -> str:
        if not token.startswith(PREFIX):
            raise ValueError("not an order_pipeline ciphertext")
        blob = base64.urlsafe_b64decode(token[len(PREFIX):])
        return self._aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], field.encode("utf-8")).decode("utf-8")

    def digest(self, chunks: Iterable[bytes]) -> str:
        """A keyed digest of plaintext content: stable across reruns, useless to someone without the key."""
        mac = hmac.new(self._digest_key, digestmod=hashlib.sha256)
        for chunk in chunks:
            mac.update(len(chunk).to_bytes(8, "big"))
            mac.update(chunk)
        return mac.hexdigest()

    def pii_digest(self, record: dict[str, Any], paths: Iterable[tuple[str, ...]]) -> str | None:
        """A keyed digest of the plaintext personal values at `paths` (None when there are none), landed beside
        the ciphertexts. The warehouse groups order versions by it and decrypts and cleans each distinct
        receiver once instead of once per version: the ciphertexts of equal values differ (fresh nonces), so
        without it every version would have to be decrypted to learn that it repeats the last one."""
        chunks = [b"pii/v1"]
        for path in paths:
            field = ".".join(path)
            for value in _values_at(record, path):
                chunks.append(f"{field}={value}".encode())
        return self.digest(chunks)[:32] if len(chunks) > 1 else None

    def encrypt_paths(self, record: dict[str, Any], paths: Iterable[tuple[str, ...]]) -> dict[str, Any]:
        """A copy of `record` with every non-empty string (or number) at `paths` encrypted in place. Only the
        containers along the paths are copied: the input is never modified, and the rest is shared."""
        out = dict(record)
        for path in paths:
            _encrypt_at(out, path, self, ".".join(path))
        return out


def _values_at(node: Any, path: tuple[str, ...]) -> Iterable[str]:
    """The values `encrypt_paths` would encrypt at `path` (as text), in document order."""
    if not path:
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            node = str(node)
        if isinstance(node, str) and node:
            yield node
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(node, list):
            for item in node:
                yield from _values_at(item, rest)
    elif isinstance(node, dict) and head in node:
        yield from _values_at(node[head], rest)


def _encrypt_at(node: Any, path: tuple[str, ...], cipher: PiiCipher, field: str) -> None:
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(node, list):
            for item in node:
                _encrypt_at(item, rest, cipher, field)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if rest:
        child = node[head]
        if isinstance(child, dict):
            child = node[head] = dict(child)  # copy on the way down: the caller's record stays untouched
        elif isinstance(child, list):
            child = node[head] = [dict(item) if isinstance(item, dict) else item for item in child]
        _encrypt_at(child, rest, cipher, field)
        return
    value = node[head]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value and not value.startswith(PREFIX):
        node[head] = cipher.encrypt(value, field)
