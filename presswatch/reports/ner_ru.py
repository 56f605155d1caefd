"""Russian named entities (ORG, PER, LOC) from slovnet's news NER model with navec embeddings, both
shipped inside the ``natasha`` package.

Only ``navec`` and ``slovnet`` are imported (``natasha`` itself would import pymorphy2 and yargy,
which are not needed here); the two files are found in natasha's package folder without importing
it. The model loads lazily, once per process (≈ 0.6 s, ≈ 225 MB resident). Without the packages, or
turned off (``Settings.ner``, ``PRESSWATCH_NER=0``, passed to the extraction; or :func:`set_enabled` for
the whole process), :func:`spans` returns None and the extraction runs on its rules alone.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import threading
from pathlib import Path
from typing import Any

__all__ = ["available", "enabled", "set_enabled", "spans"]

_EMB = "data/emb/navec_news_v1_1B_250K_300d_100q.tar"
_NER = "data/model/slovnet_ner_news_v1.tar"
_MAX_CHARS = 2_000  # a sentence longer than this is cut for the tagger (its offsets stay exact)
_lock = threading.Lock()
_state: dict[str, bool] = {}


def enabled() -> bool:
    """Whether the NER is to be used in this process (:func:`set_enabled` turns it off)."""
    return _state.get("on", True)


def set_enabled(on: bool | None) -> None:
    """Turn the NER on or off for this process (None: back to on)."""
    if on is None:
        _state.pop("on", None)
    else:
        _state["on"] = bool(on)


def _data_dir() -> Path | None:
    spec = importlib.util.find_spec("natasha")  # finds the package folder without running its __init__
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        if (Path(loc) / _EMB).is_file() and (Path(loc) / _NER).is_file():
            return Path(loc)
    return None


@functools.cache
def _tagger() -> Any | None:
    base = _data_dir()
    if base is None:
        return None
    if "numpy" not in sys.modules:
        # the tagger's matrices are small: BLAS threads only contend (a report costs 40-90 ms with them on a
        # shared 2-core machine, 10-20 ms without); set before numpy loads, and only if the caller set nothing
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    try:
        from navec import Navec
        from slovnet import NER
    except ImportError:
        return None
    ner = NER.load(str(base / _NER))
    ner.navec(Navec.load(str(base / _EMB)))
    return ner


def available() -> bool:
    """Whether the model can be loaded (loads it)."""
    with _lock:
        return _tagger() is not None


def spans(sentences: list[str]) -> list[list[tuple[int, int, str]]] | None:
    """For each sentence, its entity spans ``(start, stop, type)`` with offsets into that sentence and
    type ORG, PER or LOC; None when the NER is off or not installed."""
    if not enabled() or not sentences:
        return None
    with _lock:
        ner = _tagger()
        if ner is None:
            return None
        out: list[list[tuple[int, int, str]]] = []
        try:
            for markup in ner.map([s[:_MAX_CHARS] for s in sentences]):
                out.append([(int(sp.start), int(sp.stop), str(sp.type)) for sp in markup.spans])
        except Exception:  # noqa: BLE001 - a model failure must not cost the rules' draft
            return None
    return out if len(out) == len(sentences) else None
