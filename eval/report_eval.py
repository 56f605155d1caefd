"""Evaluate press-report extraction: precision / recall / F1 per field over eval/reports/*.txt.

    python eval/report_eval.py [--split tune|heldout|all] [--lang en|ru] [--only GLOB] [--exclude GLOB]
                               [--folds K] [--role-model JSON] [--no-ner] [--passes N] [--founding PATH]
                               [--verbose]

Each ``NAME.txt`` has its labels in ``NAME.json`` (``split`` says whether the rules were tuned on it).
Prints the tuning split, the held-out split and the founding story's report (when present) apart.
``--only GLOB`` keeps the reports whose file stem matches (``'*-d*'``: the dev reports), ``--exclude
GLOB`` leaves them out. Roles are the rules' unless ``--role-model JSON`` names a model trained by
``eval/train_roles.py``. ``--folds K`` scores the learned role model (:mod:`presswatch.reports.roles`)
honestly: the reports are dealt round-robin in name order into K folds, and each fold is scored by a
model trained on the other K-1 (the rules are not trained, so the plain run is their figure).

Matching: a predicted sender/recipient matches a gold one when their names match after normalization
(lower case, lemmas for Russian, one name containing the other or sharing half of its words), or, for
state bodies, when kind and country are the same. Actions, blocked countries and dates are compared as
sets per report; the outcome as one label (a hit counts for precision and recall; ``unknown`` predicted
is no prediction, ``unknown`` gold is no item).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from presswatch.reports import ner_ru  # noqa: E402
from presswatch.reports.extract import STATE_KINDS, _name_key, extract  # noqa: E402
from presswatch.reports.roles import RoleModel  # noqa: E402

FIELDS = ("sender", "recipient", "action", "blocked-country", "dates", "outcome")
FOUNDING = Path(__file__).resolve().parents[2] / "shared" / "data" / "reports" / "founding-story-en.txt"
# the founding story's labels (its text is third-party and stays outside the repository)
FOUNDING_LABELS: dict[str, Any] = {
    "language": "en", "report_date": "2015-11-27", "split": "heldout",
    "sender": [{"name": "Kyrgyz Interior Ministry", "kind": "government", "country": "KG"},
               {"name": "Kazakh authorities", "kind": "government", "country": "KZ"}],
    "recipient": [{"name": "Bektur Iskender", "kind": "journalist"}],
    "actions": ["demand-removal", "referral-prosecutor", "ban", "block"],
    "blocked_countries": ["KZ"], "dates": ["2015-11-25", "2015-11-26"], "outcome": "refused",
}


def _names_match(a: str, b: str) -> bool:
    ka, kb = _name_key(a), _name_key(b)
    if not ka or not kb:
        return False
    if ka in kb or kb in ka:
        return True
    wa, wb = set(ka.split()), set(kb.split())
    return len(wa & wb) * 2 >= min(len(wa), len(wb)) and len(wa & wb) >= 1 and min(len(wa), len(wb)) > 1


def _actor_match(p: dict[str, Any], g: dict[str, Any]) -> bool:
    if _names_match(p["name"], g["name"]):
        return True
    return bool(g.get("kind") in STATE_KINDS and p["kind"] == g.get("kind") and g.get("country")
                and p.get("country") == g.get("country"))


def _match_actors(pred: list[dict[str, Any]], gold: list[dict[str, Any]]) -> tuple[int, int, int]:
    used: set[int] = set()
    tp = 0
    for g in gold:
        for i, p in enumerate(pred):
            if i not in used and _actor_match(p, g):
                used.add(i)
                tp += 1
                break
    return tp, len(pred) - len(used), len(gold) - tp


def _sets(pred: set[str], gold: set[str]) -> tuple[int, int, int]:
    return len(pred & gold), len(pred - gold), len(gold - pred)


def score(doc: dict[str, Any], label: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    actors = doc["actors"]
    out = {
        "sender": _match_actors([a for a in actors if a["role"] == "sender"], label["sender"]),
        "recipient": _match_actors([a for a in actors if a["role"] == "recipient"], label["recipient"]),
        "action": _sets({a["kind"] for a in doc["actions"]}, set(label["actions"])),
        "blocked-country": _sets(set(doc["blocked_countries"]), set(label["blocked_countries"])),
        "dates": _sets(set(doc["dates"]), set(label["dates"])),
    }
    p, g = doc["outcome"], label["outcome"]
    out["outcome"] = (int(p == g and g != "unknown"), int(p != "unknown" and p != g),
                      int(g != "unknown" and p != g))
    return out


def run(items: list[tuple[str, str, dict[str, Any]]], verbose: bool,
        role_model: Any = False) -> tuple[dict[str, list[int]], float]:
    t0 = time.perf_counter()
    docs = []
    for name, text, label in items:
        draft = extract(text, language=label["language"], report_date=date.fromisoformat(label["report_date"]),
                        role_model=role_model)
        docs.append((name, draft.as_dict(), label))
    secs = time.perf_counter() - t0
    return tally(docs, verbose), secs


def run_folds(items: list[tuple[str, str, dict[str, Any]]], k: int, verbose: bool) -> tuple[dict[str, list[int]],
                                                                                            float]:
    """Score each of ``k`` folds (reports dealt round-robin in name order) with a role model trained on
    the other folds."""
    import train_roles

    t0 = time.perf_counter()
    data = train_roles.featurize(items)
    docs = []
    for fold in range(k):
        train = [d for n, d in enumerate(data) if n % k != fold]
        model = train_roles.fit(train)
        docs += [(name, train_roles.apply(draft, model), label) for n, (name, draft, label) in enumerate(data)
                 if n % k == fold]
    return tally(sorted(docs, key=lambda d: d[0]), verbose), time.perf_counter() - t0


def tally(docs: list[tuple[str, dict[str, Any], dict[str, Any]]], verbose: bool) -> dict[str, list[int]]:
    totals = {f: [0, 0, 0] for f in FIELDS}
    for name, doc, label in docs:
        for f, (tp, fp, fn) in score(doc, label).items():
            totals[f][0] += tp
            totals[f][1] += fp
            totals[f][2] += fn
            if verbose and (fp or fn):
                print(f"  {name} {f}: fp={fp} fn={fn}", file=sys.stderr)
        if verbose:
            print(f"  {name}: senders={[(a['name'], a['country']) for a in doc['actors'] if a['role'] == 'sender']}"
                  f" recipients={[a['name'] for a in doc['actors'] if a['role'] == 'recipient']}"
                  f" actions={sorted({a['kind'] for a in doc['actions']})} blocked={doc['blocked_countries']}"
                  f" dates={doc['dates']} outcome={doc['outcome']}", file=sys.stderr)
    return totals


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def report(title: str, totals: dict[str, list[int]], n: int, secs: float) -> None:
    print(f"\n{title} ({n} reports, {secs * 1000 / max(n, 1):.1f} ms/report)")
    if n == 0:
        print("  no reports: nothing to score (a scored set moves to the tuning split)")
        return
    print(f"  {'field':<16}{'P':>7}{'R':>7}{'F1':>7}   tp/fp/fn")
    for f in FIELDS:
        tp, fp, fn = totals[f]
        p, r, f1 = _prf(tp, fp, fn)
        print(f"  {f:<16}{p:>7.3f}{r:>7.3f}{f1:>7.3f}   {tp}/{fp}/{fn}")


def load(split: str) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for txt in sorted((ROOT / "reports").glob("*.txt")):
        label = json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))
        if split in ("all", label["split"]):
            out.append((txt.stem, txt.read_text(encoding="utf-8"), label))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=("tune", "heldout", "all", "both"), default="both")
    ap.add_argument("--founding", type=Path, default=FOUNDING)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--lang", choices=("en", "ru"), default=None)
    ap.add_argument("--only", default=None, metavar="GLOB", help="only the reports whose file stem matches")
    ap.add_argument("--exclude", default=None, metavar="GLOB", help="leave out the reports whose file stem matches")
    ap.add_argument("--folds", type=int, default=0, metavar="K",
                    help="score each of K folds with a role model trained on the other K-1")
    ap.add_argument("--role-model", type=Path, default=None, metavar="JSON",
                    help="roles from a model trained by eval/train_roles.py, not the rules'")
    ap.add_argument("--no-ner", action="store_true", help="the Russian rules without the NER's candidates")
    ap.add_argument("--passes", type=int, default=1, metavar="N",
                    help="extract the reports N times (the first pass cold, the others with warm caches)")
    args = ap.parse_args()
    if args.no_ner:
        ner_ru.set_enabled(False)
    t0 = time.perf_counter()
    extract("warm up the lemmatizer and the date parser on 1 May 2025.", language="en")
    extract("Разогрев 1 мая 2025 года.", language="ru")  # loads the NER too
    print(f"warm-up (pymorphy3, dateparser{'' if args.no_ner else ', the NER'}): {time.perf_counter() - t0:.2f} s")
    model = RoleModel.from_dict(json.loads(args.role_model.read_text(encoding="utf-8"))) if args.role_model else None
    splits = ("tune", "heldout") if args.split == "both" else (args.split,)
    for split in splits:
        items = [i for i in load(split) if args.lang in (None, i[2]["language"])
                 and (args.only is None or fnmatch.fnmatchcase(i[0], args.only))
                 and (args.exclude is None or not fnmatch.fnmatchcase(i[0], args.exclude))]
        if args.folds > 1:
            totals, secs = run_folds(items, args.folds, args.verbose)
            report(f"split: {split}, {args.folds} folds (each scored by a role model trained on the others)",
                   totals, len(items), secs)
        else:
            totals, secs = run(items, args.verbose, role_model=model or False)
            report(f"split: {split}" + (f" (roles from {args.role_model})" if model else ""), totals, len(items), secs)
            for n in range(2, args.passes + 1):
                _, secs = run(items, False, role_model=model or False)
                print(f"  pass {n}: {secs * 1000 / max(len(items), 1):.1f} ms/report")
    if args.founding.exists():
        text = args.founding.read_text(encoding="utf-8")
        totals, secs = run([("founding-story", text, FOUNDING_LABELS)], args.verbose, role_model=model or False)
        report("founding story (held out)", totals, 1, secs)
    else:
        print(f"\nfounding story: {args.founding} absent, skipped")
    print(f"\npeak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
