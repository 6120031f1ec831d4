"""The theme page's bulk actions: one "Move to…" for every ticked item, and a merge confirmed first."""

import re

import pytest

from tests.factories import make_feedback, make_user, sign_in
from voc.extensions import db
from voc.models import Feedback, Theme
from voc.services import themes


@pytest.fixture
def two_themes(app, client):
    """ "Refunds" with three items and "Delivery" with one, and a triager signed in."""
    refunds = Theme(label="refund slow", name="Refunds")
    delivery = Theme(label="late parcel", name="Delivery")
    db.session.add_all([refunds, delivery])
    db.session.commit()
    items = [make_feedback(theme_id=refunds.id, text=f"Refund {n} took weeks") for n in range(3)]
    make_feedback(theme_id=delivery.id, text="The parcel came late")
    themes.refresh_sizes()
    db.session.commit()
    sign_in(client, make_user("triager"))
    return refunds.id, delivery.id, [item.id for item in items]


def test_ticked_items_move_to_one_theme_in_one_go(client, two_themes):
    refunds, delivery, items = two_themes
    page = client.get(f"/themes/{refunds}").get_data(as_text=True)
    menu = re.search(r'<select id="move-to" name="theme">.*?</select>', page, re.S).group(0)
    assert re.search(r'<option selected value="">Choose a theme…</option>', menu)  # starts on no theme
    assert 'value="unthemed">Unthemed' in menu and f'value="{delivery}">Delivery' in menu
    assert f'value="{refunds}"' not in menu
    assert page.count('name="item_ids"') == 3 and "Move and pin" not in page  # no menu per item

    done = client.post(
        f"/themes/{refunds}/move", data={"item_ids": items[:2], "theme": delivery}, follow_redirects=True
    ).get_data(as_text=True)
    assert "2 items moved to “Delivery” and pinned there." in done
    moved = [db.session.get(Feedback, i) for i in items]
    assert [(f.theme_id, f.theme_pinned) for f in moved] == [
        (delivery, True),
        (delivery, True),
        (refunds, False),
    ]
    assert (db.session.get(Theme, refunds).size, db.session.get(Theme, delivery).size) == (1, 3)


def test_ticked_items_can_go_to_unthemed(client, two_themes):
    refunds, _, items = two_themes
    done = client.post(
        f"/themes/{refunds}/move", data={"item_ids": items[:1], "theme": "unthemed"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "1 item moved to Unthemed and pinned there." in done
    assert db.session.get(Feedback, items[0]).theme_id is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"item_ids": "ticked", "theme": ""}, "Choose where to move the ticked items."),
        ({"theme": "delivery"}, "Tick at least one item of this theme to move."),
        ({"item_ids": "ticked", "theme": "refunds"}, "They are in this theme already; choose another one."),
    ],
)
def test_a_refused_move_says_why_keeps_the_ticks_and_moves_nothing(client, two_themes, data, message):
    refunds, delivery, items = two_themes
    values = {"ticked": items[:2], "delivery": delivery, "refunds": refunds}
    sent = {key: values.get(value, value) for key, value in data.items()}
    refused = client.post(f"/themes/{refunds}/move", data=sent)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and f'role="alert">{message}</p>' in page
    if "item_ids" in sent:
        assert all(re.search(rf'value="{i}" form="pick" checked', page) for i in items[:2])
    assert {db.session.get(Feedback, i).theme_id for i in items} == {refunds}


def test_merge_shows_both_themes_and_sizes_and_changes_nothing_until_confirmed(client, two_themes):
    refunds, delivery, items = two_themes
    page = client.get(f"/themes/{refunds}").get_data(as_text=True)
    merge = re.search(r'<select[^>]*name="into".*?</select>', page, re.S).group(0)
    assert re.search(r'<option selected value="">Choose a theme…</option>', merge)

    asked = client.post(f"/themes/{refunds}/merge", data={"into": delivery}).get_data(as_text=True)
    summary = re.sub(r"<[^>]+>|\s+", " ", re.search(r'id="merge-summary">(.*?)</p>', asked, re.S).group(1))
    assert " ".join(summary.split()) == "Merge “Refunds” (3 items) into “Delivery” (1 item)?"
    assert not db.session.get(Theme, refunds).retired  # asking changed nothing

    done = client.post(
        f"/themes/{refunds}/merge", data={"into": delivery, "confirmed": "yes"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Themes merged" in done
    assert db.session.get(Theme, refunds).retired and db.session.get(Theme, delivery).size == 4


def test_merge_with_no_theme_chosen_says_so(client, two_themes):
    refunds, _, _ = two_themes
    refused = client.post(f"/themes/{refunds}/merge", data={"into": ""}).get_data(as_text=True)
    assert 'role="alert">Choose the theme to merge into.</p>' in refused
    assert not db.session.get(Theme, refunds).retired


def test_a_move_to_a_theme_that_does_not_exist_is_a_404_and_moves_nothing(client, two_themes):
    refunds, _, items = two_themes
    refused = client.post(f"/themes/{refunds}/move", data={"item_ids": items[:2], "theme": "999999"})
    assert refused.status_code == 404  # as every missing record is (the app's 404 page)
    assert {db.session.get(Feedback, i).theme_id for i in items} == {refunds}
