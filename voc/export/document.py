"""The roadmap as a JSON document for other tools; e-mail addresses masked, dates in ISO 8601.

Structure (version 1; fields are only ever added, never renamed, within a version):

    {
      "format": "voc-roadmap", "version": 1,
      "generated_on": "2024-05-01",
      "filters": {"<label>": "<value>", ...},
      "stages": ["Awareness", ...],          # journey order
      "horizons": ["this week", ...],        # nearest first
      "hits": [                              # by stage, horizon, then score descending
        {"title": str, "problem": str, "stage": str, "horizon": str, "kind": str,
         "owner": str, "status": str, "target_date": "YYYY-MM-DD" | null,
         "score": float, "reach": int, "impact": int, "confidence": int (percent),
         "effort": float (person-weeks),
         "evidence": {"items": int, "customers": int, "channels": {"<channel>": int, ...},
                      "first_seen": date | null, "last_seen": date | null,
                      "mean_sentiment": float | null, "share_negative": float | null},
         "quotes": [str, ...]}               # at most three, from customers who consented
      ]
    }
"""

import datetime as dt
import json

from voc.export.cells import mask_personal_data
from voc.export.roadmap import Roadmap, RoadmapHit, ordered_hits

FORMAT, VERSION = "voc-roadmap", 1


def to_json(roadmap: Roadmap) -> str:
    """The roadmap in the structure above, indented for people who open it."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "generated_on": roadmap.generated_on.isoformat(),
        "filters": dict(roadmap.filters),
        "stages": list(roadmap.stages),
        "horizons": list(roadmap.horizons),
        "hits": [_hit(hit) for hit in ordered_hits(roadmap)],
    }
    return json.dumps(_masked(document), indent=2, ensure_ascii=False) + "\n"


def _hit(hit: RoadmapHit) -> dict[str, object]:
    """One hit as a JSON object, evidence and quotes nested."""
    evidence = hit.evidence
    return {
        "title": hit.title,
        "problem": hit.problem,
        "stage": hit.stage,
        "horizon": hit.horizon,
        "kind": hit.kind,
        "owner": hit.owner,
        "status": hit.status,
        "target_date": _iso(hit.target_date),
        "score": hit.score,
        "reach": hit.reach,
        "impact": hit.impact,
        "confidence": hit.confidence,
        "effort": hit.effort,
        "evidence": {
            "items": evidence.items,
            "customers": evidence.customers,
            "channels": dict(evidence.channels),
            "first_seen": _iso(evidence.first_seen),
            "last_seen": _iso(evidence.last_seen),
            "mean_sentiment": evidence.mean_sentiment,
            "share_negative": evidence.share_negative,
        },
        "quotes": list(hit.quotes),
    }


def _masked(value: object) -> object:
    """The value with e-mail addresses masked in every string, keys included."""
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {_masked(key): _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def _iso(day: dt.date | None) -> str | None:
    """A date as YYYY-MM-DD, or None."""
    return day.isoformat() if day else None
