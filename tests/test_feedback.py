"""Entering feedback by hand, its bad-input rules, and browsing the list."""

import datetime as dt
import html
import re

import pytest
from sqlalchemy import func, select

from tests.factories import make_customer, make_feedback, make_user, sign_in, stage_named
from voc import models
from voc.extensions import db
from voc.models import Customer, Feedback

TODAY = dt.date.today()


@pytest.fixture
def contributor(client, app):
    user = make_user("contributor")
    sign_in(client, user)
    return user


def post_feedback(client, **overrides):
    data = {
        "text": "The smart meter engineer never turned up",
        "channel": "ticket",
        "received_on": TODAY.isoformat(),
        "source": "Zendesk",
        "external_id": "",
        "customer_id": "",
        "stage_id": "",
        "score": "",
        "score_kind": "",
        **overrides,
    }
    return client.post("/feedback/new", data=data, follow_redirects=True)


def count_feedback() -> int:
    return db.session.scalar(select(func.count(Feedback.id)))


def test_feedback_is_stored_with_every_field(client, contributor):
    customer = make_customer(name="Priya Shah")
    action = stage_named("Action")
    response = post_feedback(
        client,
        external_id="ZD-1",
        customer_id=customer.id,
        stage_id=action.id,
        score="3",
        score_kind="csat",
    )
    assert b"Feedback saved." in response.data
    item = db.session.scalar(select(Feedback))
    assert (item.text, item.channel, item.source, item.external_id) == (
        "The smart meter engineer never turned up",
        "ticket",
        "Zendesk",
        "ZD-1",
    )
    assert (item.customer.name, item.stage.name, item.score, item.score_kind) == (
        "Priya Shah",
        "Action",
        3,
        "csat",
    )
    assert item.created_by_id == contributor.id
    assert b"Priya Shah" in response.data and b"CSAT 3" in response.data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": ""}, b"This field is required."),
        ({"text": "   \n  "}, b"Feedback text cannot be empty."),
        ({"text": "x" * 20_001}, b"Keep it under 20,000 characters."),
        ({"received_on": (TODAY + dt.timedelta(days=3)).isoformat()}, b"cannot be in the future"),
        ({"received_on": "31/02/2024"}, b"Not a valid date value."),
        ({"score": "11", "score_kind": "nps"}, b"NPS scores run from 0 to 10."),
        ({"score": "-1", "score_kind": "nps"}, b"NPS scores run from 0 to 10."),
        ({"score": "0", "score_kind": "csat"}, b"CSAT scores run from 1 to 5."),
        ({"score": "7", "score_kind": ""}, b"Give both a score and its kind"),
        ({"stage_id": "9999"}, b"Choose a journey stage that exists and is not retired."),
        ({"stage_id": "abc"}, b"Choose a journey stage from the list."),
        ({"channel": "fax"}, b"Not a valid choice."),
        ({"customer_id": "9999"}, b"That customer does not exist."),
    ],
)
def test_bad_input_is_explained_and_nothing_saved(client, contributor, overrides, message):
    response = post_feedback(client, **overrides)
    assert response.status_code == 200
    assert message in response.data
    assert b'class="error"' in response.data
    assert count_feedback() == 0


def test_retired_stage_is_refused(client, contributor):
    stage = stage_named("Consider")
    stage.retired = True
    db.session.commit()
    response = post_feedback(client, stage_id=stage.id)
    assert b"Choose a journey stage that exists and is not retired." in response.data
    assert count_feedback() == 0


def test_duplicate_source_and_external_id_is_refused(client, contributor):
    make_feedback(source="Zendesk", external_id="ZD-77", text="first")
    response = post_feedback(client, external_id="ZD-77")
    assert b"Zendesk item ZD-77 is already stored." in response.data
    assert count_feedback() == 1


def test_same_external_id_from_another_source_is_fine(client, contributor):
    make_feedback(source="Freshdesk", external_id="77")
    post_feedback(client, external_id="77")
    assert count_feedback() == 2


def test_double_clicked_submit_stores_one_record(client, contributor):
    page = client.get("/feedback/new").get_data(as_text=True)
    key = page.split('name="submission_key" type="hidden" value="')[1].split('"')[0]
    first = post_feedback(client, submission_key=key)
    second = post_feedback(client, submission_key=key)
    assert count_feedback() == 1
    assert b"Feedback saved." in first.data and b"Feedback saved." in second.data


def test_post_redirects_to_the_saved_item(client, contributor):
    response = client.post(
        "/feedback/new",
        data={"text": "Loved the new app", "channel": "review", "received_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/feedback/")


@pytest.mark.parametrize("field", ["text", "source", "external_id"])
def test_html_in_text_fields_is_shown_as_text(client, contributor, field):
    payload = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    response = post_feedback(client, **{"external_id": "ZD-9", field: payload})
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body
    listing = client.get("/feedback/").get_data(as_text=True)
    assert "<script>alert" not in listing


def test_missing_csrf_token_gets_a_clear_400(database_url):
    from tests.conftest import empty_tables, make_app

    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    try:
        client = app.test_client()
        with app.app_context():
            sign_in(client, make_user("contributor"))
        response = client.post(
            "/feedback/new", data={"text": "hi", "channel": "ticket", "received_on": "2024-01-01"}
        )
        assert response.status_code == 400
        assert b"security token was missing" in response.data
        with app.app_context():
            assert count_feedback() == 0
    finally:
        empty_tables(app)


def test_list_is_newest_first_and_paginated(client, app):
    sign_in(client, make_user("viewer"))
    app.config["FEEDBACK_PER_PAGE"] = 2
    for days, text in [(5, "oldest words"), (1, "newest words"), (3, "middle words")]:
        make_feedback(text=text, received_on=TODAY - dt.timedelta(days=days))
    first = client.get("/feedback/").get_data(as_text=True)
    assert first.index("newest words") < first.index("middle words")
    assert "oldest words" not in first and "3 items" in first
    second = client.get(link(first, "next")).get_data(as_text=True)
    assert "oldest words" in second and "newest words" not in second
    assert link(second, "next") is None and link(second, "prev") is not None


def link(page: str, rel: str) -> str | None:
    """The pager's link with this rel, as the browser would follow it."""
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def shown_texts(page: str) -> list[str]:
    return re.findall(r'<p class="text"><a href="[^"]+">([^<]+)</a></p>', page)


def test_keyset_pages_show_every_item_once_while_new_items_arrive(client, app):
    sign_in(client, make_user("viewer"))
    app.config["FEEDBACK_PER_PAGE"] = 4
    # Several items share a day, so the id must break ties for the pages to meet exactly.
    originals = [f"original {n}" for n in range(15)]
    for n, text in enumerate(originals):
        make_feedback(text=text, received_on=TODAY - dt.timedelta(days=n // 3))
    seen, url, arrived = [], "/feedback/", 0
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += shown_texts(page)
        url = link(page, "next")
        # Between two clicks colleagues add items: today's (newer than every page) and one on a day
        # the reader has already passed; neither may push an item onto a second page.
        arrived += 1
        make_feedback(text=f"arrived {arrived}", received_on=TODAY)
        make_feedback(text=f"late {arrived}", received_on=TODAY - dt.timedelta(days=1))
    assert sorted(t for t in seen if t.startswith("original")) == sorted(originals)
    assert len(seen) == len(set(seen))


def test_deep_links_newer_and_oldest_pages(client, app):
    sign_in(client, make_user("viewer"))
    app.config["FEEDBACK_PER_PAGE"] = 2
    items = [make_feedback(text=f"item {n}", received_on=TODAY - dt.timedelta(days=n)) for n in range(5)]
    oldest = client.get("/feedback/?oldest=1").get_data(as_text=True)
    assert shown_texts(oldest) == ["item 3", "item 4"] and link(oldest, "next") is None
    newer = client.get(link(oldest, "prev")).get_data(as_text=True)
    assert shown_texts(newer) == ["item 1", "item 2"]
    # A bookmarked cursor keeps working: the items older than item 1, whatever arrived since.
    make_feedback(text="brand new", received_on=TODAY)
    cursor = f"{items[1].received_on.isoformat()}_{items[1].id}"
    bookmarked = client.get(f"/feedback/?after={cursor}").get_data(as_text=True)
    assert shown_texts(bookmarked) == ["item 2", "item 3"]
    assert shown_texts(client.get(link(bookmarked, "prev")).get_data(as_text=True)) == ["item 0", "item 1"]


@pytest.mark.parametrize(
    "cursor", ["nonsense", "2026-13-40_5", "2020-01-01_0", "2020-01-01_99999999999", "_"]
)
def test_a_broken_cursor_starts_from_the_newest(client, app, cursor):
    sign_in(client, make_user("viewer"))
    make_feedback(text="still listed")
    for name in ("after", "before"):
        response = client.get(f"/feedback/?{name}={cursor}")
        assert response.status_code == 200 and "still listed" in response.get_data(as_text=True)


def test_a_cursor_past_the_end_offers_the_newest(client, app):
    sign_in(client, make_user("viewer"))
    make_feedback(text="only item", received_on=TODAY)
    body = client.get("/feedback/?after=1990-01-01_1").get_data(as_text=True)
    assert "No more feedback this way" in body and 'href="/feedback/">back to the newest' in body


def test_counts_stop_at_the_cap_and_estimate_the_whole_list(client, app, monkeypatch):
    from sqlalchemy import text as sql

    from voc.services import feedback as feedback_service

    sign_in(client, make_user("triager"))
    monkeypatch.setattr(feedback_service, "COUNT_CAP", 3)
    for n in range(5):
        make_feedback(text=f"item {n}", channel="ticket")
    make_feedback(text="the survey one", channel="survey")
    assert "1 item<" in client.get("/feedback/?channel=survey").get_data(as_text=True)
    assert "more than 3 items" in client.get("/feedback/?channel=ticket").get_data(as_text=True)
    whole = client.get("/feedback/").get_data(as_text=True)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sql("ANALYZE feedback"))
        db.session.commit()
        whole = client.get("/feedback/").get_data(as_text=True)
        assert "about 6 items" in whole  # the planner's estimate, not a count
    else:
        assert "more than 3 items" in whole


def test_filters_live_in_the_url_and_combine(client, app):
    sign_in(client, make_user("viewer"))
    alice = make_customer(name="Alice")
    action = stage_named("Action")
    make_feedback(
        text="refund slow",
        channel="ticket",
        stage=action,
        customer=alice,
        received_on=TODAY - dt.timedelta(days=2),
    )
    make_feedback(
        text="refund slow too", channel="survey", stage=action, received_on=TODAY - dt.timedelta(days=2)
    )
    make_feedback(
        text="refund old",
        channel="ticket",
        stage=action,
        customer=alice,
        received_on=TODAY - dt.timedelta(days=40),
    )
    make_feedback(
        text="advert unclear", channel="ticket", customer=alice, received_on=TODAY - dt.timedelta(days=2)
    )
    start = (TODAY - dt.timedelta(days=10)).isoformat()
    url = f"/feedback/?q=REFUND&channel=ticket&stage={action.id}&customer={alice.id}&start={start}"
    body = client.get(url).get_data(as_text=True)
    assert "refund slow" in body and "1 item" in body
    assert "refund slow too" not in body and "refund old" not in body and "advert unclear" not in body
    assert f'value="{start}"' in body  # the form shows the filter it came from


def test_customer_filter_is_a_search_and_a_customer_link_narrows_to_one(client, app):
    sign_in(client, make_user("triager"))  # who may see, and so search, customers' e-mail addresses
    alice = make_customer(name="Alice Marsh", organisation="Harbour Bakery")
    make_customer(name="Bob Stone", email="bob@stone.example")
    for n in range(30):
        make_customer(name=f"Someone {n}")
    make_feedback(text="oven part late", customer=alice, channel="ticket")
    bob = db.session.scalar(select(Customer).filter_by(name="Bob Stone"))
    make_feedback(text="invoice wrong", customer=bob)
    page = client.get("/feedback/").get_data(as_text=True)
    assert "Someone 7" not in page  # no list of every customer in the page
    body = client.get("/feedback/?who=harbour").get_data(as_text=True)
    assert "oven part late" in body and "invoice wrong" not in body and "1 item" in body
    body = client.get("/feedback/?who=STONE.EXAMPLE").get_data(as_text=True)
    assert "invoice wrong" in body and "oven part late" not in body
    body = client.get(f"/feedback/?customer={alice.id}&channel=ticket").get_data(as_text=True)
    chosen = body.split('id="chosen-customer"')[1].split("</p>")[0]
    assert "Alice Marsh" in chosen and 'href="/feedback/?channel=ticket"' in chosen
    assert "oven part late" in body and "invoice wrong" not in body


def test_search_treats_wildcards_literally(client, app):
    sign_in(client, make_user("viewer"))
    make_feedback(text="100% unhappy")
    make_feedback(text="1000 unhappy")
    body = client.get("/feedback/?q=100%25").get_data(as_text=True)
    assert "100% unhappy" in body and "1000 unhappy" not in body


def test_plain_list_shows_no_filter_errors(client, app):
    sign_in(client, make_user("viewer"))
    make_feedback(text="plain item")
    body = client.get("/feedback/").get_data(as_text=True)
    assert "plain item" in body and 'class="error"' not in body


def test_bad_filter_values_do_not_break_the_list(client, app):
    sign_in(client, make_user("viewer"))
    make_feedback(text="still here")
    body = client.get("/feedback/?stage=abc&start=nonsense&page=zz&customer=';--").get_data(as_text=True)
    assert "still here" in body


def test_channels_are_the_documented_six():
    assert models.CHANNELS == ("survey", "ticket", "interview", "review", "social", "other")
