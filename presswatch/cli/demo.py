"""``demo``: the takedown story played against the simulated news site."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from presswatch.cli._support import EXIT_FINDINGS, err, errors_as_usage, state_of

__all__ = ["demo", "register"]


def demo(
    ctx: typer.Context,
    articles: Annotated[int, typer.Option(min=6, metavar="N", help="Articles on the simulated site.")] = 12,
    keep: Annotated[bool, typer.Option(help="Keep serving the simulated site afterwards.")] = False,
    serve: Annotated[bool | None, typer.Option(
        help="Then serve the web app on the demo's data (default: when run from a terminal).")] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="Web app port with --serve.")] = 8700,
) -> None:
    """Start the simulated news site, watch it, play a takedown story in accelerated time, then serve the
    web app on the story (the demand, the article still online, the block in Kazakhstan, the bundle)."""
    from presswatch.demo import run_demo

    with errors_as_usage():
        summary = run_demo(state_of(ctx).settings(), articles=articles, keep=keep)
    if summary["problems"]:
        for problem in summary["problems"]:
            err.print(f"[bold red]demo problem:[/] {problem}", highlight=False)
        raise typer.Exit(EXIT_FINDINGS)
    settings = summary["settings"]
    app = f"http://127.0.0.1:{port}"
    pages = f"{app}/  ·  {app}/incidents/{summary['incident']}  ·  {app}/countries/KZ"
    if serve is None:
        serve = sys.stdin.isatty() and sys.stdout.isatty()
    if not serve:
        err.print(f"see it in the web app: presswatch --data-dir {settings.data} serve   then open {pages}",
                  highlight=False)
        return
    from presswatch.cli.serving import serve_core
    from presswatch.core import Presswatch

    err.print(f"the story in the web app: {pages}   (Ctrl-C to stop)", highlight=False)
    core = Presswatch.open(settings)
    try:
        serve_core(core, port=port)
    finally:
        core.close()


def register(app: typer.Typer) -> None:
    app.command()(demo)
