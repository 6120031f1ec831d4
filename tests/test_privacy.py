"""Customers' privacy: consent, masked personal data with logged reveals, erasure and retention."""

import csv
import datetime as dt
import io
import threading

import pytest
from sqlalchemy import func, select

from tests.factories import api_headers, make_customer, make_feedback, make_user, sign_in, stage_named
from voc import create_app, pii
from voc.extensions import db
from voc.models import AuditEvent, Customer, Feedback, FollowUp, Interview, Theme
from voc.services import audit, hits, privacy, themes

TODAY = dt.date.today()
CARD = "4111 1111 1111 1111"  # a test Visa number: passes the Luhn check
PRIVATE = f"Mail jo.bloggs+voc@mail.example.co.uk or ring 07700 900123; card {CARD}."


# ----- the pure core: finding and masking -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("write to jo.bloggs+voc@mail.example.co.uk today", "write to [email removed] today"),
        ("ring 07700 900123 after six", "ring [phone removed] after six"),
        ("call +44 (0)20 7946 0018", "call [phone removed]"),
        ("US office (555) 123-4567.", "US office [phone removed]."),
        ("+33 1 23 45 67 89", "[phone removed]"),
        (f"my card {CARD} was charged", "my card [card number removed] was charged"),
        ("card 4111-1111-1111-1111", "card [card number removed]"),
        ("4111111111111111", "[card number removed]"),
    ],
)
def test_personal_data_is_masked(text, masked):
    assert pii.mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Order 12345678 arrived on 2024-01-02 at 10:30 and cost 1,234.56",
        "ticket #4521, 3.5 kWh over 12 months, 15000 then 20000 a year in 2023 2024",
        "card 4111 1111 1111 1112 fails the Luhn check",
        "1234 5678 9012 3456 7890",  # 20 digits: too long for a card or a phone
        "ref 1234567",
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    assert pii.mask(text) == text


def test_no_demo_feedback_is_masked_though_89_items_hold_prices_readings_or_account_numbers():
    from voc.demo import build_demo

    demo = build_demo(7)
    texts = [f.text for f in demo.feedback] + [q.text for i in demo.interviews for q in i.quotes]
    assert sum(any(c.isdigit() for c in t) for t in texts) > 80
    assert [t for t in texts if pii.find(t)] == []


def test_spans_are_ordered_and_do_not_overlap():
    spans = pii.find("a 0123456789@example.com b 07700 900123")
    assert [s.kind for s in spans] == ["email", "phone"]
    assert spans[0].end <= spans[1].start


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111111111111111", True),
        ("5555555555554444", True),
        ("378282246310005", True),
        ("4111111111111112", False),
        ("1234567812345678", False),
    ],
)
def test_luhn(number, valid):
    assert pii.luhn_valid(number) is valid


# ----- pages: masked for everyone, revealed on request and logged -------------------------


@pytest.fixture
def private_item(app):
    customer = make_customer(name="Jo Bloggs", consent_quote=True)
    return make_feedback(text=PRIVATE, customer=customer)


@pytest.mark.parametrize("role", ["viewer", "contributor", "triager", "admin"])
def test_every_role_sees_feedback_masked(client, private_item, role):
    sign_in(client, make_user(role))
    pages = ["/feedback/", f"/feedback/{private_item.id}", f"/customers/{private_item.customer_id}"]
    for path in pages:
        body = client.get(path).get_data(as_text=True)
        assert "[email removed]" in body and "[phone removed]" in body, path
        assert "jo.bloggs" not in body and "900123" not in body and "1111 1111" not in body, path
    page = client.get(f"/feedback/{private_item.id}").get_data(as_text=True)
    assert (">Reveal</button>" in page) == (role in ("triager", "admin"))


def test_theme_and_hit_pages_mask_feedback_text(client, private_item):
    sign_in(client, make_user("viewer"))
    theme = Theme(label="billing", quote_ids=[private_item.id])
    db.session.add(theme)
    db.session.flush()
    private_item.theme_id = theme.id
    db.session.commit()
    hit = hits.create_hit(
        hits.HitInput(
            title="Bills",
            stage_id=stage_named("Action").id,
            horizon="this month",
            kind="quick fix",
            impact=3,
            confidence=80,
            effort=1.0,
        ),
        None,
        (),
        (private_item.id,),
    )
    for path in (f"/themes/{theme.id}", f"/hits/{hit.id}"):
        body = client.get(path).get_data(as_text=True)
        assert "[email removed]" in body and "jo.bloggs" not in body, path


def test_triager_reveals_the_original_and_the_reveal_is_logged(client, private_item):
    triager = make_user("triager", name="Tara")
    sign_in(client, triager)
    response = client.post(f"/feedback/{private_item.id}/reveal")
    body = response.get_data(as_text=True)
    assert "jo.bloggs+voc@mail.example.co.uk" in body and "07700 900123" in body and CARD in body
    assert "recorded in the audit log" in body
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.user_id, event.target_type, event.target_id) == (
        "reveal",
        triager.id,
        "feedback",
        private_item.id,
    )
    assert "jo.bloggs" not in event.detail and event.detail == "3 masked values"
    # The next plain visit is masked again.
    assert "jo.bloggs" not in client.get(f"/feedback/{private_item.id}").get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "contributor"])
def test_viewers_and_contributors_cannot_reveal(client, private_item, role):
    sign_in(client, make_user(role))
    response = client.post(f"/feedback/{private_item.id}/reveal")
    assert response.status_code == 403 and "jo.bloggs" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_revealing_a_missing_item_is_not_found(client, app):
    sign_in(client, make_user("admin"))
    assert client.post("/feedback/999/reveal").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_search_finds_only_what_the_page_shows_not_masked_data(client, app, role):
    user = make_user(role)
    sign_in(client, user)
    headers = api_headers(user)
    make_feedback(text=PRIVATE)
    make_feedback(text="An example of a slow bill")
    make_feedback(text="Ring me on 0800 123 4567 about the bill")  # nine digits? ten: a phone

    def found(needle: str) -> tuple[list[str], list[str]]:
        page = client.get("/feedback/", query_string={"q": needle}).get_data(as_text=True)
        on_page = sorted(text for text in ("Mail ", "An example", "Ring me") if text in page)
        api = client.get("/api/v1/feedback", query_string={"q": needle}, headers=headers).json["items"]
        return on_page, sorted(item["text"].split()[0] for item in api)

    for needle in ("jo.bloggs", "example.co.uk", "@mail", "07700 900123", "900123", "4111 1111", "0800 123"):
        assert found(needle) == ([], []), needle
    assert found("example") == (["An example"], ["An"])
    assert found("bill") == (["An example", "Ring me"], ["An", "Ring"])
    assert found("or ring") == (["Mail "], ["Mail"])  # words outside the masked data still match
    # The list checks only the rows it shows and counts, and its count leaves the masked match out too.
    assert "0 items" in client.get("/feedback/", query_string={"q": "jo.bloggs"}).get_data(as_text=True)
    assert "2 items" in client.get("/feedback/", query_string={"q": "bill"}).get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("viewer", False),
        ("contributor", False),
        ("triager", True),
        ("admin", True),
    ],
)
def test_only_those_who_follow_up_see_or_search_customers_contact_details(client, app, role, sees):
    dee = make_customer(name="Dee Doe", email="dee@example.com", consent_contact=True)
    make_feedback(text="Slow refund", customer=dee)
    user = make_user(role)
    sign_in(client, user)
    page = client.get(f"/customers/{dee.id}").get_data(as_text=True)
    assert "Dee Doe" in page and ("dee@example.com" in page) == sees
    listed = client.get("/customers/", query_string={"q": "dee@"}).get_data(as_text=True)
    assert ("Dee Doe" in listed) == sees
    assert "Dee Doe" in client.get("/customers/", query_string={"q": "Dee"}).get_data(as_text=True)
    feedback = client.get("/feedback/", query_string={"who": "dee@example"}).get_data(as_text=True)
    assert ("Slow refund" in feedback) == sees
    api = client.get("/api/v1/customers", query_string={"q": "dee@"}, headers=api_headers(user)).json
    assert len(api["items"]) == sees


def test_roadmap_exports_mask_quotes_and_keep_consent(client, app):
    sign_in(client, make_user("viewer"))
    yes = make_customer(name="Quinn", consent_quote=True)
    no = make_customer(name="Pat", consent_quote=False)
    items = [
        make_feedback(text=PRIVATE, customer=yes, sentiment=-0.8),
        make_feedback(text="Pat's private words", customer=no, sentiment=-0.9),
    ]
    hits.create_hit(
        hits.HitInput(
            title="Bills",
            stage_id=stage_named("Action").id,
            horizon="this month",
            kind="quick fix",
            impact=3,
            confidence=80,
            effort=1.0,
        ),
        None,
        (),
        tuple(i.id for i in items),
    )
    rows = list(csv.DictReader(io.StringIO(client.get("/roadmap/export.csv").data.decode("utf-8-sig"))))
    assert rows[0]["quote_1"] == ("Mail [email removed] or ring [phone removed]; card [card number removed].")
    assert rows[0]["quote_2"] == ""  # Pat did not consent
    printed = client.get("/roadmap/print").get_data(as_text=True)
    assert "[phone removed]" in printed and "900123" not in printed and "Pat&#39;s" not in printed


def test_theme_quotes_say_whether_each_may_be_quoted(client, app):
    sign_in(client, make_user("viewer"))
    yes = make_feedback(text="Quotable words", customer=make_customer(consent_quote=True))
    no = make_feedback(text="Internal words", customer=make_customer(consent_quote=False))
    theme = Theme(label="words", quote_ids=[yes.id, no.id])
    db.session.add(theme)
    db.session.flush()
    yes.theme_id = no.theme_id = theme.id
    db.session.commit()
    body = client.get(f"/themes/{theme.id}").get_data(as_text=True)
    quotes = body[body.index('id="theme-quotes"') :]
    assert quotes.index("Quotable words") < quotes.index("quotable</span>") < quotes.index("Internal words")
    assert "internal only: no consent to quote" in quotes


def test_consent_form_explains_what_each_consent_means(client, app):
    sign_in(client, make_user("contributor"))
    body = client.get("/customers/new").get_data(as_text=True)
    assert "never\n      appear as quotes in roadmap exports" in body
    assert "untick it as soon as they\n      withdraw" in body


# ----- redaction at ingest ----------------------------------------------------------------


def typed_feedback() -> dict:
    return {"text": PRIVATE, "channel": "ticket", "received_on": TODAY.isoformat()}


def test_feedback_is_stored_as_typed_by_default(client, app):
    sign_in(client, make_user("contributor"))
    client.post("/feedback/new", data=typed_feedback())
    assert db.session.scalar(select(Feedback.text)) == PRIVATE


def test_redaction_at_ingest_stores_feedback_and_quotes_masked(client, app):
    app.config["REDACT_PII_AT_INGEST"] = True
    user = make_user("contributor")
    sign_in(client, user)
    client.post("/feedback/new", data=typed_feedback())
    client.post(
        "/interviews/new",
        data={
            "new_customer_name": "Sam",
            "interviewer_id": user.id,
            "held_on": TODAY.isoformat(),
            "place": "Their kitchen",
            "duration_minutes": "30",
            "quotes-0-text": "Text me on 07700 900123",
            "submit": "Save interview",
        },
    )
    stored = list(db.session.scalars(select(Feedback.text).order_by(Feedback.id)))
    assert stored == [pii.mask(PRIVATE), "Text me on [phone removed]"]


# ----- erasure ----------------------------------------------------------------------------


@pytest.fixture
def story(app):
    """A customer with feedback in a theme, an interview, a hit and a follow-up; and a bystander."""
    triager = make_user("triager")
    jo = make_customer(
        name="Jo Bloggs",
        organisation="Bloggs Bakery",
        email="jo@example.com",
        external_id="crm-17",
        consent_quote=True,
        consent_contact=True,
    )
    other = make_customer(name="Ann Other", consent_quote=True)
    interview = Interview(
        customer=jo,
        interviewer_id=triager.id,
        held_on=TODAY,
        place="12 Mill Lane",
        duration_minutes=20,
        notes="Jo's husband was there",
    )
    db.session.add(interview)
    theme = Theme(label="bills", size=3)
    db.session.add(theme)
    db.session.flush()
    jo_items = [
        make_feedback(
            text="Jo's words about the bill",
            customer=jo,
            theme_id=theme.id,
            sentiment=-0.9,
            extras={"phone": "07700 900123"},
            theme_terms=["bill"],
        ),
        make_feedback(
            text="Jo's quote in the kitchen",
            customer=jo,
            interview=interview,
            theme_id=theme.id,
            sentiment=-0.8,
            channel="interview",
        ),
    ]
    theirs = make_feedback(
        text="Ann's words about the bill", customer=other, theme_id=theme.id, sentiment=-0.2
    )
    theme.quote_ids = [jo_items[0].id, theirs.id, jo_items[1].id]
    hit = hits.create_hit(
        hits.HitInput(
            title="Bills",
            stage_id=stage_named("Action").id,
            horizon="this month",
            kind="quick fix",
            impact=3,
            confidence=80,
            effort=1.0,
        ),
        None,
        (theme.id,),
        (),
    )
    db.session.add(
        FollowUp(
            hit_id=hit.id,
            customer_id=jo.id,
            user_id=triager.id,
            held_on=TODAY,
            method="call",
            note="Jo was pleased",
        )
    )
    db.session.commit()
    return {"jo": jo, "other": theirs, "theme": theme, "hit": hit, "interview": interview}


def test_admin_erases_a_customer_and_only_counts_remain(client, story):
    admin = make_user("admin", name="Ada")
    sign_in(client, admin)
    jo, theme, hit = story["jo"], story["theme"], story["hit"]
    before = (
        hits.evidence(hit.id).items,
        hits.evidence(hit.id).customers,
        db.session.scalar(select(func.count(Feedback.id)).where(Feedback.theme_id == theme.id)),
    )
    page = client.get(f"/customers/{jo.id}/erase").get_data(as_text=True)
    assert "cannot be undone" in page and "2 feedback items" in page
    response = client.post(f"/customers/{jo.id}/erase", data={"confirm": "y"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Customer erased" in body and "Erased on" in body and "Jo Bloggs" not in body
    db.session.expire_all()
    customer = db.session.get(Customer, jo.id)
    assert (customer.name, customer.organisation, customer.email, customer.external_id) == (
        f"Erased customer #{jo.id}",
        None,
        None,
        None,
    )
    assert not customer.consent_quote and not customer.consent_contact and customer.erased_at
    items = list(db.session.scalars(select(Feedback).where(Feedback.customer_id == jo.id)))
    assert [(i.text, i.extras, i.theme_terms, i.theme_id) for i in items] == [
        ("[erased]", None, None, theme.id)
    ] * 2
    interview = db.session.get(Interview, story["interview"].id)
    assert (interview.place, interview.notes) == ("[erased]", "[erased]")
    assert db.session.scalar(select(FollowUp.note)) == "[erased]"
    # Counts are unchanged; quotes no longer point at the erased words.
    after = (
        hits.evidence(hit.id).items,
        hits.evidence(hit.id).customers,
        db.session.scalar(select(func.count(Feedback.id)).where(Feedback.theme_id == theme.id)),
    )
    assert after == before
    assert db.session.get(Theme, theme.id).quote_ids == [story["other"].id]
    assert [q.text for q in hits.evidence(hit.id).quotes] == ["Ann's words about the bill"]
    # The audit log says who and when, not what.
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.user_id, event.target_type, event.target_id) == (
        "erase_customer",
        admin.id,
        "customer",
        jo.id,
    )
    assert event.detail == "2 feedback items, 1 interviews" and "Jo" not in event.detail


def test_erasure_needs_the_confirmation_box(client, story):
    sign_in(client, make_user("admin"))
    body = client.post(f"/customers/{story['jo'].id}/erase", data={}).get_data(as_text=True)
    assert "Tick the box to confirm the erasure." in body
    db.session.expire_all()
    assert db.session.get(Customer, story["jo"].id).name == "Jo Bloggs"
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_erasing_twice_is_refused_with_a_message(app, story):
    privacy.erase_customer(story["jo"].id, audit.Actor())
    with pytest.raises(privacy.InvalidInput, match="already been erased"):
        privacy.erase_customer(story["jo"].id, audit.Actor())


def test_an_erased_customer_cannot_be_filled_in_again(client, story):
    privacy.erase_customer(story["jo"].id, audit.Actor())
    sign_in(client, make_user("admin"))
    assert ">Edit</a>" not in client.get(f"/customers/{story['jo'].id}").get_data(as_text=True)
    body = client.post(f"/customers/{story['jo'].id}/edit", data={"name": "Jo Bloggs"}).get_data(as_text=True)
    assert "This customer was erased; add a new customer instead." in body
    db.session.expire_all()
    assert db.session.get(Customer, story["jo"].id).name == f"Erased customer #{story['jo'].id}"


@pytest.mark.parametrize("role", ["viewer", "contributor", "triager"])
def test_only_admins_erase(client, story, role):
    sign_in(client, make_user(role))
    assert client.post(f"/customers/{story['jo'].id}/erase", data={"confirm": "y"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Customer, story["jo"].id).name == "Jo Bloggs"


def test_theme_page_shows_no_erased_quote(client, story):
    privacy.erase_customer(story["jo"].id, audit.Actor())
    sign_in(client, make_user("viewer"))
    theme = db.session.get(Theme, story["theme"].id)
    theme.quote_ids = [story["jo"].feedback[0].id, story["other"].id]  # as if an old run chose it
    db.session.commit()
    assert [q.text for q in themes.theme_quotes(theme)] == ["Ann's words about the bill"]


def test_erasing_a_missing_customer_is_not_found(client, app):
    sign_in(client, make_user("admin"))
    assert client.get("/customers/999/erase").status_code == 404


# ----- retention --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 1, 15), 18, dt.date(2024, 7, 15)),
        (dt.date(2024, 12, 31), 12, dt.date(2023, 12, 31)),
    ],
)
def test_months_before(day, months, expected):
    assert privacy.months_before(day, months) == expected


def test_retention_erases_old_text_and_prints_a_summary(runner, app):
    old = make_feedback(text="Said long ago", received_on=privacy.months_before(TODAY, 13))
    recent = make_feedback(text="Said this year", received_on=privacy.months_before(TODAY, 11))
    theme = Theme(label="t", quote_ids=[old.id, recent.id])
    db.session.add(theme)
    db.session.commit()
    app.config["RETENTION_MONTHS"] = 12
    result = runner.invoke(args=["voc", "retention"])
    assert result.exit_code == 0, result.output
    cutoff = privacy.months_before(TODAY, 12).isoformat()
    assert result.output == (
        f"Erased the text of 1 feedback items received before {cutoff} (retention 12 months).\n"
    )
    db.session.expire_all()
    assert db.session.get(Feedback, old.id).text == "[erased]"
    assert db.session.get(Feedback, recent.id).text == "Said this year"
    assert db.session.get(Theme, theme.id).quote_ids == [recent.id]
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.user_id) == ("retention", None)
    # A second run finds nothing new to erase.
    again = runner.invoke(args=["voc", "retention"])
    assert "Erased the text of 0 feedback items" in again.output


def test_retention_without_a_period_explains_how_to_set_one(runner, app):
    make_feedback(text="Said long ago", received_on=dt.date(2000, 1, 1))
    result = runner.invoke(args=["voc", "retention"])
    assert result.exit_code != 0 and "set RETENTION_MONTHS" in result.output
    assert db.session.scalar(select(Feedback.text)) == "Said long ago"


def test_retention_months_can_be_given_on_the_command_line(runner, app):
    make_feedback(text="Said long ago", received_on=privacy.months_before(TODAY, 4))
    assert runner.invoke(args=["voc", "retention", "--months", "3"]).exit_code == 0
    assert db.session.scalar(select(Feedback.text)) == "[erased]"
    assert runner.invoke(args=["voc", "retention", "--months", "0"]).exit_code != 0


def test_retention_run_by_two_hosts_at_once_erases_each_item_once(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite is the single-host set-up: its cron runs on one host")
    for n in range(30):
        make_feedback(text=f"Said long ago {n}", received_on=privacy.months_before(TODAY, 13))
    erased: list[int] = []

    def host() -> None:
        """One host's `voc retention`: its own app, engine and connection."""
        other = create_app(dict(app.config))
        with other.app_context():
            try:
                erased.append(privacy.apply_retention(12, audit.Actor()).items)
            finally:
                db.session.remove()
                db.engine.dispose()

    hosts = [threading.Thread(target=host) for _ in range(2)]
    for thread in hosts:
        thread.start()
    for thread in hosts:
        thread.join(timeout=60)
    assert sorted(erased) == [0, 30]  # one host erased everything, the other found nothing left
    assert db.session.scalar(select(func.count(Feedback.id)).where(Feedback.erased_at.is_not(None))) == 30
