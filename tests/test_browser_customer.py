"""A product owner opens a customer: who, consent, scores, themes, hits, follow-ups and the timeline."""

import datetime as dt

import pytest

from tests.browser import WIDTHS, chromium_page, live_server, screenshot, sign_in, too_wide
from tests.conftest import empty_tables, make_app
from tests.factories import make_customer, make_feedback, make_hit, make_user
from voc.extensions import db
from voc.models import Theme
from voc.services import hits

pytestmark = pytest.mark.browser
TODAY = dt.date.today()


@pytest.fixture
def customer_app(database_url):
    """The app as users get it (CSRF on); Dana raised a hit that is now done."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        triager = make_user("triager", email="tri@example.com", name="Tess Triager")
        dana = make_customer(name="Dana Cole", organisation="Northwind", segment="SMB", consent_contact=True)
        refunds = Theme(label="refund", name="Refunds")
        db.session.add(refunds)
        db.session.commit()
        make_feedback(
            customer=dana,
            text="Refund took weeks",
            theme_id=refunds.id,
            score=3,
            score_kind="nps",
            channel="survey",
            received_on=TODAY - dt.timedelta(days=40),
        )
        make_feedback(
            customer=dana,
            text="Refund arrived at last",
            theme_id=refunds.id,
            channel="ticket",
            received_on=TODAY - dt.timedelta(days=5),
        )
        hit = make_hit(triager, theme_ids=[refunds.id], title="Refunds in a week")
        hits.set_status(hit.id, "done", "", hit.version, triager.id)
        app.config["IDS"] = (dana.id, hit.id)
    yield app
    empty_tables(app)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_customer_page_tells_the_whole_story_and_leads_to_a_follow_up(customer_app, database_url, width):
    dana, hit = customer_app.config["IDS"]
    with live_server(customer_app) as base, chromium_page() as page:
        page.set_viewport_size({"width": width, "height": 900})
        sign_in(page, base, "tri@example.com")
        page.goto(f"{base}/customers/{dana}")
        assert page.inner_text("#consent-contact").startswith("May be contacted: Yes. Staff may get in touch")
        assert page.inner_text("#consent-quote").startswith("May be quoted: No. Their words stay inside voc")
        assert page.locator("#scores tbody tr").all_inner_texts()[0].split()[-2:] == ["3", "survey"]
        assert page.inner_text("#customer-themes") == "Refunds 2 items"
        assert "Refunds in a week" in page.inner_text("#customer-hits")
        assert page.locator(".timeline .entry").count() == 2
        assert too_wide(page) == []
        screenshot(page, f"customer-{width}", database_url)

        page.get_by_role("link", name="Follow up on “Refunds in a week”").click()
        assert page.locator("#customer_id option:checked").inner_text() == "Dana Cole"
        page.select_option("#method", "call")
        page.fill("#note", "Rang Dana: refunds now take a week.")
        page.get_by_role("button", name="Record follow-up").click()
        page.wait_for_selector("text=Follow-up with Dana Cole recorded.")
        page.goto(f"{base}/customers/{dana}")
        assert "Rang Dana: refunds now take a week." in page.inner_text("#customer-follow-ups")
