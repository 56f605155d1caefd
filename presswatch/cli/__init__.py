"""The ``presswatch`` command line: thin commands over the core, one module per command group.

Results go to stdout, diagnostics and progress to stderr. Exit codes: 0 ok, 1 findings (``verify``
failures, a demo that did not come out as told), 2 usage errors, 130 after Ctrl-C, 143 after SIGTERM.
Each command imports the stages it uses when it runs, so ``presswatch version`` and ``--help`` start fast.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from presswatch.cli._support import err, state_of

__all__ = ["app", "command", "LogFormat", "LogLevel", "main", "main_options", "version"]

log = logging.getLogger(__name__)

app = typer.Typer(
    name="presswatch",
    help="A censorship observatory for online news: watch, archive, detect edits and takedowns, "
    "measure blocking, record demands.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    options_metavar="[OPTIONS]",
)


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


class LogFormat(StrEnum):
    text = "text"
    json = "json"


@app.callback()
def main_options(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", envvar="PRESSWATCH_DATA", metavar="DIR", help="Data folder."),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", envvar="PRESSWATCH_DB", metavar="URL", help="SQLAlchemy URL.")
    ] = None,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="Allow private/loopback targets (tests, demo).")
    ] = False,
    config: Annotated[Path | None, typer.Option("--config", metavar="FILE", help="TOML config file.")] = None,
    log_level: Annotated[LogLevel, typer.Option("--log-level", help="Diagnostics on stderr.")] = LogLevel.warning,
    log_format: Annotated[LogFormat, typer.Option("--log-format", help="Log line format.")] = LogFormat.text,
) -> None:
    from presswatch.log import configure

    configure(log_level.value, log_format.value)
    st = state_of(ctx)
    st.data_dir, st.db, st.allow_private, st.config = data_dir, db, allow_private or None, config


@app.command()
def version() -> None:
    """Print the version."""
    from presswatch import __version__

    print(__version__)


_GROUPS = ("watching", "checking", "exporting", "demo", "measuring", "serving", "evidence", "cases", "reports",
           "workers", "users", "alerts")


def _register() -> None:
    for name in _GROUPS:
        importlib.import_module(f"{__name__}.{name}").register(app)


_register()


def _plain_metavars(cmd: Any) -> Any:
    """Help shows ``--json`` (no ``<bool>``) and ``--since DATE`` (no ``<str>``) everywhere."""
    for p in cmd.params:
        if isinstance(p, typer.core.TyperArgument):
            p.display_type_rich = lambda ctx: None  # type: ignore[method-assign]  # the metavar says it all
        if isinstance(p, typer.core.TyperOption) and (p.is_flag or p.count):
            p.metavar = ""
        elif p.metavar is None:
            desc = getattr(p, "type_descriptor", None)
            choices = list(desc.choices or ()) if desc is not None and desc.is_choice else []
            name = (p.name or "value").upper()
            p.metavar = "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]" if choices else name
    plain_help = cmd.get_help_option

    def help_option(ctx: Any, make: Any = plain_help) -> Any:
        opt = make(ctx)
        if opt is not None:
            opt.metavar = ""
        return opt

    cmd.get_help_option = help_option
    for sub in getattr(cmd, "commands", {}).values():
        _plain_metavars(sub)
    return cmd


def command() -> Any:
    """The Click command behind :data:`app`, with plain help placeholders."""
    return _plain_metavars(typer.main.get_command(app))


def main() -> None:
    """Console entry point: one clear line instead of a traceback for our errors, quiet broken pipes."""
    from presswatch.errors import PresswatchError

    try:
        command()(prog_name="presswatch")
    except PresswatchError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise SystemExit(130) from None
    except BrokenPipeError:  # e.g. `presswatch list | head`: the reader has gone, that is not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(0) from None


if __name__ == "__main__":
    main()
