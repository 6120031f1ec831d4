"""Suggested journey stages: learned from the stages people set, shown apart, confirmed by triagers."""

import numpy as np
import pytest
from sqlalchemy import select, update

from tests.factories import api_headers, make_feedback, make_user, sign_in, stage_named
from voc.extensions import db
from voc.models import AuditEvent, Feedback, Theme
from voc.services import audit, dashboard, stage_suggestions, themes
from voc.services.feedback import FeedbackFilters
from voc.themes.stages import MIN_CONFIDENCE, UNKNOWN, StageSettings, suggest

# Three clearly different topics, one per default stage; the first four of each are staged by a person.
TOPICS = {
    "Awareness": [
        "Saw your advert on the telly last night",
        "Your advert on the radio was funny",
        "A friend told me about you, saw the advert too",
        "Found you through an advert on search",
        "The advert on the bus caught my eye",
        "Never heard of you before the tv advert",
        "Your advert keeps popping up on social media",
        "Loved the advert with the dog",
    ],
    "Consider": [
        "The price comparison table is confusing",
        "Which plan price is cheaper for two people",
        "Price of the premium plan is too high",
        "Comparing plan prices took me ages",
        "The plan price page does not load",
        "Your price beats the other plans I compared",
        "Is the plan price fixed for a year",
        "Price plan options are unclear",
    ],
    "Action": [
        "My parcel delivery was late again",
        "The courier left the parcel delivery outside",
        "Parcel delivery tracking never updates",
        "Delivery of my parcel took two weeks",
        "The delivery driver lost my parcel",
        "Parcel delivery arrived damaged",
        "Delivery slot for the parcel was missed",
        "Parcel delivery to the wrong house",
    ],
}
STAGED_PER_TOPIC = 4


def test_core_suggests_the_stage_of_alike_texts_and_withholds_unsure_ones():
    texts, known, truth = [], [], []
    for index, lines in enumerate(TOPICS.values()):
        for n, line in enumerate(lines):
            texts.append(line)
            truth.append(index)
            known.append(index if n < STAGED_PER_TOPIC else UNKNOWN)
    texts.append("Zebra xylophone quartz")  # shares nothing with any staged text
    known.append(UNKNOWN)

    result = suggest(texts, known)
    unstaged = [i for i, k in enumerate(known[:-1]) if k == UNKNOWN]
    assert [int(result.stages[i]) for i in unstaged] == [truth[i] for i in unstaged]
    assert (result.confidence[unstaged] >= MIN_CONFIDENCE).all()
    assert result.confidence[-1] < MIN_CONFIDENCE
    assert result.confident()[-1] == UNKNOWN
    staged = [i for i, k in enumerate(known) if k != UNKNOWN]
    assert np.array_equal(result.stages[staged], np.array(known)[staged])
    assert suggest(texts, known).confidence.tolist() == result.confidence.tolist()  # same input, same output


def test_core_past_the_graph_sample_the_classifier_alone_suggests():
    texts, known, truth = [], [], []
    for index, lines in enumerate(TOPICS.values()):
        for n, line in enumerate(lines):
            texts.append(line)
            truth.append(index)
            known.append(index if n < STAGED_PER_TOPIC else UNKNOWN)
    result = suggest(texts, known, StageSettings(graph_sample=15))
    outside = [i for i, k in enumerate(known) if k == UNKNOWN]
    right = sum(int(result.stages[i]) == truth[i] for i in outside)
    assert right >= len(outside) - 1  # a dozen staged items teach a classifier only so much


def test_core_suggests_nothing_without_known_stages():
    result = suggest(["late parcel", "price plan"], [UNKNOWN, UNKNOWN])
    assert result.confident().tolist() == [UNKNOWN, UNKNOWN]


@pytest.fixture
def journey(app):
    """The topic items, the first few of each staged by a person, all in one theme."""
    theme = Theme(label="everything")
    db.session.add(theme)
    db.session.commit()
    items = {}
    for name, lines in TOPICS.items():
        stage = stage_named(name)
        items[name] = [
            make_feedback(text=line, stage=stage if n < STAGED_PER_TOPIC else None, theme_id=theme.id)
            for n, line in enumerate(lines)
        ]
    odd = make_feedback(text="Zebra xylophone quartz", theme_id=theme.id)
    made = stage_suggestions.refresh()
    db.session.commit()
    return theme, items, odd, made


def _board():
    return dashboard.build(dashboard.DashboardFilters(dashboard.resolve_period("90", None, None)))


def _column(board, name):
    return next(c for c in board.columns if c.name == name)


def test_suggestions_are_shown_as_suggested_accepted_for_a_theme_then_counted(journey, client):
    theme, items, odd, made = journey
    unstaged = len(TOPICS["Action"]) - STAGED_PER_TOPIC
    assert made == 3 * unstaged
    delivery = items["Action"][-1]
    db.session.refresh(delivery)
    assert delivery.stage_id is None and delivery.suggested_stage.name == "Action"
    assert delivery.stage_confidence >= MIN_CONFIDENCE
    db.session.refresh(odd)
    assert odd.suggested_stage_id is None  # below the confidence: no suggestion

    board = _board()
    action = _column(board, "Action")
    assert (action.figures.volume.current, action.suggested) == (STAGED_PER_TOPIC, unstaged)
    assert _column(board, "No stage").suggested == 3 * unstaged

    triager = make_user("triager")
    sign_in(client, triager)
    page = client.get(f"/feedback/{delivery.id}").get_data(as_text=True)
    assert "suggested: Action" in page and "Accept Action" in page
    home = client.get("/?period=90").get_data(as_text=True)
    assert f'data-figure="suggested-{stage_named("Action").id}"' in home
    assert "suggested, not yet confirmed" in home

    shown = client.get(f"/themes/{theme.id}").get_data(as_text=True)
    assert f"{3 * unstaged} items without a stage have a suggested one" in shown
    response = client.post(f"/themes/{theme.id}/accept-stages", follow_redirects=True)
    assert f"Suggested stage confirmed on {3 * unstaged} items." in response.get_data(as_text=True)

    board = _board()
    action = _column(board, "Action")
    assert (action.figures.volume.current, action.suggested) == (len(TOPICS["Action"]), 0)
    assert _column(board, "No stage").figures.volume.current == 1  # only the odd one left
    db.session.refresh(delivery)
    assert (delivery.stage.name, delivery.suggested_stage_id) == ("Action", None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "confirm_stages"))
    assert (event.user_id, event.target_type, event.target_id) == (triager.id, "theme", theme.id)
    assert event.detail == f"{3 * unstaged} items of theme #{theme.id} given their suggested stage"


def test_a_filtered_list_accepts_only_what_it_shows(journey, client):
    _, items, _, _ = journey
    sign_in(client, make_user("triager"))
    consider = stage_named("Consider")
    listed = client.get(f"/feedback/?suggested={consider.id}").get_data(as_text=True)
    assert "Accept the 4 suggested stages" in listed
    assert listed.count("suggested: Consider") == 4

    client.post(f"/feedback/accept-stages?suggested={consider.id}")
    staged = {f.text: f.stage.name if f.stage else None for f in db.session.scalars(select(Feedback))}
    assert all(staged[line] == "Consider" for line in TOPICS["Consider"])
    assert all(staged[line] is None for line in TOPICS["Action"][STAGED_PER_TOPIC:])
    assert stage_suggestions.open_count(FeedbackFilters()).value == 8


def test_one_item_is_accepted_or_corrected_and_both_are_audited(journey, client):
    _, items, odd, _ = journey
    triager = make_user("triager")
    sign_in(client, triager)
    advert, parcel = items["Awareness"][-1], items["Action"][-1]
    client.post(f"/feedback/{advert.id}/stage", data={"stage": ""})
    client.post(f"/feedback/{parcel.id}/stage", data={"stage": str(stage_named("Consider").id)})
    response = client.post(f"/feedback/{odd.id}/stage", data={"stage": ""}, follow_redirects=True)
    assert "no suggested stage to accept" in response.get_data(as_text=True)

    db.session.expire_all()
    assert (advert.stage.name, parcel.stage.name, odd.stage_id) == ("Awareness", "Consider", None)
    details = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "confirm_stages").order_by(AuditEvent.id)
    ).all()
    assert details == [
        f"1 item of feedback #{advert.id} given their suggested stage",
        f"1 item of feedback #{parcel.id} set to Consider",
    ]


@pytest.mark.parametrize(
    "url", ["/feedback/{item}/stage", "/themes/{theme}/accept-stages", "/feedback/accept-stages"]
)
def test_contributors_cannot_confirm_stages(journey, client, url):
    theme, items, _, _ = journey
    sign_in(client, make_user("contributor"))
    item = items["Action"][-1]
    assert client.post(url.format(item=item.id, theme=theme.id), data={"stage": ""}).status_code == 403
    db.session.refresh(item)
    assert item.stage_id is None
    assert "Accept" not in client.get(f"/feedback/{item.id}").get_data(as_text=True)


def test_too_few_staged_items_suggest_nothing(app):
    make_feedback(text="parcel late", stage=stage_named("Action"))
    make_feedback(text="price plan", stage=stage_named("Consider"))
    item = make_feedback(text="parcel late again")
    assert stage_suggestions.refresh() == 0
    db.session.commit()
    db.session.refresh(item)
    assert item.suggested_stage_id is None


def test_a_theme_run_makes_suggestions(journey, app):
    db.session.execute(update(Feedback).values(suggested_stage_id=None))
    db.session.commit()
    themes.run_now(None)
    item = db.session.scalar(select(Feedback).where(Feedback.text == TOPICS["Action"][-1]))
    assert item.suggested_stage.name == "Action"


def test_the_api_shows_an_open_suggestion_and_its_confidence_until_it_is_accepted(journey, client):
    _, items, odd, _ = journey
    headers = api_headers(make_user("triager"))
    parcel, staged = items["Action"][-1], items["Action"][0]
    record = client.get(f"/api/v1/feedback/{parcel.id}", headers=headers).json
    assert (record["stage"], record["suggested_stage"]) == (None, "Action")
    assert record["stage_confidence"] == parcel.stage_confidence >= MIN_CONFIDENCE
    for item in (staged, odd):  # staged by a person; too unsure for a suggestion
        record = client.get(f"/api/v1/feedback/{item.id}", headers=headers).json
        assert (record["suggested_stage"], record["stage_confidence"]) == (None, None)

    stage_suggestions.accept_item(parcel.id, audit.Actor())
    record = client.get(f"/api/v1/feedback/{parcel.id}", headers=headers).json
    assert (record["stage"], record["suggested_stage"], record["stage_confidence"]) == ("Action", None, None)
