"""The roadmap as Markdown for a wiki page or pull request: a table per journey stage, then its quotes."""

import html
import re

from voc.export.cells import mask_personal_data
from voc.export.roadmap import Roadmap, RoadmapHit, evidence_summary, ordered_hits

# Brackets would let hostile text make a link (`[x](javascript:…)`); escaped, they are plain text.
LINK_BRACKETS = re.compile(r"([\[\]])")
TABLE_HEADER = ("Horizon", "Title", "Problem", "Status", "Owner", "Kind", "Score", "Target date", "Evidence")


def to_markdown(roadmap: Roadmap) -> str:
    """Title, date and filters, then per stage in journey order a table of its hits and their quotes."""
    generated = f"Generated on {roadmap.generated_on.isoformat()}, {len(roadmap.hits)} hits."
    lines = ["# Roadmap", "", generated, ""]
    if roadmap.filters:
        lines += ["Filters:", ""]
        lines += [f"- **{_inline(label)}**: {_inline(value)}" for label, value in roadmap.filters.items()]
    else:
        lines.append("Filters: none.")
    hits = ordered_hits(roadmap)
    for stage in roadmap.stages:
        lines += ["", f"## {_inline(stage)}", ""]
        lines += _stage_body([hit for hit in hits if hit.stage == stage])
    return "\n".join(lines) + "\n"


def _stage_body(hits: list[RoadmapHit]) -> list[str]:
    """A stage's table with a horizon column, then each quoted hit's quotes as blockquotes."""
    if not hits:
        return ["_No hits._"]
    lines = [_row(TABLE_HEADER), "|" + "---|" * len(TABLE_HEADER)]
    for hit in hits:
        target = hit.target_date.isoformat() if hit.target_date else ""
        lines.append(
            _row(
                (
                    hit.horizon,
                    hit.title,
                    hit.problem,
                    hit.status,
                    hit.owner,
                    hit.kind,
                    f"{hit.score:.1f}",
                    target,
                    evidence_summary(hit.evidence),
                )
            )
        )
    for hit in hits:
        if hit.quotes:
            lines += ["", f"**{_inline(hit.title)}**: what customers said"]
            for quote in hit.quotes:
                lines.append("")
                # Stripped, so leading tabs or spaces cannot turn a quote into a code block.
                masked = _text(quote).splitlines() or [""]
                lines += [f"> {line.strip()}".rstrip() for line in masked]
    return lines


def _row(cells: tuple[str, ...]) -> str:
    """A Markdown table row."""
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _cell(text: str) -> str:
    """Text that stays inside its table cell: pipes escaped, line breaks as <br>."""
    lines = _text(text).replace("|", "\\|").splitlines()
    return "<br>".join(line.strip() for line in lines)


def _inline(text: str) -> str:
    """Text that stays on its heading or list line."""
    return " ".join(_text(text).split())


def _text(text: str) -> str:
    """Words that a Markdown viewer shows as written: personal data masked, HTML and links inert.

    `<`, `>` and `&` become entities (a viewer that allows HTML would otherwise render
    `<audio onloadeddata=…>`), and brackets are backslash-escaped; then the masks go in.
    """
    return mask_personal_data(LINK_BRACKETS.sub(r"\\\1", html.escape(text, quote=False)))
