"""Tenants: which tenant's records a key may read and write (ids are unique per tenant only).

A platform key is confined to its own tenant; an admin key sees all and names the one it
writes to; planners read aggregates only, never tenant records. Another tenant's record looks
exactly like a missing one (404, not 403), so nothing leaks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from data.store.keys import Principal
from service.core.errors import Forbidden, InvalidInput, NotFound

__all__ = [
    "TENANT_QUERY_DESCRIPTION",
    "TenantQuery",
    "ensure_tenant",
    "tenant_for_read",
    "tenant_for_write",
    "tenant_scope",
]


def tenant_scope(principal: Principal) -> str | None:
    """The tenant a platform key is confined to; None (all tenants) for admin.

    Planners never read tenant records: :class:`Forbidden`.
    """
    if principal.role == "admin":
        return None
    if principal.role == "platform" and principal.tenant_id:
        return principal.tenant_id
    raise Forbidden("This key may not read tenant records.")


def ensure_tenant(
    principal: Principal, record_tenant_id: str, *, detail: str | None = None
) -> None:
    """Raise :class:`NotFound` if ``principal`` may not see a record of ``record_tenant_id``.

    Not 403: another tenant's record must look exactly like a missing one, so pass the same
    ``detail`` the route gives for a real miss.
    """
    scope = tenant_scope(principal)
    if scope is not None and scope != record_tenant_id:
        raise NotFound(detail)


def tenant_for_write(principal: Principal, requested: str | None) -> str:
    """The tenant a write goes to: a platform's own (any other is 403); admin must name one."""
    scope = tenant_scope(principal)
    if scope is None:
        if not requested:
            raise InvalidInput("body.tenant_id", "required with an admin key")
        return requested
    if requested not in (None, scope):
        raise Forbidden("A platform key may only write its own tenant's records.")
    return scope


TENANT_QUERY_DESCRIPTION = (
    "Whose record the path's id names. Ids are unique per tenant only, so two tenants may"
    " both have a record 'V1'. Platform keys always address their own tenant and may leave"
    " this out (naming another tenant is 403). Admin keys: name the tenant; it may be left"
    " out while only one tenant uses the id (several: 422 naming query.tenant_id)."
)
TenantQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description=TENANT_QUERY_DESCRIPTION,
    ),
]
"""The ``tenant_id`` query parameter of every id-addressed record route."""


def tenant_for_read(principal: Principal, requested: str | None) -> str | None:
    """The tenant an id-addressed request means: a platform's own (naming another is 403,
    whether or not the id exists there, so nothing leaks); for admin the one it names, or
    None (whichever tenant uses the id, if only one does)."""
    scope = tenant_scope(principal)
    if scope is None:
        return requested
    if requested not in (None, scope):
        raise Forbidden("A platform key may only address its own tenant's records.")
    return scope
