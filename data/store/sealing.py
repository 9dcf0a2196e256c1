"""Personal data sealed at rest: candidates' names, mobiles, ID numbers and e-mails.

The contact columns of the store (:class:`data.store.schema.CandidateContactRow`) are of type
:class:`Sealed`: a value is encrypted with AES-256-GCM on its way into the database and
decrypted on its way out, so the database file (or a dump, a backup, a replica) holds no
personal data in clear, while the record API and the importer see plain values as before.

The key comes from settings, process-wide (``YUECAI_PERSONAL_DATA_KEY``: 32 bytes, URL-safe
base64; ``python -c "import secrets, base64;
print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"`` makes one). Without one
the built-in :data:`DEMO_KEY` is used, so ``make run`` works out of the box and every process
of one deployment agrees; a serving process logs a warning when that is so, and a deployment
must set its own (README, Configuration).

A stored value reads ``enc1:<key id>:<base64 nonce ‖ ciphertext ‖ tag>``; the key id (first 8 hex
of the key's SHA-256) makes a wrong key a clear :class:`SealedDataError` instead of garbage.
Deletion stays complete: a candidate's contact row is deleted with the candidate (cascade).

Examples
--------
>>> token = seal("13800138000", key=DEMO_KEY)
>>> token.startswith("enc1:") and "13800138000" not in token
True
>>> unseal(token, key=DEMO_KEY)
'13800138000'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from data.errors import UnavailableError
from data.settings import get_settings

__all__ = ["DEMO_KEY", "PREFIX", "Sealed", "SealedDataError", "is_demo_key", "seal", "unseal"]

DEMO_KEY = "eXVlY2FpLWRlbW8tcGVyc29uYWwtZGF0YS1rZXktMDE="
"""The key used when settings give none: public, for the demo and tests only."""
PREFIX = "enc1"
_NONCE_BYTES = 12


class SealedDataError(UnavailableError):
    """A sealed value cannot be opened: another key sealed it, or it was altered."""


@lru_cache(maxsize=4)
def _cipher(key: str) -> tuple[AESGCM, str]:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError) as error:
        raise SealedDataError("personal_data_key is not URL-safe base64") from error
    if len(raw) != 32:
        raise SealedDataError(f"personal_data_key must decode to 32 bytes, not {len(raw)}")
    return AESGCM(raw), hashlib.sha256(raw).hexdigest()[:8]


def _configured_key() -> str:
    return get_settings().personal_data_key.get_secret_value() or DEMO_KEY


def is_demo_key(key: str | None = None) -> bool:
    """Whether ``key`` (default: the configured one) is the public :data:`DEMO_KEY`."""
    return (key or _configured_key()) == DEMO_KEY


def seal(text: str, *, key: str | None = None) -> str:
    """Encrypt ``text`` (random nonce: sealing twice gives two different tokens)."""
    cipher, key_id = _cipher(key or _configured_key())
    nonce = os.urandom(_NONCE_BYTES)
    body = cipher.encrypt(nonce, text.encode("utf-8"), key_id.encode())
    return f"{PREFIX}:{key_id}:{base64.b64encode(nonce + body).decode()}"


def unseal(token: str, *, key: str | None = None) -> str:
    """Decrypt a :func:`seal` token; a value stored before sealing existed is returned as is."""
    if not token.startswith(f"{PREFIX}:"):
        return token  # written before migration 0014 sealed the column (it seals old rows)
    _, key_id, payload = token.split(":", 2)
    cipher, expected = _cipher(key or _configured_key())
    if key_id != expected:
        raise SealedDataError(
            f"personal data sealed with key {key_id}, but the configured key is {expected}"
        )
    raw = base64.b64decode(payload)
    try:
        return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], key_id.encode()).decode()
    except Exception as error:  # cryptography's InvalidTag: altered ciphertext
        raise SealedDataError("a sealed personal-data value was altered") from error


class Sealed(TypeDecorator[str]):
    """A string column stored sealed (see the module docstring); ``length`` is the plain
    value's, the column is sized for its token."""

    impl = String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length=sealed_length(length))

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """Seal on the way in."""
        return None if value is None else seal(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Unseal on the way out."""
        return None if value is None else unseal(str(value))


def sealed_length(plain_length: int) -> int:
    """Column width for a sealed value of at most ``plain_length`` characters (UTF-8 ≤ 4 bytes
    each, + nonce and tag, base64, + prefix and key id)."""
    raw = plain_length * 4 + _NONCE_BYTES + 16
    return len(PREFIX) + 10 + 4 * ((raw + 2) // 3)
