"""The audit log: what is recorded, and the admin page that reads it."""

import datetime as dt

import pytest
from sqlalchemy import select

from tests.factories import make_user, sign_in
from voc.extensions import db
from voc.models import AuditEvent
from voc.services import audit


def events() -> list[tuple]:
    return db.session.execute(
        select(
            AuditEvent.action,
            AuditEvent.user_id,
            AuditEvent.target_type,
            AuditEvent.target_id,
            AuditEvent.detail,
        ).order_by(AuditEvent.id)
    ).all()


@pytest.fixture
def admin(client, app):
    user = make_user("admin", name="Ada Admin")
    sign_in(client, user)
    return user


def test_role_change_is_recorded_with_who_and_from_what_to_what(client, admin):
    vera = make_user("viewer")
    client.post(f"/users/{vera.id}/role", data={"role": "triager"})
    client.post(f"/users/{vera.id}/role", data={"role": "triager"})  # no change, nothing recorded
    assert events() == [("role_change", admin.id, "user", vera.id, "viewer → triager")]


def test_admin_sees_a_locked_account_and_unlocks_it(client, admin):
    from tests.factories import PASSWORD
    from voc.services import users
    from voc.services.errors import ServiceError

    vera = make_user("viewer", email="vera@example.com")
    for _ in range(5):
        with pytest.raises(ServiceError):
            users.sign_in("vera@example.com", "nope", "10.0.0.1")
    page = client.get("/users/").get_data(as_text=True)
    assert f'id="unlock-{vera.id}"' in page and "after failed sign-ins" in page
    assert f'id="unlock-{admin.id}"' not in page
    client.post(f"/users/{vera.id}/unlock")
    assert f'id="unlock-{vera.id}"' not in client.get("/users/").get_data(as_text=True)
    assert users.sign_in("vera@example.com", PASSWORD, "10.0.0.2").id == vera.id
    assert ("unlock", admin.id, "user", vera.id, "") in events()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "md", "json", "jira"])
def test_each_roadmap_export_is_recorded(client, admin, fmt):
    assert client.get(f"/roadmap/export.{fmt}", query_string={"horizon": "this month"}).status_code == 200
    assert events() == [("export", admin.id, "roadmap", None, f"{fmt} (horizon=this month)")]


def test_print_view_and_command_line_exports_are_recorded(client, admin, runner):
    client.get("/roadmap/print")
    runner.invoke(args=["voc", "roadmap", "--format", "csv"])
    assert events() == [
        ("export", admin.id, "roadmap", None, "print view"),
        ("export", None, "roadmap", None, "csv"),
    ]


def test_roadmap_page_itself_is_not_an_export(client, admin):
    client.get("/roadmap/")
    assert events() == []


def test_audit_page_lists_events_newest_first_and_filters_by_action(client, admin):
    vera = make_user("viewer", name="Vera Viewer")
    audit.record("sign_in", audit.Actor(vera.id, "10.1.2.3"), "user", vera.id)
    audit.record("export", audit.Actor(admin.id), "roadmap", None, "csv")
    body = client.get("/audit/").get_data(as_text=True)
    assert body.index("<td>Exported</td>") < body.index("<td>Signed in</td>")
    assert "Vera Viewer" in body and "10.1.2.3" in body and "user #" in body
    only = client.get("/audit/?action=sign_in").get_data(as_text=True)
    assert "<td>Signed in</td>" in only and "<td>Exported</td>" not in only
    assert '<option value="sign_in" selected>' in only


def test_unknown_action_filter_means_every_action(client, admin):
    audit.record("export", audit.Actor(admin.id), "roadmap", None, "csv")
    body = client.get("/audit/?action=%27;drop").get_data(as_text=True)
    assert "<td>Exported</td>" in body


def test_audit_page_is_paged(client, admin, app):
    app.config["AUDIT_PER_PAGE"] = 3
    for n in range(7):
        audit.record("export", audit.Actor(admin.id), "roadmap", None, f"file {n}")
    first = client.get("/audit/").get_data(as_text=True)
    assert "file 6" in first and "file 3" not in first and "Page 1 of 3" in first
    last = client.get("/audit/?page=3").get_data(as_text=True)
    assert "file 0" in last and "file 1" not in last


@pytest.mark.parametrize("role", ["viewer", "contributor", "triager"])
def test_only_admins_read_the_audit_log(client, app, role):
    sign_in(client, make_user(role))
    assert client.get("/audit/").status_code == 403


def test_unknown_actions_are_refused(app):
    with pytest.raises(ValueError):
        audit.record("looked_around", audit.Actor())


def test_access_changes_and_undone_imports_are_recorded_with_who(client, admin):
    from voc.models import ApiToken, Feedback, ImportBatch, User, Webhook

    client.post("/users/", data={"email": "new.person@example.com", "name": "New Person", "role": "triager"})
    newcomer = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    client.post("/account/tokens", data={"name": "Zendesk sync"})
    token = db.session.scalar(select(ApiToken))
    client.post(f"/account/tokens/{token.id}/revoke")
    client.post(
        "/webhooks/",
        data={"url": "https://chat.example.com/hook", "events": ["feedback.created"], "secret": ""},
    )
    webhook = db.session.scalar(select(Webhook))
    client.post(f"/webhooks/{webhook.id}/delete")
    batch = ImportBatch(user_id=admin.id, filename="tickets.csv", sha256="0" * 64, mapping={}, created=1)
    db.session.add(batch)
    db.session.flush()
    db.session.add(
        Feedback(text="Imported", channel="ticket", batch_id=batch.id, received_on=dt.date.today())
    )
    db.session.commit()
    client.post(f"/imports/{batch.id}/undo")

    assert events() == [
        ("create_user", admin.id, "user", newcomer.id, "new.person@example.com as triager"),
        ("create_token", admin.id, "api_token", token.id, "Zendesk sync"),
        ("revoke_token", admin.id, "api_token", token.id, "Zendesk sync"),
        (
            "create_webhook",
            admin.id,
            "webhook",
            webhook.id,
            "https://chat.example.com/hook for feedback.created",
        ),
        ("delete_webhook", admin.id, "webhook", webhook.id, "https://chat.example.com/hook"),
        ("undo_import", admin.id, "import", batch.id, "tickets.csv: 1 items removed"),
    ]
    page = client.get("/audit/").get_data(as_text=True)
    for label in (
        "Created a user",
        "Created an API token",
        "Revoked an API token",
        "Added a webhook",
        "Deleted a webhook",
        "Undid an import",
    ):
        assert label in page
