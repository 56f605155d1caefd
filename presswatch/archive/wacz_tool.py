"""Run py-wacz's command line with warcio able to decode br records.

``python -m presswatch.archive.wacz_tool create -o OUT.wacz FILE...`` is ``python -m wacz.main`` with
:mod:`presswatch.archive.brotli_compat` installed first (see there for why).
"""

from __future__ import annotations

import sys

from presswatch.archive.brotli_compat import install


def main(argv: list[str] | None = None) -> int:
    install()
    from wacz.main import main as wacz_main

    rc = wacz_main(sys.argv[1:] if argv is None else argv)
    return int(rc or 0)


if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess
    sys.exit(main())
