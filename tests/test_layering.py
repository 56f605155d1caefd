"""The package layering, checked on the import graph.

::

    shells   cli, demo, publish.web, __main__, workers (Celery tasks and the scheduler)
      ↓
    core     core (the core object), pipeline (the check), runner
      ↓
    stages   sources, fetch, analyze, measure, probes, cases, publish
      ↓
    record, archive   (storage; archive is the bottom)

The core object (``presswatch.core.Presswatch``) owns the operations the shells call and uses the
stages to do them; the stages receive it and import it for its type only (``if TYPE_CHECKING:``), never
at run time, and no stage imports the orchestration (``pipeline``, ``runner``).

Every package imports alone in a fresh interpreter (no import cycle), and the forbidden-import rules
below hold for direct and indirect imports (``if TYPE_CHECKING:`` imports excluded: they never run).
An exception a rule tolerates for now is an entry of ``IGNORED`` with its reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import presswatch

ROOT = Path(presswatch.__file__).parent
SHELLS = ["presswatch.cli", "presswatch.demo", "presswatch.publish.web", "presswatch.web", "presswatch.__main__",
          "presswatch.workers"]
CORE = ["presswatch.core", "presswatch.pipeline", "presswatch.runner"]
STAGES = [f"presswatch.{p}" for p in
          ("sources", "fetch", "analyze", "measure", "probes", "cases", "publish", "reports", "alerts")]
PUBLISH_BELOW_SHELLS = [
    f"presswatch.publish.{m}" for m in ("bundle", "diffview", "export", "feeds", "rows", "verify", "visibility")
]
BELOW_SHELLS = [*CORE, *[s for s in STAGES if s != "presswatch.publish"], *PUBLISH_BELOW_SHELLS,
                "presswatch.record", "presswatch.archive", "presswatch.sim", "presswatch.settings",
                "presswatch.clock", "presswatch.errors", "presswatch.log", "presswatch.fsutil"]

# (importer, imported, reason): direct imports a rule tolerates until the code moves.
IGNORED: list[tuple[str, str, str]] = []

# name -> (importers, forbidden imports)
RULES: dict[str, tuple[list[str], list[str]]] = {
    "nothing below the shells imports a shell": (BELOW_SHELLS, SHELLS),
    "stages import neither the core nor the orchestration (the core only for its type)": (
        [*[s for s in STAGES if s != "presswatch.publish"], *PUBLISH_BELOW_SHELLS],
        CORE,
    ),
    "record imports no stage and no core": (["presswatch.record"], [*STAGES, *CORE]),
    "archive imports no stage, no record, no core": (["presswatch.archive"], [*STAGES, *CORE, "presswatch.record"]),
    "analyze imports neither record nor fetch (nor any other stage but the pure schedule)": (
        ["presswatch.analyze"],
        [*[s for s in STAGES if s not in ("presswatch.analyze", "presswatch.sources")], *CORE,
         "presswatch.record", "presswatch.archive",
         *[f"presswatch.sources.{m}" for m in ("discover", "lease", "urls", "watchlist")]],
    ),
    "fetch imports no other stage, no record": (
        ["presswatch.fetch"],
        [*[s for s in STAGES if s != "presswatch.fetch"], *CORE, "presswatch.record"],
    ),
    "measure imports no probes, cases, publish, sources or analyze": (
        ["presswatch.measure"],
        ["presswatch.probes", "presswatch.cases", "presswatch.publish", "presswatch.sources",
         "presswatch.analyze", *CORE],
    ),
    "sources import no analysis, measurement, probes, cases or publish": (
        ["presswatch.sources"],
        ["presswatch.analyze", "presswatch.measure", "presswatch.probes", "presswatch.cases", "presswatch.publish"],
    ),
    "reports import no publishing and no probe internals (they measure through the core)": (
        ["presswatch.reports"],
        ["presswatch.publish", "presswatch.probes"],
    ),
    "alerts import no measurement, probes or publish (they read events, not how they were made)": (
        ["presswatch.alerts"],
        ["presswatch.measure", "presswatch.probes", "presswatch.publish", "presswatch.analyze"],
    ),
    "the simulator is independent of presswatch's stages": (["presswatch.sim"], [*STAGES, *CORE, "presswatch.record"]),
}


def _modules() -> list[str]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        out.append(".".join(parts))
    return out


_CHILD = r"""
import importlib, os, sys, traceback
failed = 0
for name in sys.argv[1:]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            importlib.import_module(name)
            code = 0
        except BaseException:
            os.write(w, traceback.format_exc().encode())
            code = 1
        os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        err = f.read().decode()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        failed += 1
        print(f"--- {name}\n{err}")
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_alone() -> None:
    """Each module, imported first in an interpreter that has imported no presswatch module (a fork of
    a fresh one per module), imports cleanly: an import cycle shows up as an ImportError here."""
    mods = [m for m in _modules() if m != "presswatch.__main__"]
    assert "presswatch.record.models" in mods
    env = {**os.environ, "PYTHONPATH": str(ROOT.parent)}
    proc = subprocess.run([sys.executable, "-c", _CHILD, *mods], capture_output=True, text=True, env=env,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    g = grimp.build_graph("presswatch", exclude_type_checking_imports=True, cache_dir=None)
    for importer, imported, _ in IGNORED:
        assert g.direct_import_exists(importer=importer, imported=imported), (
            f"ignored import {importer} -> {imported} no longer exists: remove it from IGNORED")
        g.remove_import(importer=importer, imported=imported)
    return g


def _expand(g: grimp.ImportGraph, names: list[str]) -> set[str]:
    out: set[str] = set()
    for n in names:
        if n in g.modules:
            out.add(n)
            out |= g.find_descendants(n)
    return out


@pytest.mark.parametrize("rule", sorted(RULES))
def test_layering(graph: grimp.ImportGraph, rule: str) -> None:
    importers, forbidden = RULES[rule]
    sources = _expand(graph, importers)
    targets = _expand(graph, forbidden) - sources
    assert sources, rule
    bad = []
    for t in sorted(targets):
        for s in sorted(sources):
            chain = graph.find_shortest_chain(importer=s, imported=t)
            if chain:
                bad.append(" -> ".join(chain))
                break
    assert bad == [], f"{rule}:\n" + "\n".join(bad)
