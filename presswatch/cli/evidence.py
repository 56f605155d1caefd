"""``verify`` and ``log …``: checking the evidence offline, and the tamper-evident log's heads and proofs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from presswatch.cli._support import EXIT_FINDINGS, fail, open_core, out, print_json, progress

__all__ = ["register"]


def _print_report(report: Any, as_json: bool, what: str) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    counts = ", ".join(f"{k}={v}" for k, v in sorted(report.checked.items()))
    for note in report.notes:
        out.print(f"[dim]{note}[/]")
    if report.ok:
        out.print(f"[bold green]OK[/] {what} verified ({counts})")
    else:
        out.print(f"[bold red]FAILED[/] {what}: {len(report.failures)} problem(s) ({counts})")
        for f in report.failures:
            out.print(f"  [red]✗[/] {f}")


def register(app: typer.Typer) -> None:
    """Add ``verify`` and ``log head|publish|prove`` to the CLI."""

    @app.command("verify")
    def verify_cmd(
        ctx: typer.Context,
        file: Annotated[Path | None, typer.Argument(help="A bundle (.wacz) to check offline.")] = None,
        against: Annotated[
            Path | None, typer.Option("--against", help="A published STH JSON file the log must extend.")
        ] = None,
        key_id: Annotated[str | None, typer.Option("--key-id", help="Trusted log key id (bundles).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Machine-readable report.")] = False,
    ) -> None:
        """Verify a bundle file offline, or the whole store (leaves, heads, signatures, captures, rows)."""
        from presswatch.errors import VerificationError
        from presswatch.publish.verify import verify_bundle
        from presswatch.record.ledger import SignedTreeHead

        if file is not None:
            with progress(f"verifying {file}"):
                report = verify_bundle(file, trusted_key_id=key_id)
            what = str(file)
        else:
            from presswatch.record.ledger import Ledger

            ledger = Ledger(open_core(ctx))
            with progress("verifying the store"):
                report = ledger.verify_store()
            what = "store"
            if against is not None:
                try:
                    ledger.verify_against(SignedTreeHead.load(against), report)
                except VerificationError as exc:
                    report.fail(str(exc))
        _print_report(report, as_json, what)
        if not report.ok:
            raise typer.Exit(EXIT_FINDINGS)

    log_app = typer.Typer(help="The tamper-evident evidence log.", no_args_is_help=True)
    app.add_typer(log_app, name="log")

    @log_app.command("head")
    def head_cmd(
        ctx: typer.Context,
        sign: Annotated[bool, typer.Option("--sign", help="Sign a fresh head first.")] = False,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Show the latest signed tree head."""
        from presswatch.record.ledger import Ledger

        ledger = Ledger(open_core(ctx))
        sth = ledger.sign_tree_head() if sign else ledger.latest_tree_head()
        if sth is None:
            sth = ledger.sign_tree_head()
        if as_json:
            print_json(sth.to_json())
        else:
            out.print(
                f"tree size {sth.tree_size}  root {sth.root_hash.hex()}\n"
                f"signed {sth.time.isoformat()}  key {sth.key_id}  (log size now {ledger.size()})"
            )

    @log_app.command("publish")
    def publish_cmd(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Sign the current head and write published/sth-<size>.json and published/tree-heads.atom."""
        from presswatch.record.ledger import Ledger

        ledger = Ledger(open_core(ctx))
        sth = ledger.publish()
        if as_json:
            print_json({**sth.to_json(), "file": str(ledger.published_dir / f"sth-{sth.tree_size}.json")})
        else:
            out.print(f"published tree head size {sth.tree_size} in {ledger.published_dir}")

    @log_app.command("prove")
    def prove_cmd(
        ctx: typer.Context,
        index: Annotated[int, typer.Argument(help="Leaf index of the entry.")],
        size: Annotated[int | None, typer.Option("--size", help="Tree size (default: latest head).")] = None,
    ) -> None:
        """Print an entry with its inclusion proof against a signed tree head (JSON)."""
        from presswatch.record.ledger import Ledger

        ledger = Ledger(open_core(ctx))
        entry = ledger.entry(index)
        if entry is None:
            fail(f"no log entry {index}")
            return
        sth = ledger.latest_tree_head()
        if sth is None or sth.tree_size <= index:
            sth = ledger.sign_tree_head()
        tree_size = size if size is not None else sth.tree_size
        if not index < tree_size <= ledger.size():
            fail(f"tree size {tree_size} does not contain entry {index}")
        proof = ledger.inclusion(index, tree_size)
        print_json({
            "index": index, "tree_size": tree_size, "leaf_hash": entry.leaf_hash.hex(),
            "entry": json.loads(entry.canonical), "proof": [p.hex() for p in proof],
            "tree_head": sth.to_json() if sth.tree_size == tree_size else None,
        })  # fmt: skip
