"""Themes of feedback in several languages: by topic or by language, with and without the lens.

    python bench/languages.py [--csv bench/data/languages.csv] [--k auto|N]

The fixture holds short complaints on four topics in English, German, Spanish and Russian. Prints
language identification accuracy, then per mode (plain TF-IDF, then the semantic lens when its extra
is installed) topic NMI and language NMI of the themes (percent, unthemed items one more cluster),
themes, unthemed items, CPU seconds and names; the baseline is plain TfidfVectorizer + KMeans(k) on
the same texts in the same run. The last line is one JSON object.
"""

import argparse
import csv
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from voc.themes import ThemeSettings, discover, semantic  # noqa: E402
from voc.themes.preprocess import language_of  # noqa: E402

FIXTURE = Path(__file__).resolve().parent / "data" / "languages.csv"


def cpu_seconds() -> float:
    """CPU seconds this process has used so far (less moved than wall time by a loaded machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def nmi(truth: list[str], found: list[int]) -> float:
    """Normalised mutual information as a percentage."""
    return round(100 * normalized_mutual_info_score(truth, found), 2)


def mode(name: str, texts: list[str], topics: list[str], langs: list[str], settings: ThemeSettings) -> dict:
    """Discover themes once and report how they follow topics and languages."""
    started, wall = cpu_seconds(), time.perf_counter()
    result = discover(texts, settings)
    figures = {
        "mode": name,
        "topic_nmi": nmi(topics, result.assignments),
        "language_nmi": nmi(langs, result.assignments),
        "n_themes": len(result.themes),
        "unthemed": result.assignments.count(-1),
        "no_words": result.quality["no_words"],
        "cpu_seconds": round(cpu_seconds() - started, 3),
        "seconds": round(time.perf_counter() - wall, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(name + ":", json.dumps(figures))
    for theme in result.themes:
        print(f"  {theme.size:4d}  [{theme.language}]  {theme.label}")
    return figures


def main() -> None:
    """Run the fixture through language identification, the baseline and both modes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", default=str(FIXTURE))
    parser.add_argument("--k", default="auto", help="N, or 'auto' (default)")
    args = parser.parse_args()
    with open(args.csv, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts, topics, langs = ([r[c] for r in rows] for c in ("text", "topic", "language"))
    k = None if args.k == "auto" else int(args.k)

    started = cpu_seconds()
    detected = [language_of(t) for t in texts]
    summary = {
        "n": len(texts),
        "topics": len(set(topics)),
        "languages": len(set(langs)),
        "language_accuracy": round(float(np.mean([d == t for d, t in zip(detected, langs, strict=True)])), 4),
        "every_item_has_a_language": all(detected),
        "identify_ms_per_item": round(1000 * (cpu_seconds() - started) / len(texts), 3),
    }
    print("languages:", json.dumps(summary))
    X = TfidfVectorizer().fit_transform(texts)
    base = KMeans(len(set(topics)), random_state=0, n_init=3).fit_predict(X).tolist()
    summary["baseline"] = {"topic_nmi": nmi(topics, base), "language_nmi": nmi(langs, base)}
    print("baseline:", json.dumps(summary["baseline"]))
    summary["plain"] = mode("plain", texts, topics, langs, ThemeSettings(k=k))
    if semantic.available():
        summary["lens"] = mode("lens", texts, topics, langs, ThemeSettings(k=k, embed=semantic.lens()))
    else:
        print("lens: skipped, the semantic extra is not installed (make semantic)")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
