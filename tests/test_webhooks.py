"""Outbound webhooks: the admin page, signed deliveries to a local receiver, retries and the record."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select, update

from tests.factories import WEBHOOK_SECRET, Receiver, add_webhook, api_headers, make_hit, make_user, sign_in
from voc import jobs
from voc.extensions import db
from voc.models import Feedback, Hit, Webhook, WebhookDelivery, utcnow
from voc.services import hits, webhooks
from voc.services.errors import StaleEdit


@pytest.fixture
def receiver(app):
    app.config["JOBS_INLINE"] = True  # deliver before the request returns
    server = Receiver()
    yield server
    server.close()


def standard_signature(key: bytes, headers: dict, body: bytes) -> str:
    """What a Standard Webhooks receiver computes: HMAC-SHA256 of "id.timestamp.body", base64, "v1,"."""
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def stored_delivery() -> WebhookDelivery | None:
    """The one delivery as the database has it now (inline jobs commit from their own session)."""
    db.session.expire_all()
    return db.session.scalar(select(WebhookDelivery))


def post_feedback(client, headers, text="The app crashed"):
    return client.post("/api/v1/feedback", headers=headers, json={"text": text, "channel": "ticket"})


def test_new_feedback_is_delivered_signed_and_recorded(client, receiver):
    webhook = add_webhook(receiver.url)
    response = post_feedback(client, api_headers(make_user("contributor")))
    assert response.status_code == 201
    [(headers, body)] = receiver.requests
    assert standard_signature(WEBHOOK_SECRET.encode(), headers, body) == headers["webhook-signature"]
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60  # receivers refuse stale replays
    assert headers["X-Voc-Event"] == "feedback.created" and headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["event"] == "feedback.created"
    assert [(f["id"], f["text"]) for f in payload["data"]["feedback"]] == [
        (response.json["items"][0]["id"], "The app crashed")
    ]
    delivery = stored_delivery()
    assert headers["webhook-id"] == f"voc-delivery-{delivery.id}"
    assert (delivery.webhook_id, delivery.status, delivery.attempts) == (webhook.id, "delivered", 1)
    assert (delivery.status_code, delivery.error) == (200, None)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None


def test_personal_data_in_new_feedback_is_masked_in_the_payload(client, receiver):
    add_webhook(receiver.url)
    post_feedback(client, api_headers(make_user("contributor")), text="Ring 07700 900123, or ann@example.com")
    [(_, body)] = receiver.requests
    [sent] = json.loads(body)["data"]["feedback"]
    assert sent["text"].startswith("Ring ") and b"07700 900123" not in body and b"ann@example.com" not in body


def test_a_500_is_retried_with_back_off_by_the_command(client, app, runner, receiver):
    add_webhook(receiver.url)
    receiver.answers = [500]
    post_feedback(client, api_headers(make_user("contributor")))
    delivery = stored_delivery()
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("pending", 1, 500)
    assert delivery.error == "The receiver answered HTTP 500."
    wait = delivery.next_attempt_at - utcnow()
    assert dt.timedelta(seconds=55) < wait <= dt.timedelta(seconds=60)

    result = runner.invoke(args=["voc", "webhooks", "deliver"])
    assert result.output.strip() == "0 due deliveries attempted, 0 delivered."
    assert len(receiver.requests) == 1

    delivery.next_attempt_at = utcnow() - dt.timedelta(seconds=1)  # the minute has passed
    db.session.commit()
    result = runner.invoke(args=["voc", "webhooks", "deliver"])
    assert result.output.strip() == "1 due deliveries attempted, 1 delivered."
    first, second = receiver.requests
    assert first[1] == second[1] and first[0]["webhook-id"] == second[0]["webhook-id"]  # one message
    assert standard_signature(WEBHOOK_SECRET.encode(), second[0], second[1]) == second[0]["webhook-signature"]
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("delivered", 2, 200)
    assert delivery.error is None


def test_retries_back_off_exponentially():
    assert [webhooks.retry_delay(n, 60).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


def closed_port_url() -> str:
    """An address on this machine where nothing listens: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/hook"


def test_a_delivery_gives_up_after_the_last_attempt_and_records_why(client, app):
    app.config.update(JOBS_INLINE=True, WEBHOOK_MAX_ATTEMPTS=2)
    add_webhook(closed_port_url())
    post_feedback(client, api_headers(make_user("contributor")))
    delivery = stored_delivery()
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("pending", 1, None)
    assert delivery.error.startswith("ConnectionError")
    assert webhooks.deliver_due(now=delivery.next_attempt_at) == (1, 0)
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)


def test_hit_status_changes_are_sent_only_to_webhooks_that_asked(client, receiver):
    add_webhook(receiver.url, events=["hit.status_changed"])
    triager = make_user("triager")
    hit = make_hit(title="Refunds")
    post_feedback(client, api_headers(make_user("contributor")))
    assert receiver.requests == []
    change = {"status": "planned", "version": 1}
    client.patch(f"/api/v1/hits/{hit.id}", headers=api_headers(triager), json=change)
    [(headers, body)] = receiver.requests
    payload = json.loads(body)
    assert headers["X-Voc-Event"] == "hit.status_changed"
    assert (payload["data"]["from"], payload["data"]["to"], payload["data"]["user_id"]) == (
        "proposed",
        "planned",
        triager.id,
    )
    assert payload["data"]["hit"]["title"] == "Refunds" and payload["data"]["hit"]["version"] == 2


def test_a_finished_theme_run_is_sent(client, receiver):
    from tests.factories import make_feedback
    from voc.services import themes

    add_webhook(receiver.url, events=["theme_run.finished"])
    for text in ["meter engineer late", "meter engineer never came", "bill too high", "bill doubled"] * 3:
        make_feedback(text=text)
    run = themes.run_now(None, k=2)
    [(headers, body)] = receiver.requests
    assert json.loads(body)["data"]["run"] == {
        "id": run.id,
        "status": "done",
        "message": "Finished",
        "items": 12,
        "themes": run.n_themes,
        "seconds": run.seconds,
        "changes": run.changes,
    }


def test_paused_webhooks_get_nothing(client, receiver):
    webhook = add_webhook(receiver.url)
    webhooks.set_active(webhook.id, False)
    post_feedback(client, api_headers(make_user("contributor")))
    assert receiver.requests == [] and stored_delivery() is None


# ----- the outbox: an event is stored with the change it announces, or not at all ------------------------


def test_an_event_is_stored_and_sent_only_when_the_change_that_emitted_it_commits(app, receiver):
    add_webhook(receiver.url)
    webhooks.emit("feedback.created", {"feedback": [{"id": 1}]})
    db.session.rollback()
    assert stored_delivery() is None and receiver.requests == []

    webhooks.emit("feedback.created", {"feedback": [{"id": 2}]})
    assert receiver.requests == []  # nothing leaves before the commit
    db.session.commit()
    [(_, body)] = receiver.requests
    assert json.loads(body)["data"] == {"feedback": [{"id": 2}]}
    assert stored_delivery().status == "delivered"


def test_a_crash_between_the_commit_and_the_hand_off_loses_no_event(client, runner, receiver, monkeypatch):
    add_webhook(receiver.url)

    class Killed(BaseException):
        """The process stopping (a signal, a deploy) as the event is handed to the queue."""

    def die(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(jobs, "enqueue", die)
    headers = api_headers(make_user("contributor"))
    with pytest.raises(Killed):
        post_feedback(client, headers, text="Stored before the crash")
    db.session.remove()  # the next process starts afresh
    assert receiver.requests == []
    delivery = stored_delivery()
    assert (delivery.status, delivery.attempts) == ("pending", 0)

    result = runner.invoke(args=["voc", "webhooks", "deliver"])
    assert result.output.strip() == "1 due deliveries attempted, 1 delivered."
    [(_, body)] = receiver.requests
    [sent] = json.loads(body)["data"]["feedback"]
    assert sent["text"] == "Stored before the crash"
    assert db.session.get(Feedback, sent["id"]).text == "Stored before the crash"


def test_a_status_change_that_loses_a_race_is_refused_and_announces_nothing(client, receiver, monkeypatch):
    add_webhook(receiver.url, events=["hit.status_changed"])
    hit = make_hit(title="Refunds")
    change = hits._apply

    def change_after_another_save(*args):
        """Another person's save lands between this one's read and its write."""
        with db.engine.begin() as other:
            other.execute(update(Hit).where(Hit.id == hit.id).values(version=Hit.version + 1))
        change(*args)

    monkeypatch.setattr(hits, "_apply", change_after_another_save)
    with pytest.raises(StaleEdit):
        hits.set_status(hit.id, "planned", "", 1, None)
    assert stored_delivery() is None and receiver.requests == []


# ----- the admin page -----------------------------------------------------------------------------------


def test_admin_adds_a_webhook_and_sees_its_generated_secret_once(client, app):
    sign_in(client, make_user("admin"))
    page = client.post(
        "/webhooks/",
        data={
            "url": "https://chat.example.com/hook",
            "events": ["feedback.created", "hit.status_changed"],
            "secret": "",
        },
    )
    text = page.get_data(as_text=True)
    webhook = db.session.scalar(select(Webhook))
    assert (webhook.url, webhook.events, webhook.active) == (
        "https://chat.example.com/hook",
        ["feedback.created", "hit.status_changed"],
        True,
    )
    assert "shown only once" in text and webhook.secret in text and webhook.secret.startswith("whsec_")
    assert len(webhooks.signing_key(webhook.secret)) == 32  # Standard Webhooks' form: base64 of the key
    listing = client.get("/webhooks/").get_data(as_text=True)
    assert "https://chat.example.com/hook" in listing and webhook.secret not in listing
    shown = client.get(f"/webhooks/{webhook.id}").get_data(as_text=True)
    assert "Nothing sent yet." in shown
    client.post(f"/webhooks/{webhook.id}/pause")
    assert db.session.get(Webhook, webhook.id).active is False
    client.post(f"/webhooks/{webhook.id}/delete")
    assert db.session.scalar(select(Webhook)) is None


def test_private_and_loopback_receivers_are_refused_unless_an_admin_allows_them(client, app):
    sign_in(client, make_user("admin"))
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://10.0.0.7/hook",
        "http://169.254.169.254/latest",
        "http://[::1]/hook",
        "http://localhost/hook",
    ):
        page = client.post("/webhooks/", data={"url": url, "events": ["feedback.created"]})
        assert "voc does not send there." in page.get_data(as_text=True), url
    assert db.session.scalar(select(Webhook)) is None
    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = True
    client.post("/webhooks/", data={"url": "http://10.0.0.7/hook", "events": ["feedback.created"]})
    assert db.session.scalar(select(Webhook.url)) == "http://10.0.0.7/hook"


def test_a_delivery_to_an_address_no_longer_allowed_fails_without_being_sent(client, app, receiver):
    add_webhook(receiver.url)
    app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = False  # the admin turned it off since
    post_feedback(client, api_headers(make_user("contributor")))
    delivery = stored_delivery()
    assert receiver.requests == []
    assert delivery.status == "failed" and "voc does not send there." in delivery.error


def test_the_deliveries_are_listed_on_the_webhook_page(client, app):
    webhook = add_webhook(closed_port_url())
    db.session.add(
        WebhookDelivery(
            webhook=webhook,
            event="feedback.created",
            body="{}",
            attempts=3,
            status_code=503,
            error="The receiver answered HTTP 503.",
            next_attempt_at=utcnow(),
        )
    )
    db.session.commit()
    sign_in(client, make_user("admin"))
    text = client.get(f"/webhooks/{webhook.id}").get_data(as_text=True)
    assert "The receiver answered HTTP 503." in text and "pending" in text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"url": "ftp://example.com", "events": ["feedback.created"]},
            "Give a full http:// or https:// address.",
        ),
        ({"url": "https://example.com"}, "Choose one or more of: feedback.created"),
        (
            {"url": "https://example.com", "events": ["feedback.created"], "secret": "short"},
            "Use a secret of 16",
        ),
        ({"url": "https://example.com", "events": ["feedback.deleted"]}, "Choose one or more of"),
    ],
)
def test_bad_webhooks_are_explained_and_not_saved(client, app, form, message):
    sign_in(client, make_user("admin"))
    page = client.post("/webhooks/", data=form)
    assert message in page.get_data(as_text=True)
    assert db.session.scalar(select(Webhook)) is None


@pytest.mark.parametrize("role", ["viewer", "contributor", "triager"])
def test_only_admins_manage_webhooks(client, app, role):
    sign_in(client, make_user(role))
    assert client.get("/webhooks/").status_code == 403
    form = {"url": "https://example.com", "events": ["feedback.created"]}
    assert client.post("/webhooks/", data=form).status_code == 403


def test_two_hosts_delivering_at_once_send_each_delivery_once(app, database_url, receiver):
    hook = add_webhook(receiver.url)
    db.session.add_all(
        WebhookDelivery(
            webhook=hook, event="feedback.created", body=json.dumps({"n": n}), next_attempt_at=utcnow()
        )
        for n in range(20)
    )
    db.session.commit()
    receiver.delay = 0.25  # each send takes a while, so both processes are sending at once
    # Two `flask voc webhooks deliver` processes (as cron on two hosts), claiming two at a time.
    env = {
        **os.environ,
        "VOC_DATABASE_URL": database_url,
        "VOC_SECRET_KEY": "x",
        "VOC_WEBHOOK_CLAIM_BATCH": "2",
        "VOC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "voc", "webhooks", "deliver"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    hosts = [
        subprocess.Popen(
            command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    outputs = [host.communicate(timeout=120)[0] for host in hosts]
    # Ours only: on a machine running other test sessions, a port this receiver reuses may still be
    # another session's webhook address.
    ours = {f'{{"n":{n}}}' for n in range(20)}
    sent = Counter(
        (headers["webhook-id"], body.decode())
        for headers, body in receiver.requests
        if body.decode().replace(" ", "") in ours
    )
    assert len(sent) == 20 and set(sent.values()) == {1}, (sent, outputs)
    attempted = [int(output.split()[0]) for output in outputs]
    assert sum(attempted) == 20, outputs
    db.session.expire_all()
    assert {d.status for d in db.session.scalars(select(WebhookDelivery))} == {"delivered"}
