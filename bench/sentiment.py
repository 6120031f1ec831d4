"""Sentiment against human labels (negative/neutral/positive): ours vs plain VADER vs majority class.

    python bench/sentiment.py --csv bench/data/feedback_sentiment.csv --label-column label

Scores at or above +0.05 read as positive, at or below -0.05 as negative (VADER's own cut-offs).
Figures are given for all rows and for each value of --half-column when the CSV has it.
The last line of output is one JSON object.
"""
import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from voc.themes.sentiment import plain_analyzer, sentiment  # noqa: E402


def polarity(score: float) -> str:
    """A compound score as one of the three labels."""
    return "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"


def figures(truth: list[str], predicted: list[str]) -> dict:
    """Accuracy and macro-F1 as percentages."""
    return {
        "accuracy": round(100 * accuracy_score(truth, predicted), 1),
        "macro_f1": round(100 * f1_score(truth, predicted, average="macro", zero_division=0), 1),
    }


def compare(texts: list[str], truth: list[str]) -> dict:
    """Ours, plain VADER and the majority class on the same rows."""
    majority = Counter(truth).most_common(1)[0][0]
    return {
        "n": len(texts),
        "ours": figures(truth, [polarity(sentiment(t)) for t in texts]),
        "vader": figures(truth, [polarity(plain_analyzer().polarity_scores(t)["compound"]) for t in texts]),
        "majority": figures(truth, [majority] * len(texts)),
    }


def main() -> None:
    """Print figures for all rows and per half, then one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--half-column", default="half")
    args = parser.parse_args()

    with open(args.csv, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    report = {"all": compare([r[args.text_column] for r in rows], [r[args.label_column] for r in rows])}
    for half in sorted({r.get(args.half_column) for r in rows} - {None}):
        part = [r for r in rows if r[args.half_column] == half]
        report[half] = compare([r[args.text_column] for r in part], [r[args.label_column] for r in part])
    for name, figs in report.items():
        print(f"{name:8} n={figs['n']:4}  ours {figs['ours']}  vader {figs['vader']}",
              f"majority {figs['majority']}")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
