"""Which themes drive NPS and CSAT: impact against hand-computed figures, and one vote per survey response."""

import csv
import datetime as dt
import io

from sqlalchemy import select

from tests.factories import make_feedback, make_user, sign_in, stage_named
from voc.extensions import db
from voc.ingest.mapping import Mapping
from voc.models import Feedback, Theme, ThemeImpact
from voc.services import dashboard, hits, impact, imports, uploads
from voc.services import themes as theme_runs
from voc.services.dashboard import DashboardFilters, Period
from voc.services.hits import HitInput
from voc.themes.impact import MIN_RESPONSES, Impact, impacts, nps_value

TODAY = dt.date.today()


def known_responses(drag: int, other: int) -> list[tuple[float, frozenset[int]]]:
    """The drag: 10 detractors, 10 passives; elsewhere 15 promoters (5 in the other theme), 15 passives."""
    return (
        [(nps_value(2), frozenset({drag}))] * 10
        + [(nps_value(7), frozenset({drag}))] * 10
        + [(nps_value(10), frozenset({other}))] * 5
        + [(nps_value(10), frozenset())] * 10
        + [(nps_value(8), frozenset())] * 15
    )


def test_impact_equals_the_hand_computed_figure():
    # NPS of all 50: (15 - 10) / 50 = +10; without theme 1's 20: 15 / 30 = +50; impact -40.
    # Interval: 0.4 × √(2631.58 / 20 + 2586.21 / 30) = 0.4 × 14.758 = 5.903, × 1.96 = ±11.57.
    found = impacts(known_responses(1, 2))
    assert found[1] == Impact(-40.0, -51.57, -28.43, 20)
    assert 2 not in found  # 5 responses are too few to say
    csat = impacts([(1, frozenset({7}))] * MIN_RESPONSES + [(5, frozenset())] * MIN_RESPONSES)
    assert csat[7].points == -2.0  # mean 3 with it, 5 without


def test_themes_page_shows_impact_and_sorts_by_biggest_drag(client, app):
    drag, other = Theme(label="meter no-show"), Theme(label="friendly staff")
    db.session.add_all([drag, other])
    db.session.commit()
    for value, themes in known_responses(drag.id, other.id):
        score = {-100: 2, 0: 7, 100: 10}[value]
        make_feedback(
            score=score,
            score_kind="nps",
            theme_id=next(iter(themes), None),
            received_on=TODAY,
            stage=stage_named("Action") if drag.id in themes else None,
        )
    for _ in range(20):  # other: enough responses, all promoters, so it lifts the score
        make_feedback(score=10, score_kind="nps", theme_id=other.id, received_on=TODAY)
    sign_in(client, make_user("viewer"))
    assert "NPS -34.29" not in client.get("/themes/").text  # worked out at the next run, not on view
    impact.store_theme_impacts()
    db.session.commit()
    # 70 responses: NPS (35 - 10) / 70 = +35.71; without the drag's 20: 35 / 50 = +70; impact -34.29.
    assert impact.theme_impacts()[drag.id]["nps"].points == -34.29
    page = client.get("/themes/").text
    assert "NPS -34.29" in page and "NPS +" in page  # the friendly staff lift it
    by_drag = client.get("/themes/?sort=impact").text
    assert by_drag.index("meter no-show") < by_drag.index("friendly staff")
    by_evidence = client.get("/themes/").text
    assert by_evidence.index("friendly staff") < by_evidence.index("meter no-show")  # 25 items before 20
    drags = client.get("/").text.split('id="drags"')[1].split("</section>")[0]
    assert "Action: <a" in drags and "meter no-show</a> NPS -34.29" in drags
    assert "friendly staff" not in drags  # it lifts the score
    # A hit citing the theme carries the same impact into its evidence and the roadmap's exports.
    hit = hits.create_hit(
        HitInput("Fix meter visits", stage_named("Action").id, "this month", "quick fix", 3, 80, 1.0),
        None,
        theme_ids=(drag.id,),
    )
    assert "NPS -34.29" in client.get(f"/hits/{hit.id}").text
    rows = list(csv.DictReader(io.StringIO(client.get("/roadmap/export.csv").text)))
    found = [(row["title"], row["nps_impact"], row["csat_impact"]) for row in rows]
    assert found == [("Fix meter visits", "-34.29", "")]
    assert "NPS impact -34.29 (" in client.get("/roadmap/export.md").text
    # The page serves what the run kept: it reads no scored item, so new scores wait for the next run.
    make_feedback(score=0, score_kind="nps", theme_id=drag.id, received_on=TODAY)
    assert "NPS -34.29" in client.get("/themes/").text


def test_a_theme_run_keeps_each_themes_impact_for_the_themes_page(client, app, monkeypatch):
    monkeypatch.setattr(theme_runs, "_models", {})  # run ids repeat across the test databases
    places = ("kitchen", "hallway", "garden", "attic", "garage")
    for n in range(25):
        make_feedback(
            text=f"The engineer never came to fix the boiler in the {places[n % 5]} ({n})",
            score=1,
            score_kind="nps",
            received_on=TODAY,
        )
        make_feedback(
            text=f"Friendly billing team answered my invoice question on chat ({n})",
            score=10,
            score_kind="nps",
            received_on=TODAY,
        )
    theme_runs.run_now(None, k=2)
    engineer = db.session.scalar(select(Feedback.theme_id).where(Feedback.text.like("The engineer%")))
    kept = {(row.theme_id, row.kind): row.points for row in db.session.scalars(select(ThemeImpact))}
    # NPS of all 50: 0; without the 25 detractors: +100; so the engineer theme costs 100 points.
    assert kept[(engineer, "nps")] == -100.0 and len(kept) == 2
    sign_in(client, make_user("viewer"))
    assert "NPS -100" in client.get("/themes/").text


SURVEY = (
    "Response ID,NPS,What did you like?,What should we improve?\n"
    "R1,0,Nothing at all,The engineer never came\n"
    "R2,10,Friendly staff,Quick to answer\n"
    "R3,10,Quick install,Cheaper tariffs\n"
)


def test_one_response_with_two_answers_counts_once_in_nps_and_csat(app):
    user = make_user("contributor")
    up = uploads.store_upload(io.BytesIO(SURVEY.encode()), "survey.csv")
    mapping = Mapping(
        text=["What did you like?", "What should we improve?"],
        external_id="Response ID",
        score="NPS",
        score_kind="nps",
    )
    outcome = imports.run_import(up, imports.ImportSettings(mapping), user.id)
    assert outcome.created == 6
    make_feedback(score=4, score_kind="csat", received_on=TODAY)  # typed in: counts as its own response
    figures = dashboard.build(DashboardFilters(Period(TODAY - dt.timedelta(days=29), TODAY))).strip.figures
    # 3 respondents: 2 promoters, 1 detractor -> NPS +33 (counting answers would give 6 and the same +33,
    # so the answers are checked too).
    assert (figures.nps_answers, figures.promoters, figures.detractors, figures.nps) == (3, 2, 1, 33)
    assert (figures.csat_answers, figures.csat) == (1, 4.0)
