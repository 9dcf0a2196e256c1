"""`yuecai keys issue|list|revoke`: the service's API keys (see :mod:`data.store.keys`).

``issue`` prints the new key on stdout (alone, so a script can capture it) exactly once: only a
salted hash is stored. Everything else goes to stderr. A running service notices a revoke
made here within its key cache TTL (30 s).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from training.commands.options import DbOption

# data.store (pandas, SQLAlchemy) is imported inside the commands, so `yuecai --help` stays
# fast; `issue_key` itself rejects an unknown role.

app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)
TABLE_MIN_WIDTH = 120

#: data.store.keys.ROLES, spelled out for the help text.
ROLES_HELP = "platform, planner, admin"


@app.command("issue")
def issue(
    role: Annotated[str, typer.Option("--role", help=f"One of: {ROLES_HELP}.")],
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Tenant id (platform keys only, required).")
    ] = None,
    name: Annotated[str, typer.Option("--name", help="Who or what holds the key.")] = "",
    db: DbOption = None,
) -> None:
    """Issue a key and print it once; store only its hash."""
    from data.store import open_store, session_scope
    from data.store.keys import issue_key

    try:
        with open_store(db) as engine, session_scope(engine) as session:
            key_id, plaintext = issue_key(session, role, tenant_id=tenant, name=name)
    except ValueError as error:
        console.print(f"[red]error:[/] {error}")
        raise typer.Exit(2) from error
    scope = f" for tenant {tenant}" if tenant else ""
    console.print(
        f"[green]issued[/] {role} key {key_id}{scope}. Store it now: it is shown once.",
        soft_wrap=True,
    )
    typer.echo(plaintext)


@app.command("list")
def list_(db: DbOption = None) -> None:
    """List keys (never their secrets), oldest first."""
    from data.store import open_store, session_scope
    from data.store.keys import list_keys

    with open_store(db) as engine, session_scope(engine) as session:
        keys = list_keys(session)
    table = Table(title="API keys")
    for column in ("key_id", "role", "tenant", "name", "created (UTC)", "last used", "status"):
        table.add_column(column, overflow="fold")
    for info in keys:
        table.add_row(
            info.key_id,
            info.role,
            escape(info.tenant_id or "—"),  # names are free text, not Rich markup
            escape(info.name),
            info.created_at.strftime("%Y-%m-%d %H:%M"),
            info.last_used_at.strftime("%Y-%m-%d %H:%M") if info.last_used_at else "—",
            "active" if info.active else f"revoked {info.revoked_at:%Y-%m-%d}",
        )
    # At least 120 columns, even in a pipe: a squeezed table would cut the key ids to revoke.
    Console(width=max(Console().width, TABLE_MIN_WIDTH)).print(table)


@app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key_id shown by `yuecai keys list`.")],
    db: DbOption = None,
) -> None:
    """Revoke a key (running services stop accepting it within 30 s)."""
    from data.store import open_store, session_scope
    from data.store.keys import UnknownKeyError, revoke_key

    try:
        with open_store(db) as engine, session_scope(engine) as session:
            newly = revoke_key(session, key_id)
    except UnknownKeyError as error:
        console.print(f"[red]error:[/] no API key {key_id!r}")
        raise typer.Exit(1) from error
    console.print(f"[green]revoked[/] {key_id}" if newly else f"{key_id} was already revoked")
