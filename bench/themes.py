"""Theme discovery against human labels: NMI, ARI, largest theme, duplicates, speed, memory, baseline.

    python bench/themes.py --csv ../shared/data/clinc150.csv --split test --k auto --seeds 3
    python bench/themes.py --csv ../shared/data/clinc150.csv --split test --semantic

--semantic also runs the semantic lens (docs/themes.md) after the plain run, in the same process,
and reports it under "semantic" with its CPU seconds and the peak memory after it.

Each text's language is read once before the runs, as the app reads it when an item arrives and stores
it; the runs are given the stored languages, as a theme run in the app is. That reading is reported
apart, as language_cpu_seconds.

NMI and ARI are percentages (0-100); unthemed items count as one more cluster. The last line of
output is one JSON object.
"""

import argparse
import csv
import html
import json
import pickle
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from nltk.stem.snowball import SnowballStemmer
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from voc.themes import ThemeSettings, discover, semantic  # noqa: E402
from voc.themes.preprocess import language_of  # noqa: E402


def load(path: str, text_column: str, label_column: str, split: str | None) -> tuple[list[str], list[str]]:
    """Texts and labels of one CSV, optionally only the rows of one split."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if split is None or r.get("split") == split]
    return [r[text_column] for r in rows], [r[label_column] for r in rows]


def replicate(texts: list[str], labels: list[str], rows: int) -> tuple[list[str], list[str]]:
    """Repeat the data up to rows items; copies lose ~15% of words and swap a pair, deterministically."""
    rng = np.random.default_rng(12345)
    out_texts, out_labels = list(texts[:rows]), list(labels[:rows])
    for i in range(len(out_texts), rows):
        words = [w for w in texts[i % len(texts)].split() if rng.random() > 0.15]
        if len(words) > 2:
            j = int(rng.integers(len(words) - 1))
            words[j], words[j + 1] = words[j + 1], words[j]
        out_texts.append(" ".join(words))
        out_labels.append(labels[i % len(labels)])
    return out_texts, out_labels


def percent(score: float) -> float:
    """A 0-1 agreement score as a percentage with two decimals."""
    return round(100 * score, 2)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds() -> float:
    """CPU seconds this process has used so far: less moved than wall time by other jobs on the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def baseline(texts: list[str], truth: np.ndarray, k: int, seed: int) -> dict:
    """Plain TfidfVectorizer() + KMeans(k) figures, the thing to beat."""
    start = time.perf_counter()
    X = TfidfVectorizer().fit_transform(texts)
    vectorised = time.perf_counter()
    labels = KMeans(n_clusters=k, random_state=seed).fit_predict(X)
    end = time.perf_counter()
    return {
        "nmi": percent(normalized_mutual_info_score(truth, labels)),
        "ari": percent(adjusted_rand_score(truth, labels)),
        "largest_share": round(float(np.bincount(labels).max() / len(labels)), 4),
        "seconds": {
            "vectorise": round(vectorised - start, 3),
            "cluster": round(end - vectorised, 3),
            "total": round(end - start, 3),
        },
    }


# A name part counts as written by the customers when at least this share of its theme's items has it.
VERBATIM_SHARE = 0.2
_NOT_WORD = re.compile(r"[^\w']+|_")
_STEMMER = SnowballStemmer("english")
_LABEL_FILLER = {"and", "or", "the", "of", "a", "to", "for", "in", "on", "my", "up", "set", "get", "query"}


def words_as_written(text: str) -> str:
    """Lower-cased words of a text with punctuation aside, space-padded, for 'occurs word for word'."""
    return " " + " ".join(_NOT_WORD.sub(" ", html.unescape(text).lower().replace("’", "'")).split()) + " "


def naming(texts: list[str], truth_names: np.ndarray, found: np.ndarray, names: list[str]) -> dict:
    """How readable the names are: written by customers, not redundant, and about the true label."""
    written = [words_as_written(t) for t in texts]
    verbatim = redundant = hits = ceiling = 0
    for theme, name in enumerate(names):
        members = np.flatnonzero(found == theme)
        parts = [p.strip() for p in name.split(",") if p.strip()]
        verbatim += all(
            np.mean([words_as_written(p) in written[i] for i in members]) >= VERBATIM_SHARE for p in parts
        )
        part_words = [set(words_as_written(p).split()) for p in parts]
        redundant += any(a <= b for i, a in enumerate(part_words) for j, b in enumerate(part_words) if i != j)
        majority = Counter(truth_names[members]).most_common(1)[0][0]
        label_stems = {_STEMMER.stem(w) for w in re.split(r"[\W_]+", majority.lower()) if w} - _LABEL_FILLER
        hits += bool(label_stems & {_STEMMER.stem(w) for w in words_as_written(name).split()})
        # The best any name built from the theme's own common words could do.
        common = Counter(_STEMMER.stem(w) for i in members for w in set(written[i].split()))
        ceiling += bool(label_stems & {w for w, c in common.items() if c >= VERBATIM_SHARE * len(members)})
    n = max(len(names), 1)
    return {
        "verbatim_name_share": round(verbatim / n, 4),
        "redundant_name_share": round(redundant / n, 4),
        "name_hits_label": round(hits / n, 4),
        "name_hits_label_ceiling": round(ceiling / n, 4),
    }


def duplicate_pairs(truth: np.ndarray, found: np.ndarray) -> int:
    """Pairs of themes whose majority true label is the same: themes that say the same thing twice."""
    majority = [np.bincount(truth[found == t]).argmax() for t in np.unique(found[found >= 0])]
    repeats = np.bincount(majority) if majority else np.zeros(0, dtype=np.int64)
    return int((repeats * (repeats - 1) // 2).sum())


def assign_ms(model, texts: list[str], n: int = 300) -> float:
    """Mean milliseconds to place one text with the model after a pickle round trip."""
    model = pickle.loads(pickle.dumps(model))
    sample = texts[:n]
    start = time.perf_counter()
    for text in sample:  # one at a time, as a new item is placed when it is saved
        model.place([model.tokenizer.document(text)])
    return round(1000 * (time.perf_counter() - start) / len(sample), 3)


def mean(figures: list[dict]) -> dict:
    """Mean of each numeric figure (nested one level for seconds) over seeds."""
    out = {}
    for key, value in figures[0].items():
        if isinstance(value, dict):
            out[key] = mean([f[key] for f in figures])
        else:
            out[key] = round(float(np.mean([f[key] for f in figures])), 4)
    return out


def main() -> None:
    """Parse arguments, run ours and the baseline over the seeds, print figures and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--split", default=None)
    parser.add_argument("--k", default="label-count", help="N, 'auto', or the number of labels (default)")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--show-names", type=int, default=0, help="print this many theme names of seed 0")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline (slow at 1M rows)")
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a ThemeSettings number, e.g. svd_dims=60 (repeatable)",
    )
    parser.add_argument("--semantic", action="store_true", help="also run with the semantic lens")
    args = parser.parse_args()

    texts, labels = load(args.csv, args.text_column, args.label_column, args.split)
    if args.rows:
        texts, labels = replicate(texts, labels, args.rows)
    _, truth = np.unique(labels, return_inverse=True)
    n_labels = int(truth.max()) + 1
    k = None if args.k == "auto" else n_labels if args.k == "label-count" else int(args.k)
    overrides = {name: json.loads(value) for name, value in (pair.split("=", 1) for pair in args.setting)}

    started = cpu_seconds()
    text_languages = [language_of(text) for text in texts]
    language_cpu = cpu_seconds() - started
    ours, theirs, peak, assign, cpu = [], [], 0.0, 0.0, []
    lensed, lens_cpu, lens_peak = [], [], 0.0
    for seed in range(args.seeds):
        started = cpu_seconds()
        result = discover(texts, ThemeSettings(k=k, seed=seed, **overrides), text_languages)
        cpu.append(cpu_seconds() - started)
        ours.append(figures(texts, labels, truth, result))
        if seed == 0 and args.show_names:
            for theme in result.themes[: args.show_names]:
                print(f"  {theme.size:6d}  {theme.label}   [{', '.join(w for w, _ in theme.keywords[:5])}]")
        peak = max(peak, peak_rss_mb())
        if seed == 0:
            assign = assign_ms(result.model, texts)
        print(f"seed {seed} ours:", json.dumps(ours[-1]), flush=True)
        if args.semantic:
            started = cpu_seconds()
            lensed_settings = ThemeSettings(k=k, seed=seed, embed=semantic.lens())
            lens_result = discover(texts, lensed_settings, text_languages)
            lensed.append(figures(texts, labels, truth, lens_result))
            lens_cpu.append(cpu_seconds() - started)
            lens_peak = peak_rss_mb()
            print(f"seed {seed} semantic:", json.dumps(lensed[-1]), flush=True)
        if not args.no_baseline:
            theirs.append(baseline(texts, truth, n_labels, seed))
            print(f"seed {seed} baseline:", json.dumps(theirs[-1]), flush=True)

    summary = {
        "csv": Path(args.csv).name,
        "split": args.split,
        "k": args.k,
        "seeds": args.seeds,
        "settings": overrides,
        "n": len(texts),
        "n_labels": n_labels,
        "true_largest_share": round(float(np.bincount(truth).max() / len(truth)), 4),
        **mean(ours),
        "cpu_seconds": round(float(np.mean(cpu)), 3),
        "language_cpu_seconds": round(language_cpu, 3),
        "peak_rss_mb": peak,
        "assign_ms_per_item": assign,
        "baseline": mean(theirs) if theirs else None,
    }
    summary["n_themes"] = round(summary["n_themes"], 1)
    if lensed:
        summary["semantic"] = {
            **mean(lensed),
            "cpu_seconds": round(float(np.mean(lens_cpu)), 3),
            "peak_rss_mb": lens_peak,
        }
    print(json.dumps(summary))


def figures(texts: list[str], labels: list[str], truth: np.ndarray, result) -> dict:
    """Agreement with the labels, shape, timings and naming of one discovery."""
    found = np.asarray(result.assignments)
    q = result.quality
    return {
        "n_themes": q["n_themes"],
        "nmi": percent(normalized_mutual_info_score(truth, found)),
        "ari": percent(adjusted_rand_score(truth, found)),
        "largest_share": round(q["largest_share"], 4),
        "unthemed_share": round(q["unthemed_share"], 4),
        "silhouette": round(q["silhouette"], 4),
        "duplicate_pairs": duplicate_pairs(truth, found),
        "seconds": {
            key: q["seconds"].get(key, 0.0)
            for key in ("preprocess", "vectorise", "cluster", "assign", "label", "total")
        },
        **naming(texts, np.asarray(labels), found, [t.label for t in result.themes]),
    }


if __name__ == "__main__":
    main()
