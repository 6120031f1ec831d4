"""Picking one customer among thousands: suggestions as you type, chosen with the keyboard."""

import pytest
from sqlalchemy import select

from tests.browser import chromium_page, live_server, pick_customer, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_customer, make_user
from voc.extensions import db
from voc.models import Feedback

pytestmark = pytest.mark.browser


@pytest.fixture
def csrf_app(database_url):
    """The app as users get it (CSRF on), with namesakes and more customers than one answer lists."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("contributor", email="desk@example.com", name="Dana Desk")
        for n in range(25):
            make_customer(name=f"Hopkins {n:02}")
        make_customer(name="Grace Hopper", organisation="US Navy")
        make_customer(name="Grace Hopper", organisation="Hopper Bakery")
    yield app
    empty_tables(app)


def test_type_part_of_a_name_and_pick_a_namesake_with_the_keyboard(csrf_app):
    with live_server(csrf_app) as base, chromium_page() as page:
        sign_in(page, base, "desk@example.com")
        page.wait_for_selector("h1:has-text('Feedback')")
        page.goto(base + "/feedback/new")
        assert page.locator("#customer option").count() == 0  # no list of every customer in the page

        page.type("#customer", "hop")
        page.wait_for_selector("[role=listbox] >> text=More match: type more of the name.")
        assert page.locator("[role=option]").count() == 10
        page.keyboard.press("Escape")
        assert page.get_attribute("#customer", "aria-expanded") == "false"

        pick_customer(page, "grace", "Grace Hopper (Hopper Bakery)")
        page.fill("#text", "The bread van came twice")
        page.get_by_role("button", name="Save feedback").click()
        page.wait_for_selector("text=Feedback saved.")
        assert "Grace Hopper" in page.inner_text("main")

    with csrf_app.app_context():
        item = db.session.scalar(select(Feedback))
        assert (item.customer.name, item.customer.organisation) == ("Grace Hopper", "Hopper Bakery")
