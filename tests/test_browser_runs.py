"""A triager presses "Find themes" while the queue is down, reads why, and retries once it is back."""

import re

import pytest

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import REDIS_DOWN, add_items, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def queue_down_app(database_url):
    """The app as users get it (CSRF on), its Redis not answering."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False, REDIS_URL=REDIS_DOWN)
    with app.app_context():
        make_user("triager", email="triage@example.com")
        add_items(3)
    yield app
    empty_tables(app)


def test_a_run_refused_by_a_down_queue_is_retried_from_the_themes_page(queue_down_app):
    with live_server(queue_down_app) as base, chromium_page() as page:
        sign_in(page, base, "triage@example.com")
        page.goto(base + "/themes/")
        page.fill("#k", "3")
        page.get_by_role("button", name="Find themes").click()
        alert = page.get_by_role("alert").inner_text()
        failed = int(re.search(r"run #(\d+) could not start and nothing is running\.", alert).group(1))
        assert "The job queue is not answering" in alert
        assert f"Run #{failed}: failed — Could not be queued: Redis at" in page.inner_text("main")
        # Redis is back (here: the embedded set-up, which runs the job at once).
        queue_down_app.config.update(REDIS_URL=None, JOBS_INLINE=True)
        page.get_by_role("button", name=f"Retry run #{failed}").click()
        retried = int(re.search(r"Theme run #(\d+)", page.inner_text("h1")).group(1))
        assert f"Run #{failed} is being tried again as run #{retried}." in page.inner_text("main")
        assert f"Run #{retried}: done" in page.inner_text("#run-status")
