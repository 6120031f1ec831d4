"""`flask voc backup`: a consistent SQLite copy that restores every row."""

from sqlalchemy import create_engine, func, select

from tests.factories import make_customer, make_feedback
from voc.extensions import db
from voc.models import Customer, Feedback


def test_backup_restores_every_row(runner, app, tmp_path):
    customer = make_customer(name="Backed Up")
    for n in range(25):
        make_feedback(text=f"item {n}", customer=customer)
    destination = tmp_path / "copy.sqlite3"
    result = runner.invoke(args=["voc", "backup", str(destination)])
    if db.engine.url.get_backend_name() != "sqlite":
        assert result.exit_code == 1 and "pg_dump" in result.output
        return
    assert result.exit_code == 0, result.output
    assert f"Backed up to {destination}" in result.output
    copy = create_engine(f"sqlite:///{destination}")
    with copy.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Feedback.__table__)) == 25
        assert conn.scalar(select(Customer.__table__.c.name)) == "Backed Up"
    copy.dispose()


def test_backup_never_overwrites(runner, app, tmp_path):
    destination = tmp_path / "exists.sqlite3"
    destination.write_text("keep me")
    result = runner.invoke(args=["voc", "backup", str(destination)])
    assert result.exit_code == 1
    assert destination.read_text() == "keep me"
