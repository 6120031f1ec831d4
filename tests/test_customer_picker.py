"""Customer pickers that never list everyone: a small JSON search, and without script a plain search field."""

import datetime as dt
import html
import re

import pytest
from sqlalchemy import select

from tests.factories import make_customer, make_feedback, make_user, sign_in
from voc.extensions import db
from voc.models import Feedback

TODAY = dt.date.today()


def picked(client, q: str, **args) -> dict:
    response = client.get("/customers/pick", query_string={"q": q, **args})
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_pick_answers_a_few_matches_by_name_and_pages_on(client, app):
    sign_in(client, make_user("contributor"))
    for n in range(12):
        make_customer(name=f"ann {n:02}" if n % 2 else f"Ann {n:02}", organisation="Acme" if n == 0 else None)
    make_customer(name="Bob Brown")
    first = picked(client, "ANN")
    assert [c["label"] for c in first["customers"]][:2] == ["Ann 00 (Acme)", "ann 01"]
    assert len(first["customers"]) == 10 and first["more"] is True
    rest = picked(client, "ann", after=first["customers"][-1]["id"])
    assert [c["label"] for c in rest["customers"]] == ["Ann 10", "ann 11"] and rest["more"] is False
    assert picked(client, "zzz") == {"customers": [], "more": False}


@pytest.mark.parametrize(("role", "found"), [("contributor", []), ("triager", ["Quiet Person"])])
def test_pick_finds_by_email_only_for_those_who_may_see_addresses(client, app, role, found):
    make_customer(name="Quiet Person", email="secret.person@example.com")
    sign_in(client, make_user(role))
    assert [c["label"] for c in picked(client, "secret.person")["customers"]] == found
    assert "secret" not in str(picked(client, "quiet"))  # the answer never carries addresses


def post_feedback(client, **fields):
    data = {
        "text": "The van was late",
        "channel": "ticket",
        "received_on": TODAY.isoformat(),
        "stage_id": "",
        "score": "",
        "score_kind": "",
        **fields,
    }
    return client.post("/feedback/new", data=data, follow_redirects=True).get_data(as_text=True)


def stored_customer():
    item = db.session.scalar(select(Feedback).order_by(Feedback.id.desc()))
    return item and item.customer


def test_without_script_the_typed_words_name_the_customer(client, app):
    sign_in(client, make_user("contributor"))
    archer = make_customer(name="Ann Archer", organisation="Archer Farms")
    body = post_feedback(client, customer="archer farms")
    assert "Feedback saved." in body and stored_customer() == archer


def test_words_naming_several_offer_them_to_choose_and_save_nothing(client, app):
    sign_in(client, make_user("contributor"))
    make_customer(name="Ann Archer")
    bakery = make_customer(name="Ann Baker", organisation="Bakery")
    body = post_feedback(client, customer="ann")
    assert "Several customers match “ann”; choose one." in body
    assert f'type="radio" name="customer_id" value="{bakery.id}"' in body and "Ann Baker (Bakery)" in body
    assert db.session.scalar(select(Feedback)) is None
    # The radio button chosen, the same words sent again: that one.
    body = post_feedback(client, customer="ann", customer_id=str(bakery.id))
    assert "Feedback saved." in body and stored_customer() == bakery


@pytest.mark.parametrize("words", ["nobody here", "%", "_"])
def test_words_naming_nobody_are_refused_with_the_words(client, app, words):
    sign_in(client, make_user("contributor"))
    make_customer(name="Ann Archer")
    body = post_feedback(client, customer=words)
    assert html.escape(f"No customer matches “{words}”", quote=False) in body
    assert db.session.scalar(select(Feedback)) is None
    assert f'value="{html.escape(words)}"' in body  # what was typed stays in the field


def test_a_stale_chosen_id_loses_to_the_words_typed_after_it(client, app):
    sign_in(client, make_user("contributor"))
    ann, bob = make_customer(name="Ann Archer"), make_customer(name="Bob Brown")
    body = post_feedback(client, customer="bob", customer_id=str(ann.id))
    assert "Feedback saved." in body and stored_customer() == bob


def test_edit_form_shows_the_customer_and_an_emptied_field_removes_them(client, app):
    sign_in(client, make_user("contributor"))
    ann = make_customer(name="Ann Archer", organisation="Archer Farms")
    item = make_feedback(customer=ann, text="Late van")
    page = client.get(f"/feedback/{item.id}/edit").get_data(as_text=True)
    assert re.search(r'<input [^>]*id="customer" [^>]*value="Ann Archer \(Archer Farms\)"', page)
    assert f'name="customer_id" type="hidden" value="{ann.id}"' in page
    assert "<option" not in page.split('id="customer"')[1].split("</div>")[0]
    form = {
        "channel": "survey",
        "received_on": item.received_on.isoformat(),
        "stage_id": "",
        "score": "",
        "score_kind": "",
    }
    # Sent back untouched (the label, with or without the id) it keeps the customer.
    client.post(f"/feedback/{item.id}/edit", data={**form, "customer": "Ann Archer (Archer Farms)"})
    db.session.refresh(item)
    assert item.customer_id == ann.id
    client.post(f"/feedback/{item.id}/edit", data={**form, "customer": "", "customer_id": str(ann.id)})
    db.session.refresh(item)
    assert item.customer_id is None


def test_interview_form_starts_on_the_linked_customer(client, app):
    sign_in(client, make_user("contributor"))
    ann = make_customer(name="Ann Archer")
    page = client.get(f"/interviews/new?customer={ann.id}").get_data(as_text=True)
    assert 'value="Ann Archer"' in page and f'name="customer_id" type="hidden" value="{ann.id}"' in page
    stale = client.get("/interviews/new?customer=99999").get_data(as_text=True)
    assert 'name="customer_id" type="hidden" value=""' in stale


def test_customers_page_pages_by_name(client, app):
    sign_in(client, make_user("viewer"))
    app.config["CUSTOMERS_PER_PAGE"] = 2
    names = ["delta", "Alpha", "charlie", "Bravo", "echo"]
    people = {name: make_customer(name=name) for name in names}
    make_feedback(customer=people["charlie"])
    seen, url = [], "/customers/"
    while url:
        page = client.get(url).get_data(as_text=True)
        rows = re.findall(r'<td><a href="/customers/\d+">([^<]+)</a></td>', page)
        assert 0 < len(rows) <= 2
        if "charlie" in rows:
            assert '<td class="num">1</td>' in page
        seen += rows
        found = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = html.unescape(found.group(1)) if found else None
    assert seen == ["Alpha", "Bravo", "charlie", "delta", "echo"]
