"""`flask --app app voc …` commands; each is thin and calls one service."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from voc import jobs
from voc.ingest import PRESETS
from voc.models import HORIZONS, ROLES
from voc.services import (
    audit,
    demo,
    imports,
    mappings,
    privacy,
    roadmap,
    stages,
    themes,
    uploads,
    users,
    webhooks,
)
from voc.services import backup as backups
from voc.services.errors import ServiceError

voc_cli = AppGroup("voc", help="voc administration commands.")


@voc_cli.command("create-user")
@click.option("--email", required=True, help="Sign-in e-mail address.")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--name", default="", help="Display name (defaults to the e-mail's local part).")
@click.option(
    "--password",
    default=None,
    help="Leave out to be prompted; press Enter at the prompt to have one generated.",
)
def create_user(email: str, role: str, name: str, password: str | None) -> None:
    """Create a user; a generated password is printed once."""
    if password is None:
        password = (
            click.prompt("Password (Enter to generate one)", default="", hide_input=True, show_default=False)
            or None
        )
    try:
        user, generated = users.create_user(email, role, name, password)
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role} {user.email}.")
    if generated:
        click.echo(f"Password (shown once): {generated}")


@voc_cli.command("reset-password")
@click.option("--email", required=True, help="The sign-in e-mail address of the account.")
@click.option(
    "--password",
    default=None,
    help="Leave out to be prompted; press Enter at the prompt to have one generated.",
)
def reset_password(email: str, password: str | None) -> None:
    """Set a new password for an account (e.g. the only admin's); it must be changed at sign-in."""
    if password is None:
        password = (
            click.prompt(
                "New password (Enter to generate one)", default="", hide_input=True, show_default=False
            )
            or None
        )
    try:
        user, generated = users.reset_password(email, password, audit.Actor())
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Password reset for {user.role} {user.email}; any lockout is lifted, and a new password "
        "must be chosen at the next sign-in."
    )
    if generated:
        click.echo(f"Password (shown once): {generated}")


@voc_cli.command("demo")
@click.option("--seed", default=7, show_default=True, help="Seed for the demo generator.")
def load_demo(seed: int) -> None:
    """Load the demo company's feedback into an empty database (stages and a demo admin too)."""
    result = demo.load_demo(seed=seed)
    if result.admin_password:
        click.echo(f"Demo admin: {result.admin_email}  password (shown once): {result.admin_password}")
    state = "Loaded demo data" if result.loaded else "Data already present, demo not loaded"
    if result.loaded:
        run = themes.run_now(None)
        state += f" and found {run.n_themes} themes"
    click.echo(
        f"{state}: {result.feedback} feedback items, {result.customers} customers, "
        f"{result.interviews} interviews."
    )


@voc_cli.command("themes")
@click.option("--k", type=click.IntRange(2, 300), default=None, help="Number of themes (default: automatic).")
@click.option("--ignore", default="", help="Comma-separated words that must not become themes.")
@click.option("--here", is_flag=True, help="Run in this shell even when a Redis queue is configured.")
def find_themes(k: int | None, ignore: str, here: bool) -> None:
    """Re-run theme discovery, keeping renamed, merged and pinned themes (on the queue when there is one)."""
    try:
        if jobs.on_queue() and not here:
            run = themes.request_run(None, k, ignore)
            click.echo(
                f"Run #{run.id} queued on {jobs.queue_name()}; a `flask voc worker` runs it "
                f"(follow it at /themes/runs/{run.id}, or pass --here to run it in this shell)."
            )
            return
        run = themes.run_now(None, k, ignore)
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    changes = ", ".join(f"{len(v)} {key}" for key, v in (run.changes or {}).items() if v)
    click.echo(
        f"Run #{run.id}: {run.n_items} items into {run.n_themes} themes in {run.seconds:.1f} s"
        + (f" ({changes})" if changes else "")
    )


@voc_cli.command("fail-run")
@click.argument("run_id", type=int)
@click.option(
    "--reason", default="Stopped by an operator.", show_default=True, help="Shown on the run's page."
)
def fail_stuck_run(run_id: int, reason: str) -> None:
    """Mark a run left "running" by a restarted server (no Redis) as failed, so it can be retried."""
    if not themes.fail_run(run_id, reason):
        raise click.ClickException(f"Run #{run_id} is not queued or running; nothing to do.")
    click.echo(f"Run #{run_id} marked failed: {reason}")


@voc_cli.command("worker")
def worker() -> None:
    """Work the Redis job queue (set VOC_REDIS_URL); theme runs go there instead of a thread."""
    from rq import Queue, Worker

    if not jobs.on_queue():
        raise click.ClickException("Set VOC_REDIS_URL (e.g. redis://127.0.0.1:6379/0) first.")
    connection = jobs.redis_connection(patient=True)
    click.echo(f"Working queue {jobs.queue_name()}.")
    Worker([Queue(jobs.queue_name(), connection=connection)], connection=connection).work()


@voc_cli.command("roadmap")
@click.option("--format", "fmt", type=click.Choice(list(roadmap.FORMATS)), default="md", show_default=True)
@click.option("--stage", default=None, help="Only this journey stage (by name).")
@click.option("--horizon", type=click.Choice(HORIZONS), default=None, help="Only this horizon.")
def export_roadmap(fmt: str, stage: str | None, horizon: str | None) -> None:
    """Write the roadmap to standard output, e.g. `flask --app app voc roadmap --format xlsx > r.xlsx`."""
    try:
        stage_id = stages.stage_id_named(stage) if stage else None
        content, _, _ = roadmap.render(roadmap.RoadmapFilters(stage_id, horizon), fmt, audit.Actor())
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    sys.stdout.buffer.write(content)  # XLSX is bytes; text formats are already UTF-8 encoded


@voc_cli.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
def backup(destination: str) -> None:
    """Write a consistent copy of the SQLite database to DESTINATION while the app runs."""
    try:
        size = backups.backup_sqlite(destination)
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {destination} ({size / 1_048_576:.1f} MB).")


@voc_cli.command("retention")
@click.option(
    "--months", type=click.IntRange(min=1), default=None, help="Override RETENTION_MONTHS for this run."
)
def retention(months: int | None) -> None:
    """Erase the text of feedback received more than RETENTION_MONTHS months ago (run it daily)."""
    months = months or current_app.config.get("RETENTION_MONTHS")
    if not months:
        raise click.ClickException(
            "No retention period: set RETENTION_MONTHS in instance/config.py "
            "(or VOC_RETENTION_MONTHS), or pass --months."
        )
    try:
        done = privacy.apply_retention(int(months), audit.Actor())
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Erased the text of {done.items} feedback items received before "
        f"{done.cutoff.isoformat()} (retention {months} months)."
    )


webhooks_cli = AppGroup("webhooks", help="Outbound webhooks.")
voc_cli.add_command(webhooks_cli)


@webhooks_cli.command("deliver")
def deliver_webhooks() -> None:
    """Retry every webhook delivery that is due (run it from cron, e.g. every minute)."""
    attempted, delivered = webhooks.deliver_due()
    click.echo(f"{attempted} due deliveries attempted, {delivered} delivered.")


@voc_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default=None, help="The tool that exported it.")
@click.option("--mapping", "mapping_name", default=None, help="A mapping saved on the import page, by name.")
@click.option("--dry-run", is_flag=True, help="Count what would happen; store nothing.")
@click.option("--source", default=None, help="Source system name, for duplicate checks on ids.")
@click.option(
    "--date-order",
    type=click.Choice(mappings.DATE_ORDER_CHOICES),
    default=None,
    help="Day first (dmy) or month first (mdy) for dates like 03/04/2024.",
)
@click.option("--user", "user_email", default=None, help="Who imports (default: the first admin).")
@click.option(
    "--rejected",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write rejected rows, with an error column, to this CSV file.",
)
def import_file(
    file: str,
    preset: str | None,
    mapping_name: str | None,
    dry_run: bool,
    source: str | None,
    date_order: str | None,
    user_email: str | None,
    rejected: str | None,
) -> None:
    """Import a survey or ticket export (CSV or XLSX) as one batch; re-running skips what is stored."""
    if preset and mapping_name:
        raise click.UsageError("Choose --preset or --mapping, not both.")
    try:
        user = users.user_named(user_email) if user_email else users.default_importer()
        upload = uploads.local_file(file)
        if mapping_name:
            mapping = mappings.saved_mapping_named(mapping_name)
        else:
            mapping = mappings.inspect(upload, preset=preset).mapping
        if source:
            mapping.default_source = source
        settings = imports.ImportSettings(mapping, date_order or "")
        run = imports.dry_run if dry_run else imports.run_import
        with click.progressbar(length=upload.size, label="Importing", file=sys.stderr) as bar:
            outcome = run(upload, settings, user.id, progress=lambda done: bar.update(done - bar.pos))
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    for reason in outcome.errors[:20]:
        click.echo(f"rejected {reason}", err=True)
    for reason in outcome.skips[:20]:
        click.echo(f"skipped {reason}", err=True)
    if rejected and outcome.rejected_csv:
        with open(rejected, "w", encoding="utf-8", newline="") as out:
            out.write(outcome.rejected_csv)
    what = "Dry run, nothing stored" if dry_run else f"Batch #{outcome.batch.id}"
    click.echo(
        f"{what} ({upload.filename}): {outcome.rows:,} rows read; {outcome.created:,} items created, "
        f"{outcome.duplicates:,} duplicates skipped, {outcome.rejected:,} rejected"
        f"{f', {outcome.skipped:,} placeholder answers skipped' if outcome.skipped else ''} "
        f"in {outcome.seconds:.1f} s."
    )
