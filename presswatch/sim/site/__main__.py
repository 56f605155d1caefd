"""``python -m presswatch.sim.site``: serve a simulated news site until killed (URL on the first line)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from presswatch.sim.site import SimSite


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m presswatch.sim.site", description=__doc__)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--soft-404", action="store_true", help="answer unknown URLs with 200 (soft 404)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    site = SimSite(
        articles=args.articles, seed=args.seed, unknown_urls="soft-404" if args.soft_404 else "404"
    )
    site.start(host=args.host, port=args.port)
    print(site.url, flush=True)
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    done.wait()
    site.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
