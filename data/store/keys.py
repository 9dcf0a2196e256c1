"""API keys: who may call the service, in which role, for which tenant.

A key reads ``yc_<key_id>_<secret>``. Only ``key_id`` is stored in clear; the secret is kept as
``HMAC-SHA256(salt, secret)`` with a random per-key salt, and compared in constant time. The
secret is 32 random bytes (``secrets.token_urlsafe(32)``), so a fast hash is enough: there is no
password to brute-force, and a slow KDF (scrypt) would only make every cache miss costlier.
The plaintext exists once, in the return value of :func:`issue_key`.

Roles (:data:`ROLES`):

* ``platform`` — a recruitment platform, bound to one ``tenant_id``: its own vacancies,
  candidates, matches and feedback only;
* ``planner`` — 人社 planners: catalogue, reports, aggregates; never personal data;
* ``admin`` — everything (publish, retrain, delete), across tenants.

``last_used_at`` is written at most once a minute per key (:data:`LAST_USED_RESOLUTION`) by a
conditional UPDATE, so verifying keys under load does not turn every request into a write.
Revoking calls the in-process listeners registered with :func:`add_revocation_listener` (the
service's key cache), immediately and again when the revoking session commits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, cast, get_args

from sqlalchemy import CheckConstraint, String, event, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from data.errors import NotFoundError
from data.store.schema import Base, utc_now

__all__ = [
    "KEY_PREFIX",
    "LAST_USED_RESOLUTION",
    "ROLES",
    "ApiKeyRow",
    "KeyInfo",
    "Principal",
    "RevocationListener",
    "Role",
    "UnknownKeyError",
    "add_revocation_listener",
    "issue_key",
    "list_keys",
    "parse_key",
    "revoke_key",
    "verify_key",
]

Role = Literal["platform", "planner", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
KEY_PREFIX = "yc_"
LAST_USED_RESOLUTION = timedelta(minutes=1)
TENANT_ID_MAX = 64
# key_id is hex, so the first '_' after the prefix ends it (the secret may contain '_').
_KEY_FORMAT = re.compile(r"^yc_(?P<key_id>[0-9a-f]{16})_(?P<secret>[A-Za-z0-9_-]{43})$")
# Hashed when the key_id is unknown, so a miss costs the same as a wrong secret.
_DUMMY_SALT = "0" * 32


class UnknownKeyError(NotFoundError):
    """No API key has this ``key_id``."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a verified key's id, role and (for ``platform``) tenant."""

    key_id: str
    role: Role
    tenant_id: str | None = None


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What may be shown about a key: everything except its salt and hash."""

    key_id: str
    role: Role
    tenant_id: str | None
    name: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        """Not revoked."""
        return self.revoked_at is None


class ApiKeyRow(Base):
    """One issued key; a platform key has a tenant, planner and admin keys never do."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint("role IN ('platform', 'planner', 'admin')", name="role"),
        CheckConstraint(
            "(role = 'platform' AND tenant_id IS NOT NULL) "
            "OR (role <> 'platform' AND tenant_id IS NULL)",
            name="tenant",
        ),
    )

    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[str | None] = mapped_column(String(TENANT_ID_MAX), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    salt: Mapped[str] = mapped_column(String(32))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class RevocationListener(Protocol):
    """Anything caching verified keys: told which key to forget when one is revoked."""

    def forget(self, key_id: str) -> None:
        """Drop ``key_id`` from the cache."""


_listeners: weakref.WeakSet[RevocationListener] = weakref.WeakSet()


def add_revocation_listener(listener: RevocationListener) -> None:
    """Have ``listener.forget(key_id)`` called on every revoke in this process (held weakly)."""
    _listeners.add(listener)


def _notify_revoked(key_id: str) -> None:
    for listener in list(_listeners):
        listener.forget(key_id)


def _hash_secret(salt: str, secret: str) -> str:
    return hmac.new(bytes.fromhex(salt), secret.encode(), hashlib.sha256).hexdigest()


def parse_key(plaintext: str) -> tuple[str, str] | None:
    """Split ``yc_<key_id>_<secret>`` into ``(key_id, secret)``; None if malformed.

    Examples
    --------
    >>> parse_key("yc_0123456789abcdef_" + "A" * 43)[0]
    '0123456789abcdef'
    >>> parse_key("Bearer nonsense") is None
    True
    """
    found = _KEY_FORMAT.match(plaintext.strip())
    if found is None:
        return None
    return found["key_id"], found["secret"]


def _check_role_and_tenant(role: str, tenant_id: str | None) -> Role:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "platform":
        if not tenant_id or not tenant_id.strip():
            raise ValueError("a platform key needs a tenant_id")
        if len(tenant_id) > TENANT_ID_MAX:
            raise ValueError(f"tenant_id is longer than {TENANT_ID_MAX} characters")
    elif tenant_id is not None:
        raise ValueError(f"a {role} key is not bound to a tenant; leave tenant_id out")
    return role


def issue_key(
    session: Session, role: str, tenant_id: str | None = None, name: str = ""
) -> tuple[str, str]:
    """Create a key and return ``(key_id, plaintext)``; the plaintext is not stored anywhere.

    Raises
    ------
    ValueError
        Unknown role, a platform key without a tenant, or a tenant on a planner/admin key.
    """
    checked_role = _check_role_and_tenant(role, tenant_id)
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    session.add(
        ApiKeyRow(
            key_id=key_id,
            role=checked_role,
            tenant_id=tenant_id.strip() if tenant_id else None,
            name=name,
            salt=salt,
            secret_hash=_hash_secret(salt, secret),
            created_at=utc_now(),
        )
    )
    session.flush()
    return key_id, f"{KEY_PREFIX}{key_id}_{secret}"


def revoke_key(session: Session, key_id: str) -> bool:
    """Revoke ``key_id``; True if it was active, False if it was revoked already.

    In-process caches forget the key at once and again once ``session`` commits (a request
    verifying it in between would otherwise re-cache it from the still-uncommitted state).

    Raises
    ------
    UnknownKeyError
        No such key.
    """
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise UnknownKeyError(f"no API key {key_id!r}")
    _notify_revoked(key_id)
    event.listen(session, "after_commit", lambda _session: _notify_revoked(key_id), once=True)
    if row.revoked_at is not None:
        return False
    row.revoked_at = utc_now()
    session.flush()
    return True


def list_keys(session: Session) -> list[KeyInfo]:
    """Every key, oldest first, without salts or hashes."""
    rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at, ApiKeyRow.key_id))
    return [
        KeyInfo(
            key_id=row.key_id,
            role=cast(Role, row.role),
            tenant_id=row.tenant_id,
            name=row.name,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
        )
        for row in rows
    ]


def verify_key(
    session: Session, plaintext: str, *, now: datetime | None = None
) -> Principal | None:
    """The :class:`Principal` of a valid, unrevoked key, or None.

    Also stamps ``last_used_at`` if it is older than :data:`LAST_USED_RESOLUTION` (one
    conditional UPDATE; the caller commits).
    """
    parsed = parse_key(plaintext)
    if parsed is None:
        return None
    key_id, secret = parsed
    row = session.get(ApiKeyRow, key_id)
    expected = row.secret_hash if row is not None else _hash_secret(_DUMMY_SALT, "")
    presented = _hash_secret(row.salt if row is not None else _DUMMY_SALT, secret)
    if not hmac.compare_digest(expected, presented) or row is None or row.revoked_at:
        return None
    _touch(session, key_id, now or utc_now())
    return Principal(key_id=key_id, role=cast(Role, row.role), tenant_id=row.tenant_id)


def _touch(session: Session, key_id: str, now: datetime) -> None:
    stale = now - LAST_USED_RESOLUTION
    session.execute(
        update(ApiKeyRow)
        .where(ApiKeyRow.key_id == key_id)
        .where(or_(ApiKeyRow.last_used_at.is_(None), ApiKeyRow.last_used_at < stale))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
