"""Train the learned role model on the labelled press reports.

    python eval/train_roles.py [--exclude GLOB] [--l2 1.0] [--min-count 2] [--out PATH]

Writes ``roles.json`` (by default beside :mod:`presswatch.reports.roles`, where ``extract(...,
role_model=True)`` reads it; score it with ``report_eval.py --role-model PATH``). The package ships no
such file while the model does not beat the rules on held-out folds (``report_eval.py --folds 5``).

Every actor the extraction names in a report (rules and NER candidates, before any role is decided)
is one example; its labels say whether it matches a gold sender or recipient (by name first, then for
state bodies by kind and country, each gold actor once — the matching of ``report_eval.py``). Two
L2-regularised logistic regressions, fitted by Newton's method with numpy, give the weights. By
default the dev reports (``*-d*``) are left out, so that they stay an estimate of unseen text.
``report_eval.py --folds K`` uses :func:`fit` to score each fold with a model trained on the others.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

import report_eval  # noqa: E402

from presswatch.reports.extract import STATE_KINDS, Actor, Draft, extract  # noqa: E402
from presswatch.reports.roles import MODEL_PATH, RoleModel  # noqa: E402

ROLES = ("sender", "recipient")


def labels(actors: list[Actor], label: dict[str, Any]) -> dict[int, set[str]]:
    """Per actor (``id``), the gold roles it stands for."""
    out: dict[int, set[str]] = {id(a): set() for a in actors}
    for role in ROLES:
        used: set[int] = set()
        for g in label[role]:
            hit = next((a for a in actors if id(a) not in used and report_eval._names_match(a.name, g["name"])), None)
            if hit is None and g.get("kind") in STATE_KINDS and g.get("country"):
                hit = next((a for a in actors if id(a) not in used and a.kind == g["kind"]
                            and a.country == g["country"]), None)
            if hit is not None:
                used.add(id(hit))
                out[id(hit)].add(role)
    return out


def featurize(items: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, Draft, dict[str, Any]]]:
    """Each report extracted once with the rules' roles and every actor's features kept."""
    out = []
    for name, text, label in items:
        draft = extract(text, language=label["language"], report_date=date.fromisoformat(label["report_date"]),
                        keep_features=True)
        out.append((name, draft, label))
    return out


def _newton(x: Any, y: Any, l2: float, iters: int = 30) -> Any:
    import numpy as np

    w = np.zeros(x.shape[1])
    reg = np.full(x.shape[1], l2)
    reg[0] = 1e-6  # the bias is not shrunk
    for _ in range(iters):
        z = np.clip(x @ w, -30, 30)
        p = 1 / (1 + np.exp(-z))
        grad = x.T @ (p - y) + reg * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-6:
            break
    return w


def fit(data: list[tuple[str, Draft, dict[str, Any]]], *, l2: float = 1.0, min_count: int = 2,
        threshold: float = 0.5) -> RoleModel:
    """A role model from featurized reports (only reports with an action: without one no role is given)."""
    import numpy as np

    rows: list[dict[str, float]] = []
    ys: dict[str, list[float]] = {r: [] for r in ROLES}
    for _, draft, label in data:
        if not draft.actions:
            continue
        gold = labels([a for a, _ in draft.role_features], label)
        for a, f in draft.role_features:
            rows.append(f)
            for r in ROLES:
                ys[r].append(1.0 if r in gold[id(a)] else 0.0)
    counts = Counter(k for f in rows for k in f)
    vocab = sorted(k for k, c in counts.items() if c >= min_count)
    index = {k: n + 1 for n, k in enumerate(vocab)}
    x = np.zeros((len(rows), len(vocab) + 1))
    x[:, 0] = 1.0
    for n, f in enumerate(rows):
        for k, v in f.items():
            if k in index:
                x[n, index[k]] = v
    weights: dict[str, dict[str, float]] = {}
    for r in ROLES:
        w = _newton(x, np.array(ys[r]), l2)
        weights[r] = {"bias": round(float(w[0]), 4)}
        weights[r].update({k: round(float(w[index[k]]), 4) for k in vocab if abs(w[index[k]]) >= 1e-4})
    return RoleModel(weights, threshold, {"examples": len(rows), "reports": len(data), "l2": l2,
                                          "min_count": min_count, "features": len(vocab)})


def apply(draft: Draft, model: RoleModel | None) -> dict[str, Any]:
    """The draft's JSON with roles from ``model`` (None: the rules' roles it was extracted with)."""
    doc = draft.as_dict()
    if model is None or not draft.actions:
        return doc
    roles = {id(a): model.role(f) for a, f in draft.role_features}
    for a, d in zip(draft.actors, doc["actors"], strict=True):
        d["role"] = roles.get(id(a), d["role"])
    return doc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exclude", default="*-d*", metavar="GLOB", help="reports left out ('' for none)")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args()
    items = [i for i in report_eval.load("tune") if not (args.exclude and fnmatch.fnmatchcase(i[0], args.exclude))]
    model = fit(featurize(items), l2=args.l2, min_count=args.min_count, threshold=args.threshold)
    model.meta["excluded"] = args.exclude
    args.out.write_text(json.dumps(model.as_dict(), ensure_ascii=False, indent=0, sort_keys=True) + "\n",
                        encoding="utf-8")
    print(f"{args.out}: {model.meta['examples']} actors of {model.meta['reports']} reports, "
          f"{model.meta['features']} features")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
