"""A customer answers a survey on a phone; a manager then finds the answer on the dashboard in its stage."""

import re

import pytest

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_user, stage_named
from voc.services import surveys

pytestmark = pytest.mark.browser


@pytest.fixture
def survey_app(database_url):
    """The app as users get it (CSRF on), with one NPS survey about the Consider stage."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("viewer", email="manager@example.com", name="Mona Manager")
        survey = surveys.create_survey(
            surveys.SurveyInput(
                title="How was signing up?",
                questions=["What nearly stopped you?", "What helped?"],
                thanks_name="Ana from Sales",
                thanks_text="I read every answer myself on Fridays.",
                score_kind="nps",
                stage_id=stage_named("Consider").id,
            ),
            None,
        )
        token, stage_id = survey.token, survey.stage_id
    yield app, token, stage_id
    empty_tables(app)


def test_a_survey_answered_at_390_px_shows_on_the_dashboard_in_its_stage(survey_app):
    app, token, stage_id = survey_app
    with live_server(app) as base, chromium_page() as page:
        errors = []
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{base}/s/{token}")
        assert page.locator("h1").inner_text() == "How was signing up?"
        # Nothing sideways to scroll on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # The e-mail field shows only once contact is allowed, and both consents start unticked.
        email = page.get_by_label("Your e-mail address")
        assert not email.is_visible()
        assert not page.get_by_label(re.compile("You may quote me")).is_checked()
        page.get_by_label(re.compile("You may contact me")).check()
        assert email.is_visible()
        email.fill("sam@example.com")
        page.get_by_label(re.compile("You may quote me")).check()
        page.get_by_role("radio", name="10").check()
        page.get_by_label("What nearly stopped you?").fill("The plan comparison table was hard to read.")
        page.get_by_label("What helped?").fill("The chat answered within a minute.")
        page.get_by_role("button", name="Send my answers").click()
        page.wait_for_selector("h1:has-text('Thank you')")
        assert "I read every answer myself on Fridays." in page.inner_text("main")
        assert "Ana from Sales" in page.inner_text("main")

        page.set_viewport_size({"width": 1280, "height": 900})
        sign_in(page, base, "manager@example.com")
        page.wait_for_selector("h1:has-text('Feedback by journey stage')")
        column = page.locator("section.stage-column", has=page.locator("h2", has_text="Consider"))
        volume = column.locator(f"[data-figure=volume-{stage_id}]")
        assert volume.inner_text() == "2"
        # One respondent, two answers: NPS counts them once.
        assert "NPS +100" in column.inner_text() and "of 1 answer," in column.inner_text()
        volume.click()
        page.wait_for_selector("h1:has-text('Feedback')")
        texts = page.locator(".item .text").all_inner_texts()
        assert sorted(texts) == [
            "The chat answered within a minute.",
            "The plan comparison table was hard to read.",
        ]
        assert page.locator(".item .tag.stage").all_inner_texts() == ["Consider", "Consider"]
        assert errors == []
