"""The roadmap as a CSV for Jira's issue importer: one issue per hit, labelled by stage and horizon.

Importer settings this file expects: comma separator, UTF-8, and date format yyyy-MM-dd (Java
SimpleDateFormat, as the importer's "Date format" setting takes it). Labels are repeated "Labels"
columns, which the importer joins into one multi-value field; labels carry no spaces.
"""

import re
from collections.abc import Sequence

from voc.export.roadmap import Roadmap, RoadmapHit, Value, evidence_summary, ordered_hits
from voc.export.tables import csv_text

HEADER = ("Summary", "Description", "Issue Type", "Priority", "Labels", "Labels", "Due Date")
# Lowest to highest, each owning a fifth of the mid-rank percentile scale (see priority()).
PRIORITIES = ("Lowest", "Low", "Medium", "High", "Highest")
SUMMARY_LIMIT = 255  # Jira rejects longer summaries


def to_jira_csv(roadmap: Roadmap, issue_type: str = "Task") -> str:
    """One issue per hit, in roadmap order; "Task" is the issue type every Jira project has."""
    scores = [hit.score for hit in roadmap.hits]
    rows = [_issue(hit, issue_type, priority(hit.score, scores)) for hit in ordered_hits(roadmap)]
    return csv_text(HEADER, rows)


def priority(score: float, scores: Sequence[float]) -> str:
    """Jira priority from where the score ranks among this roadmap's scores.

    Mid-rank percentile p = (scores below + half the scores equal) / all scores, then fifths:
    p < 0.2 Lowest, < 0.4 Low, < 0.6 Medium, < 0.8 High, else Highest. Relative rather than fixed
    bands because RICE scores have no natural scale (reach counts whatever the team counts);
    equal scores always share a priority, and a lone hit is Medium.
    """
    below = sum(other < score for other in scores)
    equal = sum(other == score for other in scores)
    percentile = (below + equal / 2) / len(scores)
    return PRIORITIES[min(int(percentile * len(PRIORITIES)), len(PRIORITIES) - 1)]


def label(prefix: str, value: str) -> str:
    """A Jira label such as "horizon-this-month": Jira labels cannot contain spaces."""
    return f"{prefix}-" + re.sub(r"\s+", "-", value.strip())


def _issue(hit: RoadmapHit, issue_type: str, hit_priority: str) -> tuple[Value, ...]:
    """The hit's cells in HEADER order."""
    return (
        " ".join(hit.title.split())[:SUMMARY_LIMIT],
        _description(hit),
        issue_type,
        hit_priority,
        label("stage", hit.stage),
        label("horizon", hit.horizon),
        hit.target_date.isoformat() if hit.target_date else None,
    )


def _description(hit: RoadmapHit) -> str:
    """The problem, the evidence and RICE figures behind it, and what customers said."""
    lines = [
        hit.problem.strip(),
        "",
        f"Evidence: {evidence_summary(hit.evidence)}.",
        f"RICE score {hit.score:.1f}: reach {hit.reach}, impact {hit.impact}/5, "
        f"confidence {hit.confidence}%, effort {hit.effort:g} person-weeks.",
        f"Journey stage: {hit.stage}. Horizon: {hit.horizon}. Kind of move: {hit.kind}. "
        f"Owner: {hit.owner or 'none'}. Status: {hit.status}.",
    ]
    if hit.quotes:
        lines += ["", "What customers said:"]
        lines += [f'- "{" ".join(quote.split())}"' for quote in hit.quotes]
    return "\n".join(lines).strip()
