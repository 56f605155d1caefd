"""Measure one URL and print the result as JSON (used inside network namespaces and by hand).

``python -m presswatch.measure.run_one URL --resolver HOST:PORT --control-json FILE``
``python -m presswatch.measure.run_one URL --control-only --resolver HOST:PORT --endpoints a:80,b:80``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from presswatch.measure.control import control_measure, local_control, static_control
from presswatch.measure.fingerprints import Fingerprints
from presswatch.measure.measurement import Timeouts, Vantage, measure

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="presswatch.measure.run_one", description=__doc__)
    p.add_argument("url")
    p.add_argument("--resolver", help="HOST:PORT of the DNS resolver (default: system)")
    p.add_argument("--control-json", help="precomputed control (test-helper JSON)")
    p.add_argument("--control-resolver", help="run the control locally with this honest resolver")
    p.add_argument("--control-only", action="store_true", help="only run the control and print it")
    p.add_argument("--endpoints", default="", help="probe endpoints for --control-only (comma-separated)")
    p.add_argument("--ca-file")
    p.add_argument("--allow-private", action="store_true")
    p.add_argument("--fingerprints", action="append", default=[], help="extra fingerprint CSV/JSON file")
    p.add_argument("--country")
    p.add_argument("--network")
    p.add_argument("--probe-id")
    p.add_argument("--dns-timeout", type=float, default=4.0)
    p.add_argument("--tcp-timeout", type=float, default=10.0)
    p.add_argument("--tls-timeout", type=float, default=10.0)
    p.add_argument("--http-timeout", type=float, default=10.0)
    p.add_argument("--late-window", type=float, default=0.5)
    return p


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    timeouts = Timeouts(
        dns=args.dns_timeout,
        dns_late_window=args.late_window,
        tcp=args.tcp_timeout,
        tls=args.tls_timeout,
        http=args.http_timeout,
    )
    if args.control_only:
        eps = [e for e in args.endpoints.split(",") if e]
        return await control_measure(
            args.url,
            eps,
            resolver=args.resolver,
            timeouts=timeouts,
            ca_file=args.ca_file,
            allow_private=args.allow_private,
        )
    if args.control_json:
        with open(args.control_json, encoding="utf-8") as fh:
            control = static_control(json.load(fh))
    else:
        control = local_control(
            args.control_resolver, args.ca_file, allow_private=args.allow_private, timeouts=timeouts
        )
    fps = Fingerprints.load(extra_files=args.fingerprints)
    return await measure(
        args.url,
        vantage=Vantage(args.country, args.network, args.probe_id),
        resolver=args.resolver,
        control=control,
        timeouts=timeouts,
        fingerprints=fps,
        ca_file=args.ca_file,
        allow_private=args.allow_private,
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    result = asyncio.run(_run(args))
    json.dump(result, sys.stdout, ensure_ascii=False, indent=1, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
