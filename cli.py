"""Command-line tools, registered with Flask's CLI (``flask --app app ...``).

Beside app.py rather than in ``core``: the commands reach into the feature packages.
"""
import click
from flask import current_app
from flask.cli import with_appcontext

import demo
from accounts import services
from branches.models import Branch, Employee
from core.backup import backup
from core.storage import configured_url
from core.storage_cli import storage_group
from extensions import db
from reports.rollups import rollups_cli


def register(app):
    app.cli.add_command(create_user_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(storage_group)
    app.cli.add_command(rollups_cli)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "manager", "auditor", "hr", "employee"]))
@click.option("--password", default=None, help="Prompted for when not given.")
@click.option("--language", default="es", type=click.Choice(["es", "en"]))
@click.option("--branch", "branches", multiple=True, metavar="CODE",
              help="A branch a manager manages, by code; repeat for each branch.")
@click.option("--employee", default=None, metavar="CODE", help="For an employee login: the employee's code.")
@with_appcontext
def create_user_command(email, name, role, password, language, branches, employee):
    """Create a user; refuses an email that is already taken."""
    branch_ids = []
    for code in branches:
        branch_id = db.session.scalar(db.select(Branch.id).where(Branch.code == code))
        if branch_id is None:
            raise click.ClickException(f"No branch has the code {code}.")
        branch_ids.append(branch_id)
    employee_id = None
    if employee:
        employee_id = db.session.scalar(db.select(Employee.id).where(Employee.code == employee))
        if employee_id is None:
            raise click.ClickException(f"No employee has the code {employee}.")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email, name, role, password, language, branch_ids=branch_ids,
                                    employee_id=employee_id)
    except (services.AccountError, services.UserConflict) as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}")


@click.command("demo")
@with_appcontext
def demo_command():
    """Load realistic demo data; safe to run twice (nothing is duplicated)."""
    logins = demo.load()
    db.session.commit()
    click.echo("Demo data loaded. Log in at http://127.0.0.1:5000/login as:")
    for role, email, password in logins:
        click.echo(f"  {role:<8} {email:<28} password: {password}")
    click.echo("The second factor that a new installation requires of admins and HR is switched off for the "
               "demo; switch it on in Settings (Roles that must use a second factor).")


@click.command("backup")
@click.argument("path")
@with_appcontext
def backup_command(path):
    """Write a consistent copy of the database to PATH while the app keeps running.

    The stored files (photos) are not in it: they are in STORAGE_URL and are backed up apart."""
    try:
        click.echo(backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path))
    except Exception as exc:  # a failed backup must say why, not print a traceback
        raise click.ClickException(f"Backup failed: {exc}") from None
    click.echo(f"This backup holds the database only. It does NOT contain the stored files (photos), which are "
               f"in {configured_url()}: back them up too (docs/operations.md, 'Backups and restore').")
