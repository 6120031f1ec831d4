"""Fitted models carry the library versions that pickled them; other versions degrade to a re-run banner."""

import datetime as dt
import pickle

import pytest
from sqlalchemy import select

from tests.factories import add_items, make_user, sign_in, theme_of
from voc.extensions import db
from voc.models import Feedback, ThemeRun
from voc.services import sentiment, themes
from voc.themes import stored


def test_a_model_round_trips_under_the_same_versions():
    assert stored.load(stored.dump({"centres": [1, 2]})) == {"centres": [1, 2]}


def test_other_versions_are_refused_with_their_names():
    blob = stored.dump("model").replace(b'"scikit-learn": "', b'"scikit-learn": "0.0-', 1)
    with pytest.raises(stored.StaleModel, match=r"scikit-learn 0\.0-"):
        stored.load(blob)


@pytest.mark.parametrize("blob", [pickle.dumps("an old blob"), stored.MAGIC + b"{}\nnot a pickle"])
def test_unversioned_or_unreadable_blobs_are_refused(blob):
    with pytest.raises(stored.StaleModel):
        stored.load(blob)


def test_a_model_from_another_scikit_learn_shows_a_banner_and_new_items_stay_unthemed(client, runner, app):
    made = add_items(30)
    assert runner.invoke(args=["voc", "themes", "--k", "3"]).exit_code == 0
    run = db.session.scalar(select(ThemeRun))
    assert run.model.startswith(stored.MAGIC)
    run.model = run.model.replace(b'"scikit-learn": "', b'"scikit-learn": "0.0-', 1)
    db.session.commit()
    themes._models.clear()  # as a server restarted after an upgrade would be
    sentiment._learned.clear()

    sign_in(client, make_user("triager"))
    page = client.get("/themes/").get_data(as_text=True)
    assert "Themes need a re-run" in page and "scikit-learn 0.0-" in page
    response = client.post(
        "/feedback/new",
        data={
            "text": "Still waiting for the refund I was promised",
            "channel": "ticket",
            "received_on": dt.date.today().isoformat(),
        },
    )
    assert response.status_code == 302
    item = db.session.scalar(select(Feedback).order_by(Feedback.id.desc()).limit(1))
    assert item.text.startswith("Still waiting") and item.theme_id is None and item.sentiment < 0

    assert runner.invoke(args=["voc", "themes", "--k", "3"]).exit_code == 0  # the re-run the banner asks for
    assert "Themes need a re-run" not in client.get("/themes/").get_data(as_text=True)
    client.post(
        "/feedback/new",
        data={
            "text": "Still waiting for the refund I was promised, again",
            "channel": "ticket",
            "received_on": dt.date.today().isoformat(),
        },
    )
    item = db.session.scalar(select(Feedback).order_by(Feedback.id.desc()).limit(1))
    assert item.theme_id == theme_of(made["refund"])
