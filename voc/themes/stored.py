"""Fitted models as bytes that say which library versions made them.

A pickle of scikit-learn objects is only safe to load under the versions that wrote it: after an
upgrade, loading may fail or, worse, load and misbehave. Each blob starts with one line naming the
versions; a blob from other versions is refused with the reason, and the caller carries on without it.
"""

import json
import pickle
import sys

import numpy
import scipy
import sklearn

MAGIC = b"voc-model "


class StaleModel(Exception):
    """The blob was written by other library versions (or cannot be read); the message says which."""


def versions() -> dict[str, str]:
    """The versions a pickled model depends on, as this process runs them."""
    return {
        "python": "{}.{}".format(*sys.version_info[:2]),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }


def dump(model: object) -> bytes:
    return MAGIC + json.dumps(versions(), sort_keys=True).encode() + b"\n" + pickle.dumps(model)


def load(blob: bytes) -> object:
    """The model, or StaleModel when other versions wrote it or it cannot be read."""
    if not blob.startswith(MAGIC):
        raise StaleModel("it was saved by an earlier voc that did not record library versions")
    header, _, body = blob.partition(b"\n")
    saved = json.loads(header[len(MAGIC) :])
    differ = [
        f"{name} {saved.get(name, '?')} (now {now})"
        for name, now in versions().items()
        if saved.get(name) != now
    ]
    if differ:
        raise StaleModel("it was saved under " + ", ".join(differ))
    try:
        return pickle.loads(body)
    except Exception as error:  # a corrupt or foreign blob must not break saving feedback
        raise StaleModel(f"it could not be read ({error.__class__.__name__})") from error
