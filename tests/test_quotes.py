"""A hit's quotes come from its own evidence, best spokesmen first, in the app and every export."""

import csv
import io
import re

import pytest

from tests.factories import api_headers, make_customer, make_feedback, make_user, sign_in, stage_named
from voc.extensions import db
from voc.models import Theme
from voc.services import hits

GREEN = "I chose you for the green electricity, show me the renewable power is real and not just certificates"
EXIT = (
    "Nowhere on the quote does it say what the exit fee is if I leave the Green Tracker tariff early. "
    "Disgraceful, awful, hidden charges everywhere and I am furious"
)
CRASH = "The app crashed again and again, terrible, awful, useless, I hate it"


@pytest.fixture
def green_hit(app):
    """A hit on green electricity whose theme also caught an exit-fee rant and an app crash."""
    quinn = make_customer(name="Quinn", consent_quote=True)
    theme = Theme(label="green tariff", size=3)
    db.session.add(theme)
    db.session.commit()
    for text, sentiment in ((GREEN, -0.1), (EXIT, -0.9), (CRASH, -0.95)):
        make_feedback(text=text, customer=quinn, sentiment=sentiment, theme_id=theme.id)
    data = hits.HitInput(
        title="Show where the green electricity comes from",
        stage_id=stage_named("Awareness").id,
        problem="Is the green tariff real renewable power or just certificates?",
        horizon="year 2",
        kind="new capability",
        impact=2,
        confidence=60,
        effort=6.0,
    )
    return hits.create_hit(data, None, theme_ids=(theme.id,))


def test_quotes_rank_by_how_well_they_speak_for_the_hit(green_hit):
    quotes = [item.text for item in hits.evidence(green_hit.id).quotes]
    assert quotes == [GREEN, EXIT]  # the crash shares no word with the hit: it is about something else


def test_the_hit_page_and_every_export_quote_the_same_way(client, green_hit):
    user = make_user("viewer")
    sign_in(client, user)
    page = client.get(f"/hits/{green_hit.id}").get_data(as_text=True)
    shown = re.search(r'<ol class="items" id="quotes">.*?</ol>', page, re.S).group(0)
    assert shown.index("I chose you for the green electricity") < shown.index("Nowhere on the quote")
    assert "The app crashed" not in shown
    rows = list(csv.DictReader(io.StringIO(client.get("/roadmap/export.csv").get_data(as_text=True))))
    assert [(r["quote_1"], r["quote_2"], r["quote_3"]) for r in rows] == [(GREEN, EXIT, "")]
    markdown = client.get("/roadmap/export.md").get_data(as_text=True)
    assert "I chose you for the green" in markdown and "The app crashed" not in markdown
    printed = client.get("/roadmap/print").get_data(as_text=True)
    assert printed.index("I chose you for the green") < printed.index("Nowhere on the quote")
    detail = client.get(f"/api/v1/hits/{green_hit.id}", headers=api_headers(user)).json
    assert detail["quotes"] == [GREEN, EXIT]


def test_items_cited_one_by_one_are_quoted_even_in_other_words(app):
    theme = Theme(label="doorstep", size=2)
    db.session.add(theme)
    db.session.commit()
    matching = make_feedback(text="Pushy doorstep selling again", sentiment=-0.4, theme_id=theme.id)
    unrelated = make_feedback(text="My bill doubled", sentiment=-0.9, theme_id=theme.id)
    cited = make_feedback(text="The salesman at my door would not leave", sentiment=-0.5)
    data = hits.HitInput(
        title="Stop pushy doorstep selling",
        stage_id=stage_named("Awareness").id,
        horizon="this year",
        kind="quick fix",
        impact=5,
        confidence=90,
        effort=4.0,
    )
    hit = hits.create_hit(data, None, theme_ids=(theme.id,), feedback_ids=(cited.id,))
    quoted = [item.id for item in hits.evidence(hit.id).quotes]
    assert quoted == [matching.id, cited.id] and unrelated.id not in quoted
