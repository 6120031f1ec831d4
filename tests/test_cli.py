"""The `flask voc` commands."""

from sqlalchemy import func, select

from voc.extensions import db
from voc.models import Customer, Feedback, Interview, User
from voc.services.users import authenticate


def test_create_user_prints_a_generated_password_once(runner, app):
    result = runner.invoke(
        args=["voc", "create-user", "--email", "Boss@Example.com", "--role", "admin"], input="\n"
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown once): ")[1].strip()
    user = authenticate("boss@example.com", password)
    assert user is not None and user.role == "admin"


def test_create_user_with_prompted_password(runner, app):
    result = runner.invoke(args=["voc", "create-user", "--email", "v@example.com"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    assert "shown once" not in result.output
    assert authenticate("v@example.com", "a-long-password").role == "viewer"


def test_create_user_refuses_a_duplicate(runner, app):
    runner.invoke(args=["voc", "create-user", "--email", "v@example.com", "--password", "long-enough-1"])
    result = runner.invoke(
        args=["voc", "create-user", "--email", "v@example.com", "--password", "long-enough-2"]
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_demo_loads_once_and_makes_an_admin(runner, app):
    first = runner.invoke(args=["voc", "demo"])
    assert first.exit_code == 0, first.output
    assert "Demo admin: admin@voc.example" in first.output
    feedback = db.session.scalar(select(func.count(Feedback.id)))
    assert feedback >= 600
    assert db.session.scalar(select(func.count(Customer.id))) >= 40
    assert db.session.scalar(select(func.count(Interview.id))) >= 15
    channels = set(db.session.scalars(select(Feedback.channel).distinct()))
    assert channels == {"survey", "ticket", "interview", "review", "social", "other"}

    second = runner.invoke(args=["voc", "demo"])
    assert "Data already present" in second.output and "Demo admin" not in second.output
    assert db.session.scalar(select(func.count(Feedback.id))) == feedback
