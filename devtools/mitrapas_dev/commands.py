"""`flask portal seed-demo`, where the developer package is installed (`mitrapas.portal_commands`)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from mitrapas_dev import demo
from portal.extensions import db


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when organisations exist already.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load the demo organisations and people from the news reports."""
    if not demo.is_empty():
        if if_empty:
            click.echo("Database already has data; demo data not loaded.")
            return
        raise click.ClickException("The database is not empty.")
    demo.load()
    db.session.commit()
    click.echo(f"Demo data loaded. Every demo account's password: {demo.DEMO_PASSWORD}")
    for email, name, what in demo.logins():
        click.echo(f"  {email:<40} {name} ({what})")
