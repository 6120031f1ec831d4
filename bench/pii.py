"""How much masking personal data costs per page, and that hostile text cannot make it slow.

    python bench/pii.py

Masks the demo company's 728 texts, each repeated 20 times with an e-mail, a phone number and a
card number added, against the baseline every page already pays: HTML-escaping the same texts.
Then masks 20,000-character texts (the longest voc stores) built to make regular expressions
backtrack: one long word, a long run of digits and separators, and a long e-mail-like run.
The last line of output is one JSON object.
"""

import html
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from voc import pii  # noqa: E402
from voc.demo import build_demo  # noqa: E402

LONGEST = 20_000


def best_seconds(function, texts: list[str], repeats: int = 5) -> float:
    """The fastest of several passes over all texts, in seconds."""
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        for text in texts:
            function(text)
        runs.append(time.perf_counter() - started)
    return min(runs)


def main() -> None:
    demo = build_demo(7)
    corpus = [f.text for f in demo.feedback] + [q.text for i in demo.interviews for q in i.quotes]
    texts = [
        f"{t} Mail jo{n}@example.com, ring 07700 900{n % 1000:03d}, card 4111 1111 1111 1111."
        for n, t in enumerate(corpus * 20)
    ]
    masked, escaped = best_seconds(pii.mask, texts), best_seconds(html.escape, texts)
    hostile = {
        "one long word": "a" * LONGEST,
        "digits and separators": ("1 -" * LONGEST)[:LONGEST],
        "e-mail-like run": ("a." * LONGEST)[: LONGEST - 1] + "@",
        "many phone numbers": ("07700 900123 " * LONGEST)[:LONGEST],
    }
    worst = {name: round(1000 * best_seconds(pii.mask, [text], 3), 2) for name, text in hostile.items()}
    result = {
        "texts": len(texts),
        "mean_chars": round(statistics.mean(map(len, texts))),
        "mask_us_per_text": round(1e6 * masked / len(texts), 1),
        "page_of_50_ms": round(1000 * masked / len(texts) * 50, 2),
        "baseline_escape_us_per_text": round(1e6 * escaped / len(texts), 1),
        "ratio_to_baseline": round(masked / escaped, 1),
        "hostile_20k_ms": worst,
    }
    print(f"{result['texts']} texts, mean {result['mean_chars']} characters")
    print(f"mask: {result['mask_us_per_text']} µs a text, {result['page_of_50_ms']} ms for a page of 50")
    print(
        f"baseline html.escape: {result['baseline_escape_us_per_text']} µs a text "
        f"(masking costs {result['ratio_to_baseline']}x)"
    )
    for name, ms in worst.items():
        print(f"hostile 20,000 characters, {name}: {ms} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
