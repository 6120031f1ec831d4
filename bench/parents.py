"""Parent themes against human upper-level labels (CLINC150 domains, HWU64 scenarios), with baselines.

    python bench/parents.py --csv ../shared/data/clinc150.csv --split test --group-column domain

Each item's top-level line is its theme's parent, or its theme when no parent holds it (unthemed
items are one more line). NMI and ARI (percentages) compare those lines with the upper-level
labels. Baselines, same number of lines: the same themes grouped at random (what grouping adds
over chance), and plain TfidfVectorizer() + KMeans on the texts. The last line is one JSON object.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.themes import load, percent  # noqa: E402
from voc.themes import ThemeSettings, discover  # noqa: E402
from voc.themes.hierarchy import group_themes  # noqa: E402


def scores(truth: np.ndarray, lines: np.ndarray) -> dict:
    """NMI and ARI of the lines against the upper-level labels."""
    return {
        "nmi": percent(normalized_mutual_info_score(truth, lines)),
        "ari": percent(adjusted_rand_score(truth, lines)),
    }


def lines_of(assignments: np.ndarray, line_of_theme: np.ndarray) -> np.ndarray:
    """Each item's top-level line; unthemed items share one extra line."""
    return np.where(assignments >= 0, line_of_theme[np.maximum(assignments, 0)], -1)


def main() -> None:
    """Run discover, score its parents and the baselines over the seeds, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True)
    parser.add_argument("--split", default=None)
    parser.add_argument("--group-column", required=True, help="the upper-level label, e.g. domain")
    parser.add_argument("--k", default="label-count", help="N, 'auto', or the fine label count")
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args()

    texts, labels = load(args.csv, "text", "label", args.split)
    _, groups = load(args.csv, "text", args.group_column, args.split)
    _, truth = np.unique(groups, return_inverse=True)
    n_labels = len(set(labels))
    k = None if args.k == "auto" else n_labels if args.k == "label-count" else int(args.k)

    figures = []
    for seed in range(args.seeds):
        result = discover(texts, ThemeSettings(k=k, seed=seed))
        assignments = np.asarray(result.assignments)
        sizes = np.array([theme.size for theme in result.themes])
        start = time.perf_counter()
        line_of_theme = group_themes(result.model.centres, sizes)
        grouping_seconds = time.perf_counter() - start
        n_lines = int(line_of_theme.max()) + 1
        shuffled = np.random.default_rng(seed).permutation(line_of_theme)
        X = TfidfVectorizer().fit_transform(texts)
        figure = {
            "n_themes": len(result.themes),
            "n_parents": len(result.parents),
            "n_lines": n_lines,
            "ours": scores(truth, lines_of(assignments, line_of_theme)),
            "fine_themes": scores(truth, assignments),
            "random_parents": scores(truth, lines_of(assignments, shuffled)),
            "kmeans_lines": scores(truth, KMeans(n_lines, random_state=seed).fit_predict(X)),
            "grouping_seconds": round(grouping_seconds, 3),
            "label_seconds": result.quality["seconds"]["label"],
        }
        figure["ratio_to_random"] = round(figure["ours"]["nmi"] / figure["random_parents"]["nmi"], 2)
        print(f"seed {seed}:", json.dumps(figure), flush=True)
        figures.append(figure)
    print(
        json.dumps(
            {
                "csv": Path(args.csv).name,
                "split": args.split,
                "k": args.k,
                "n": len(texts),
                "n_groups": int(truth.max()) + 1,
                "runs": figures,
            }
        )
    )


if __name__ == "__main__":
    main()
