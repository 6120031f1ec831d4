"""Sentiment against human labels (negative/neutral/positive): ours vs lexicon vs plain VADER vs majority.

    python bench/sentiment.py --csv bench/data/feedback_sentiment.csv --label-column label
    python bench/sentiment.py --csv ../shared/data/clothing_reviews.csv --score-column rating \
        --score-kind stars --learn-from 0.05

Scores at or above +0.05 read as positive, at or below -0.05 as negative (VADER's own cut-offs).
With --learn-from FRACTION, a random FRACTION of rows (seed 0) keeps its label as if the customer had
scored it; voc learns from those (voc/themes/learned.py; its topic space from all rows, as a theme
run has every item's text) and every method is measured on the rest,
beside a plain TF-IDF + logistic regression trained on the same rows. Without it, "ours" is the
lexicon. --score-column with --score-kind (nps, csat, stars) derives the labels from a score column.
Figures are given for all rows and for each value of --half-column when the CSV has it.
The last line of output is one JSON object.
"""

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from voc.themes.learned import learn, lexicon_features, score_label  # noqa: E402
from voc.themes.sentiment import plain_analyzer  # noqa: E402


def polarity(score: float) -> str:
    """A compound score as one of the three labels."""
    return "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"


def figures(truth: list[str], predicted: list[str]) -> dict:
    """Accuracy and macro-F1 as percentages."""
    return {
        "accuracy": round(100 * accuracy_score(truth, predicted), 1),
        "macro_f1": round(100 * f1_score(truth, predicted, average="macro", zero_division=0), 1),
    }


def plain_baseline(train_texts: list[str], train_labels: list[str], texts: list[str]) -> list[str]:
    """The plain TF-IDF + logistic regression the issue measures against."""
    vectorizer = TfidfVectorizer()
    classifier = LogisticRegression(max_iter=1000).fit(vectorizer.fit_transform(train_texts), train_labels)
    return list(classifier.predict(vectorizer.transform(texts)))


def compare(texts: list[str], truth: list[str], train: tuple[list[str], list[str]] | None) -> dict:
    """Ours, the lexicon alone, plain VADER and the majority class on the same rows."""
    lexicon = lexicon_features(texts)
    majority = Counter(truth).most_common(1)[0][0]
    report = {"n": len(texts), "lexicon": figures(truth, [polarity(s) for s in lexicon[:, 0]])}
    report["ours"] = report["lexicon"]
    if train is not None:
        started = time.perf_counter()
        model = learn(*train, unscored=texts)  # voc holds the unscored texts too: they shape its topics
        report["learn_seconds"] = round(time.perf_counter() - started, 1)
        if model is not None:
            report["ours"] = figures(truth, [polarity(s) for s in model.sentiments(texts, lexicon)])
        report["plain_tfidf_lr"] = figures(truth, plain_baseline(*train, texts))
    vader = [polarity(plain_analyzer().polarity_scores(t)["compound"]) for t in texts]
    report["vader"] = figures(truth, vader)
    report["majority"] = figures(truth, [majority] * len(texts))
    return report


def main() -> None:
    """Print figures for all rows and per half, then one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--score-column")
    parser.add_argument("--score-kind", choices=("nps", "csat", "stars"), default="stars")
    parser.add_argument("--half-column", default="half")
    parser.add_argument("--learn-from", type=float, help="fraction of rows whose labels voc learns from")
    args = parser.parse_args()

    with open(args.csv, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r[args.text_column].strip()]
    for row in rows:
        if args.score_column:
            row["_label"] = score_label(int(float(row[args.score_column])), args.score_kind)
        else:
            row["_label"] = row[args.label_column]
    train = None
    if args.learn_from:
        random.Random(0).shuffle(rows)
        cut = round(args.learn_from * len(rows))
        learned, rows = rows[:cut], rows[cut:]
        train = ([r[args.text_column] for r in learned], [r["_label"] for r in learned])
        print(f"learning from {cut} rows, measuring on {len(rows)}")
    report = {"all": compare([r[args.text_column] for r in rows], [r["_label"] for r in rows], train)}
    for half in sorted({r.get(args.half_column) for r in rows} - {None}):
        part = [r for r in rows if r[args.half_column] == half]
        report[half] = compare([r[args.text_column] for r in part], [r["_label"] for r in part], train)
    for name, figs in report.items():
        others = "  ".join(
            f"{key} {figs[key]}" for key in ("lexicon", "plain_tfidf_lr", "vader", "majority") if key in figs
        )
        print(f"{name:8} n={figs['n']:5}  ours {figs['ours']}  {others}")
        if "plain_tfidf_lr" in figs:
            ratio = figs["ours"]["macro_f1"] / max(figs["plain_tfidf_lr"]["macro_f1"], 0.1)
            print(f"{'':8} ours / plain TF-IDF + LR macro-F1: {ratio:.2f}×")
    print(json.dumps(report["all"] if len(report) == 1 else report))


if __name__ == "__main__":
    main()
