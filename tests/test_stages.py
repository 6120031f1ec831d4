"""Journey stages: seeded defaults, and admins adding, renaming, reordering and retiring."""

from sqlalchemy import select

from tests.factories import make_feedback, make_user, sign_in, stage_named
from voc.extensions import db
from voc.models import Stage
from voc.services import stages


def names(include_retired=False):
    return [s.name for s in stages.list_stages(include_retired)]


def test_defaults_are_awareness_consider_action(app):
    assert names() == ["Awareness", "Consider", "Action"]
    assert all(s.description for s in stages.list_stages())
    assert stages.seed_default_stages() == 0  # idempotent


def test_admin_adds_renames_reorders_and_retires(client, app):
    sign_in(client, make_user("admin"))
    client.post("/stages/", data={"name": "Loyalty", "description": "Staying and recommending"})
    assert names() == ["Awareness", "Consider", "Action", "Loyalty"]

    loyalty = stage_named("Loyalty")
    client.post(f"/stages/{loyalty.id}/edit", data={"name": "Advocacy", "description": "Telling friends"})
    assert names()[-1] == "Advocacy"

    client.post(f"/stages/{loyalty.id}/move/up")
    assert names() == ["Awareness", "Consider", "Advocacy", "Action"]

    consider = stage_named("Consider")
    item = make_feedback(stage=consider, text="comparison table unclear")
    response = client.post(f"/stages/{consider.id}/retire", follow_redirects=True)
    assert "retired; its feedback is kept" in response.get_data(as_text=True)
    assert names() == ["Awareness", "Advocacy", "Action"]
    db.session.refresh(item)
    assert item.stage.name == "Consider"

    client.post(f"/stages/{consider.id}/restore")
    assert names() == ["Awareness", "Advocacy", "Action", "Consider"]


def test_stage_names_stay_unique(client, app):
    sign_in(client, make_user("admin"))
    response = client.post("/stages/", data={"name": "action"})
    assert "There is already a stage called “Action”." in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Stage.id))) == 3


def test_stage_page_lists_in_journey_order(client, app):
    sign_in(client, make_user("admin"))
    body = client.get("/stages/").get_data(as_text=True)
    assert body.index("Awareness") < body.index("Consider") < body.index("Action")
