"""``demo``: the takedown story played against the simulated news site."""

from __future__ import annotations

from typing import Annotated

import typer

from presswatch.cli._support import EXIT_FINDINGS, err, errors_as_usage, state_of

__all__ = ["demo", "register"]


def demo(
    ctx: typer.Context,
    articles: Annotated[int, typer.Option(min=6, metavar="N", help="Articles on the simulated site.")] = 12,
    keep: Annotated[bool, typer.Option(help="Keep serving the simulated site afterwards.")] = False,
) -> None:
    """Start the simulated news site, watch it, play a takedown story in accelerated time."""
    from presswatch.demo import run_demo

    with errors_as_usage():
        summary = run_demo(state_of(ctx).settings(), articles=articles, keep=keep)
    if summary["problems"]:
        for problem in summary["problems"]:
            err.print(f"[bold red]demo problem:[/] {problem}", highlight=False)
        raise typer.Exit(EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command()(demo)
