"""`flask --app app voc …` commands; each is thin and calls one service."""
import click
from flask.cli import AppGroup

from voc.models import ROLES
from voc.services import demo, users
from voc.services.errors import ServiceError

voc_cli = AppGroup("voc", help="voc administration commands.")


@voc_cli.command("create-user")
@click.option("--email", required=True, help="Sign-in e-mail address.")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--name", default="", help="Display name (defaults to the e-mail's local part).")
@click.option(
    "--password", default=None,
    help="Leave out to be prompted; press Enter at the prompt to have one generated.",
)
def create_user(email: str, role: str, name: str, password: str | None) -> None:
    """Create a user; a generated password is printed once."""
    if password is None:
        password = click.prompt(
            "Password (Enter to generate one)", default="", hide_input=True, show_default=False
        ) or None
    try:
        user, generated = users.create_user(email, role, name, password)
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role} {user.email}.")
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
    click.echo(
        f"{state}: {result.feedback} feedback items, {result.customers} customers, "
        f"{result.interviews} interviews."
    )
