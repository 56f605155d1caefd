"""Shared plumbing for CLI commands: global options → settings → the core object; error reporting."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from .clock import Clock
from .core import Presswatch
from .errors import PresswatchError
from .settings import Settings, load_settings

console = Console(stderr=True)


@dataclass
class CliState:
    data_dir: Path | None = None
    db: str | None = None
    allow_private: bool | None = None
    config: Path | None = None
    clock: Clock | None = None
    _core: Presswatch | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        return load_settings(
            self.config, data=self.data_dir, db=self.db, allow_private=True if self.allow_private else None
        )


def state_of(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def open_core(ctx: typer.Context) -> Presswatch:
    """The core for this CLI invocation (opened once, database migrated)."""
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


def fail(message: str, code: int = 2) -> None:
    """Print a clear error and exit (no traceback)."""
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
