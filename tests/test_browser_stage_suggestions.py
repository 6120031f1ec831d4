"""A triager accepts the suggested stages of a theme and sees the dashboard's stage column take them in."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_user
from voc.extensions import db
from voc.models import Feedback
from voc.services import demo, themes

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_app(database_url):
    """The demo company (a few items arrive without a stage) with its themes and suggestions found."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("triager", email="tess@example.com", name="Tess Triager")
        demo.load_demo(dt.date.today())
        themes.run_now(None)
    yield app
    empty_tables(app)


def test_accepting_a_themes_suggested_stages_moves_them_into_the_stage_column(demo_app):
    with demo_app.app_context():
        # The theme with the most open suggestions in the last 90 days, and the stage most of them got.
        theme_id, stage_id, expected = db.session.execute(
            select(Feedback.theme_id, Feedback.suggested_stage_id, func.count())
            .where(
                Feedback.stage_id.is_(None),
                Feedback.suggested_stage_id.is_not(None),
                Feedback.theme_id.is_not(None),
                Feedback.received_on > dt.date.today() - dt.timedelta(days=90),
            )
            .group_by(Feedback.theme_id, Feedback.suggested_stage_id)
            .order_by(func.count().desc(), Feedback.theme_id, Feedback.suggested_stage_id)
        ).first()

    with live_server(demo_app) as base, chromium_page() as page:
        sign_in(page, base, "tess@example.com")

        def column() -> tuple[int, int]:
            """Confirmed and suggested items in the stage's column over the last 90 days."""
            page.goto(base + "/?period=90")
            suggested = page.locator(f"[data-figure=suggested-{stage_id}]")
            return (
                int(page.inner_text(f"[data-figure=volume-{stage_id}]")),
                int(suggested.inner_text()) if suggested.count() else 0,
            )

        confirmed, suggested = column()
        assert suggested >= expected > 0
        assert (
            page.locator("section.stage-column .suggested-share .hint").first.inner_text()
            == "suggested, not yet confirmed"
        )

        page.goto(f"{base}/themes/{theme_id}")
        page.get_by_role("button", name="Accept the suggested stages").click()
        page.wait_for_selector("text=Suggested stage confirmed on")
        assert page.locator("#accept-stages").count() == 0

        after_confirmed, after_suggested = column()
        assert after_confirmed - confirmed == suggested - after_suggested >= expected
