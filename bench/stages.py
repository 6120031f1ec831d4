"""Journey-stage suggestions: keep the stage of a random share of rows, suggest the rest, score them.

    python bench/stages.py --csv ../shared/data/clinc150.csv --stage-column domain --known 0.005

Precision is the share of suggestions that match the held-back stage; coverage is the share of the
held-back rows that get a suggestion (confidence at or above --min-confidence). The baseline is a
plain TF-IDF + logistic regression trained on the kept rows alone, scored at the same coverage as
ours and at coverage 0.7. The last line of output is one JSON object.
"""

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from voc.themes.stages import MIN_CONFIDENCE, UNKNOWN, StageSettings, suggest  # noqa: E402


def precision_at(correct: np.ndarray, confidence: np.ndarray, coverage: float) -> float:
    """Precision over the given share of rows the model is surest of."""
    top = np.argsort(-confidence, kind="stable")[: max(1, int(round(coverage * len(correct))))]
    return float(correct[top].mean())


def baseline(texts: list[str], truth: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plain TF-IDF + logistic regression on the kept rows: prediction and confidence for every row."""
    X = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
    model = LogisticRegression(C=10, max_iter=1000).fit(X[known], truth[known])
    probabilities = model.predict_proba(X)
    return model.classes_[probabilities.argmax(axis=1)], probabilities.max(axis=1)


def main() -> None:
    """Print ours against the baseline on the same held-back rows, then one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--stage-column", required=True)
    parser.add_argument("--known", type=float, required=True, help="share of rows whose stage is kept")
    parser.add_argument("--min-confidence", type=float, default=MIN_CONFIDENCE)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    with open(args.csv, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r[args.stage_column].strip()]
    texts = [r[args.text_column] for r in rows]
    names, truth = np.unique([r[args.stage_column] for r in rows], return_inverse=True)
    rng = np.random.default_rng(args.seed)
    known = np.zeros(len(rows), dtype=bool)
    known[rng.choice(len(rows), max(2, int(round(args.known * len(rows)))), replace=False)] = True
    # Stage indices in the order the kept rows first name them, as a service would number them.
    seeds = np.where(known, truth, UNKNOWN)

    started = time.perf_counter()
    ours = suggest(texts, seeds, StageSettings(seed=args.seed))
    seconds = time.perf_counter() - started
    held = ~known
    made = held & (ours.confidence >= args.min_confidence)
    coverage = float(made.sum() / held.sum())
    precision = float((ours.stages[made] == truth[made]).mean()) if made.any() else 0.0
    base_pred, base_conf = baseline(texts, truth, known)
    base_correct = base_pred[held] == truth[held]
    report = {
        "rows": len(rows),
        "stages": len(names),
        "known": int(known.sum()),
        "min_confidence": args.min_confidence,
        "precision": round(precision, 3),
        "coverage": round(coverage, 3),
        "precision_all": round(float((ours.stages[held] == truth[held]).mean()), 3),
        "seconds": round(seconds, 1),
        "baseline": {
            "precision_at_our_coverage": round(precision_at(base_correct, base_conf[held], coverage), 3)
            if coverage
            else None,
            "precision_at_0.7": round(precision_at(base_correct, base_conf[held], 0.7), 3),
            "precision_all": round(float(base_correct.mean()), 3),
        },
    }
    print(f"{len(rows)} rows, {len(names)} stages, {known.sum()} kept ({args.known:.1%}), seed {args.seed}")
    print(
        f"ours      precision {report['precision']:.3f} at coverage {coverage:.3f} "
        f"(confidence >= {args.min_confidence}); {report['precision_all']:.3f} if every row got one; "
        f"{seconds:.1f} s"
    )
    b = report["baseline"]
    print(
        f"baseline  precision {b['precision_at_our_coverage']} at the same coverage, "
        f"{b['precision_at_0.7']:.3f} at coverage 0.7, {b['precision_all']:.3f} if every row got one"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
