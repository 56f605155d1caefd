"""Shared plumbing for CLI commands: global options → settings → the core; output, errors, progress.

Results go to stdout (``out``, ``print_json``, ``emit``); diagnostics and progress to stderr (``err``).
On a terminal listings are Rich tables; in a pipe they are tab-separated lines, never wrapped or
coloured. Exit codes: 0 ok, 1 findings (e.g. ``verify`` failures), 2 usage errors, 130/143 on a signal.
This module imports no stage: every command imports what it uses when it runs.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from collections.abc import Coroutine, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress

    from presswatch.clock import Clock
    from presswatch.core import Presswatch
    from presswatch.settings import Settings

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_USAGE",
    "CliState",
    "Json",
    "country_code",
    "emit",
    "err",
    "errors_as_usage",
    "fail",
    "open_core",
    "out",
    "print_json",
    "progress",
    "run_until_signal",
    "shorten",
    "state_of",
]

T = TypeVar("T")

EXIT_FINDINGS = 1
EXIT_USAGE = 2

out = Console(soft_wrap=True)  # results (stdout)
err = Console(stderr=True, soft_wrap=True)  # diagnostics and progress (stderr)

Json = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]


@dataclass
class CliState:
    data_dir: Path | None = None
    db: str | None = None
    allow_private: bool | None = None
    config: Path | None = None
    clock: Clock | None = None
    _core: Presswatch | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        from presswatch.errors import ConfigError
        from presswatch.settings import load_settings

        try:
            return load_settings(
                self.config, data=self.data_dir, db=self.db, allow_private=True if self.allow_private else None
            )
        except ConfigError as exc:
            fail(str(exc))
            raise  # unreachable


def state_of(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def open_core(ctx: typer.Context) -> Presswatch:
    """The core for this CLI invocation (opened once, database migrated)."""
    from presswatch.core import Presswatch
    from presswatch.errors import PresswatchError

    st = state_of(ctx)
    if st._core is None:
        try:
            core = Presswatch.open(st.settings(), clock=st.clock)
        except PresswatchError as exc:
            fail(str(exc))
            raise  # unreachable: fail() exits
        st._core = core
        ctx.find_root().call_on_close(core.close)
    return st._core


def fail(message: str, code: int = EXIT_USAGE) -> None:
    """Print a clear error on stderr and exit (no traceback)."""
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


@contextmanager
def errors_as_usage() -> Iterator[None]:
    """A :class:`~presswatch.errors.PresswatchError` inside becomes a one-line error and exit code 2."""
    from presswatch.errors import PresswatchError

    try:
        yield
    except PresswatchError as exc:
        fail(str(exc))


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _plain(value: Any) -> str:
    return "" if value is None else re.sub(r"[\t\r\n]+", " ", str(value))


def emit(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str | None = None) -> int:
    """A listing on stdout: a Rich table on a terminal, tab-separated lines (header first) in a pipe.

    Returns the number of rows. In a pipe rows are written as they come, so ``| head`` stops early.
    """
    n = 0
    if not out.is_terminal:
        sys.stdout.write("\t".join(columns) + "\n")
        for row in rows:
            sys.stdout.write("\t".join(_plain(v) for v in row) + "\n")
            n += 1
        sys.stdout.flush()
        return n
    from rich.table import Table

    table = Table(title=title)
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(_plain(v) for v in row))
        n += 1
    out.print(table)
    return n


def shorten(text: str | None, width: int) -> str:
    """``text`` cut at a word boundary with "…" when (and only when) it is longer than ``width``."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    cut = text[: max(1, width - 1)]
    if " " in cut[width // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def country_code(value: str | None, *, option: str = "--country", local_ok: bool = False) -> str | None:
    """An ISO 3166-1 alpha-2 code that exists (upper-cased), ``local`` where allowed, or a usage error."""
    if value is None:
        return None
    code = value.strip()
    if local_ok and code.lower() == "local":
        return "local"
    import pycountry

    if len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code.upper()) is not None:
        return code.upper()
    extra = " or 'local'" if local_ok else ""
    fail(f"{option} must be an ISO 3166-1 alpha-2 country code such as KZ or KG{extra}, not {value!r}")
    return None  # unreachable


def progress(description: str, total: int | None = None) -> Progress:
    """A transient Rich progress bar on stderr (shown only when stderr is a terminal)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    prog = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    prog.add_task(description, total=total, info="")
    return prog


class _Interrupted(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def run_until_signal(coro: Coroutine[Any, Any, T], what: str) -> T:
    """Run ``coro``; on SIGINT/SIGTERM cancel it, let the caller's cleanup flush, print one line and exit.

    Exit codes follow the shell's convention: 130 after SIGINT (Ctrl-C), 143 after SIGTERM.
    """

    async def main() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        got: list[int] = []

        def on_signal(signum: int) -> None:
            if not got:
                got.append(signum)
                task.cancel()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal, sig)
        try:
            return await coro
        except asyncio.CancelledError:
            if got:
                raise _Interrupted(got[0]) from None
            raise
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    try:
        return asyncio.run(main())
    except _Interrupted as stop:
        name = signal.Signals(stop.signum).name
        err.print(f"{what}: stopped on {name}; work in flight was abandoned, everything recorded is kept")
        raise typer.Exit(128 + stop.signum) from None
