"""Each theme's distinct customers are kept (runs, moves, merges, splits), and stay true between runs."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.factories import make_customer, make_feedback, make_theme, make_user, sign_in
from voc.extensions import db
from voc.models import Feedback, Theme
from voc.services import corrections, themes
from voc.services.audit import Actor

TOPICS = {
    "refund": ["still waiting for my refund after {n} weeks", "the refund for my closed account never came"],
    "login": ["the app logs me out every time I open it", "cannot log in to the app after {n} minutes"],
    "meter": ["smart meter installation was cancelled {n} times", "engineer never installed the smart meter"],
}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def true_customers() -> dict[int, int]:
    """Distinct customers per live theme counted from the items (a parent: its live children's)."""
    live = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.retired.is_(False)))}
    counted = {}
    for theme in live.values():
        members = [c.id for c in live.values() if c.parent_id == theme.id] if theme.is_parent else [theme.id]
        counted[theme.id] = db.session.scalar(
            select(func.count(Feedback.customer_id.distinct())).where(Feedback.theme_id.in_(members))
        )
    return counted


def kept_customers() -> dict[int, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(Theme.id, Theme.customers).where(Theme.retired.is_(False))).all())


def shown_customers() -> dict[int, int]:
    """Customers per theme and parent as the themes page ranks them (a theme with no items is not shown)."""
    shown = {}
    for group in themes.grouped_themes(themes.ranked_themes()):
        shown[group.evidence.theme.id] = group.evidence.customers
        shown.update({child.theme.id: child.customers for child in group.children})
    return shown


def assert_true() -> None:
    """The kept counts are the items' own, and the themes page shows them."""
    kept = kept_customers()
    assert kept == true_customers()
    assert shown_customers().items() <= kept.items()


@pytest.fixture
def family(app):
    """Parent "Money" over Refunds (Ann twice, Bo) and Billing (Cy); Delivery (Ann) on its own."""
    money = make_theme("money", is_parent=True)
    refunds = make_theme("refunds", parent_id=money.id)
    billing = make_theme("billing", parent_id=money.id)
    delivery = make_theme("delivery")
    ann, bo, cy = make_customer(name="Ann"), make_customer(name="Bo"), make_customer(name="Cy")
    items = {
        "ann refund 1": make_feedback(theme_id=refunds.id, customer=ann),
        "ann refund 2": make_feedback(theme_id=refunds.id, customer=ann),
        "bo refund": make_feedback(theme_id=refunds.id, customer=bo),
        "cy bill": make_feedback(theme_id=billing.id, customer=cy),
        "ann parcel": make_feedback(theme_id=delivery.id, customer=ann),
        "nobody's refund": make_feedback(theme_id=refunds.id, customer=None),
    }
    themes.refresh_sizes()
    db.session.commit()
    return {"money": money.id, "refunds": refunds.id, "billing": billing.id, "delivery": delivery.id}, {
        name: item.id for name, item in items.items()
    }


def test_counts_kept_match_the_items_and_the_page(family):
    ids, _ = family
    assert_true()
    assert kept_customers()[ids["refunds"]] == 2 and kept_customers()[ids["money"]] == 3


def test_moves_keep_counts_true(family):
    ids, items = family
    themes.move_item(items["ann refund 1"], ids["billing"])  # Ann still has a refund: Refunds keeps her
    assert_true()
    assert kept_customers()[ids["refunds"]] == 2 and kept_customers()[ids["billing"]] == 2
    themes.move_item(items["ann refund 2"], ids["delivery"])  # Ann leaves Refunds; Money keeps her (Billing)
    assert_true()
    assert kept_customers()[ids["refunds"]] == 1 and kept_customers()[ids["money"]] == 3
    themes.move_item(items["cy bill"], None)  # Cy leaves Billing and Money
    themes.move_item(items["nobody's refund"], ids["delivery"])  # no customer: no count moves
    themes.move_items(ids["refunds"], [items["bo refund"]], ids["delivery"])
    assert_true()
    assert kept_customers()[ids["delivery"]] == 2 and kept_customers()[ids["money"]] == 1


def test_moving_ticked_items_on_the_theme_page_updates_the_customers_shown(client, family):
    ids, items = family
    sign_in(client, make_user("triager"))
    client.post(
        f"/themes/{ids['refunds']}/move",
        data={"item_ids": [items["ann refund 1"], items["ann refund 2"]], "theme": ids["delivery"]},
    )
    assert_true()
    assert kept_customers()[ids["refunds"]] == 1 and kept_customers()[ids["delivery"]] == 1
    page = client.get(f"/themes/{ids['money']}").get_data(as_text=True)
    assert "from 2 customers" in page


def test_merge_and_split_keep_counts_true(family):
    ids, items = family
    themes.merge_themes(ids["delivery"], ids["refunds"])  # Ann is in both: counted once
    assert_true()
    assert kept_customers()[ids["refunds"]] == 2 and kept_customers()[ids["money"]] == 3
    new = themes.split_theme(ids["refunds"], [items["ann parcel"], items["bo refund"]], "Split off")
    assert_true()
    assert kept_customers()[new.id] == 2 and kept_customers()[ids["refunds"]] == 1


def test_a_run_counts_customers_and_a_later_move_keeps_them(app):
    people = [make_customer(name=f"Person {n}") for n in range(12)]
    for index in range(60):
        topic = list(TOPICS)[index % 3]
        make_feedback(
            text=f"{TOPICS[topic][index % 2].format(n=index % 7 + 2)} on {DAYS[index % 6]} ({index})",
            customer=people[index % 12],
            received_on=dt.date.today() - dt.timedelta(days=index % 20),
        )
    run = themes.run_now(None, k=3)
    assert run.status == "done", run.message
    assert_true()
    found = kept_customers()
    assert sorted(found.values()) == [4, 4, 4]  # every third person writes about each topic
    item = db.session.scalar(select(Feedback).order_by(Feedback.id).limit(1))
    elsewhere = next(theme_id for theme_id in found if theme_id != item.theme_id)
    themes.move_item(item.id, elsewhere)
    assert_true()
    assert kept_customers()[elsewhere] == 5


def test_deleting_items_and_correcting_an_items_customer_keep_counts_true(family):
    ids, items = family
    item = db.session.get(Feedback, items["bo refund"])
    cy = db.session.scalar(select(Feedback.customer_id).where(Feedback.id == items["cy bill"]))
    edit = corrections.FeedbackEdit(item.channel, item.received_on, cy, item.stage_id)
    corrections.edit_feedback(item.id, edit, Actor(None), may_edit_text=False)  # Bo's refund was Cy's
    assert_true()
    assert kept_customers()[ids["refunds"]] == 2 and kept_customers()[ids["money"]] == 2
    corrections.remove_items([items["ann refund 1"], items["ann refund 2"]], None, "test")
    db.session.commit()
    assert_true()
    assert kept_customers()[ids["refunds"]] == 1 and kept_customers()[ids["money"]] == 1
