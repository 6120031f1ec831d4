"""SIGKILL of `flask voc import` while it writes leaves no batch, item or customer; a re-run stores all."""

import csv
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, text
from sqlalchemy import select as query

from tests.factories import make_user
from voc.extensions import db
from voc.models import Customer, Feedback, ImportBatch

ROOT = Path(__file__).resolve().parent.parent
ROWS = 30_000  # about fifteen chunks: the kill lands after the first is written, long before the end
PEOPLE = ROWS // 3
APPLICATION = "voc-import-kill-test"  # how the test finds the import's connection on PostgreSQL
WAIT_SECONDS = 120


def write_tickets(path: Path) -> None:
    """A ticket export: an id, a date, the requester's e-mail and name, and a distinct description."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["Ticket ID", "Created", "Email", "Name", "Description"])
        for n in range(ROWS):
            person = n % PEOPLE
            writer.writerow(
                [
                    f"T-{n}",
                    f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                    f"person{person}@example.com",
                    f"Person {person}",
                    f"Ticket {n}: the export button times out on big reports",
                ]
            )


def cli_env(database_url: str) -> dict:
    """The environment of a `flask --app app` process on the test's database."""
    if database_url.startswith("postgresql"):
        database_url += f"&application_name={APPLICATION}"
    return {**os.environ, "VOC_DATABASE_URL": database_url, "VOC_SECRET_KEY": "kill-test"}


def import_command(path: Path) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "app", "voc", "import", str(path)]


def open_write_transaction(database_url: str) -> bool:
    """Whether the import holds a write transaction open: SQLite's hot journal, or its PostgreSQL session."""
    if database_url.startswith("sqlite"):
        return os.path.exists(database_url.removeprefix("sqlite:///") + "-journal")
    return bool(
        db.session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = :name AND xact_start IS NOT NULL"
            ),
            {"name": APPLICATION},
        )
    )


def pg_session_ended() -> bool:
    return not db.session.scalar(
        text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"), {"name": APPLICATION}
    )


def kill_mid_write(path: Path, database_url: str) -> int:
    """Start the import on a terminal (so it draws its bar), SIGKILL it mid-write; the bar's last percent."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        import_command(path),
        cwd=ROOT,
        env=cli_env(database_url),
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    shown, percent = b"", 0
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        # Mid-write: the bar moved (a chunk is written) and the database shows the open transaction.
        while not (0 < percent < 100 and open_write_transaction(database_url)):
            assert process.poll() is None, shown.decode(errors="replace")
            assert time.monotonic() < deadline, "the import never reached the middle of its work"
            if select.select([controller], [], [], 0.05)[0]:
                shown += os.read(controller, 4096)
                percent = max([0, *map(int, re.findall(rb"(\d+)%", shown))])
            db.session.rollback()  # see the other process's progress afresh
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=WAIT_SECONDS) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(controller)
    return percent


def counts() -> tuple[int, int, int]:
    db.session.rollback()
    return tuple(
        db.session.scalar(query(func.count()).select_from(model))
        for model in (ImportBatch, Feedback, Customer)
    )


def test_a_killed_import_leaves_nothing_and_the_rerun_stores_every_row_once(app, database_url, tmp_path):
    make_user("admin")
    path = tmp_path / "tickets.csv"
    write_tickets(path)
    db.session.remove()

    percent = kill_mid_write(path, database_url)
    assert 0 < percent < 100

    if database_url.startswith("postgresql"):  # the server ends the dead client's transaction
        deadline = time.monotonic() + WAIT_SECONDS
        while not pg_session_ended():
            assert time.monotonic() < deadline
            db.session.rollback()
            time.sleep(0.05)
    assert counts() == (0, 0, 0)

    done = subprocess.run(
        import_command(path), cwd=ROOT, env=cli_env(database_url), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert f"{ROWS:,} rows read; {ROWS:,} items created, 0 duplicates skipped, 0 rejected" in done.stdout
    assert counts() == (1, ROWS, PEOPLE)
    ids = query(Feedback.external_id).distinct().subquery()
    assert db.session.scalar(query(func.count()).select_from(ids)) == ROWS
