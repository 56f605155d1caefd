"""``user …``: web application accounts (viewer, editor, admin) and API tokens."""

from __future__ import annotations

import getpass
import sys
from enum import StrEnum
from typing import Annotated

import typer

from presswatch.cli._support import Json, emit, errors_as_usage, fail, open_core, print_json

__all__ = ["UserRole", "register", "user_add", "user_app", "user_list", "user_token"]

user_app = typer.Typer(help="Web application accounts and API tokens.", no_args_is_help=True)


class UserRole(StrEnum):
    viewer = "viewer"
    editor = "editor"
    admin = "admin"


def _password(stdin: bool) -> str:
    if stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        fail("no terminal to ask for the password: pass --password-stdin and pipe it in")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        fail("the passwords differ")
    return first


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    role: Annotated[UserRole, typer.Option("--role", help="What the user may do.")] = UserRole.viewer,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create a user who signs in to the web application (the password is asked for, or read from stdin)."""
    from presswatch.web.auth import add_user

    password = _password(password_stdin)
    core = open_core(ctx)
    with errors_as_usage():
        uid = add_user(core, name, password, role.value)
    print(uid)


@user_app.command("list")
def user_list(ctx: typer.Context, json_: Json = False) -> None:
    """Users, their roles and how many API tokens they hold."""
    from presswatch.web.auth import list_users

    rows = list_users(open_core(ctx))
    if json_:
        for r in rows:
            print_json(r)
        return
    emit(["id", "name", "role", "disabled", "api_tokens", "created_at"],
         ([r["id"], r["name"], r["role"], r["disabled"], r["api_tokens"], r["created_at"]] for r in rows))


@user_app.command("token")
def user_token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
) -> None:
    """A new API token acting as NAME (shown once; send it as ``Authorization: Bearer TOKEN``)."""
    from presswatch.web.auth import create_api_token

    core = open_core(ctx)
    with errors_as_usage():
        token = create_api_token(core, name, label)
    print(token)


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
