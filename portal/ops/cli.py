"""`flask portal ...`: the commands operators run (integrity checks, accounts, the periodic work).

The developer package adds `seed-demo` where it is installed (the `mitrapas.portal_commands` entry points);
a release has none of its commands."""
from __future__ import annotations

from datetime import timedelta
import functools
from importlib.metadata import entry_points

import click
from flask import current_app
from flask_babel import gettext as _
from flask.cli import AppGroup, with_appcontext

from portal.accounts import operations as accounts
from portal.agreements import operations as agreements
from portal.audit import chain as audit
from portal.contributions import tallies
from portal.core import clock, sealing, storage
from portal.core.tenancy import unscoped
from portal.extensions import db
from portal.integrations import webhook_events
from portal.materials import operations as materials
from portal.notifications import channel_outbox, digests, outbox
from portal.ops import command_runs as operations, reconcile
from portal.privacy import retention

portal_cli = AppGroup("portal", help="MitraPAS operations.")


def add_installed_commands() -> None:
    """Commands other installed packages add to `flask portal` (the developer package's `seed-demo`)."""
    for entry in entry_points(group="mitrapas.portal_commands"):
        if entry.name not in portal_cli.commands:
            portal_cli.add_command(entry.load(), entry.name)


def periodic(command):
    """A command its timer runs (deploy/systemd): each run is recorded for `mitrapas doctor`."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        with operations.recorded(click.get_current_context().info_name):
            return command(*args, **kwargs)
    return run


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check this deployment: database role and RLS, migrations, bucket, Redis, mail, settings, catalogs and
    the periodic commands; exit 1 when anything needs fixing."""
    from portal.ops import doctor as checks

    found = 0
    for name, problems in checks.examine():
        click.echo(f"{'FAIL' if problems else 'ok':<4}  {name}")
        for problem in problems:
            click.echo(f"      - {problem}")
        found += len(problems)
    if found:
        click.echo(f"{found} problem(s) found.")
        raise SystemExit(1)
    click.echo("Everything the deployment needs is in place.")


@click.command("backup")
@click.option("--to", "location", default=None, help="A folder or s3://bucket/prefix (default: BACKUP_TARGET).")
@click.option("--recipient", "recipients", multiple=True,
              help="An age public key (age1...) to encrypt to, repeatable (default: BACKUP_RECIPIENTS); "
                   "without one the backup is not encrypted.")
@with_appcontext
def backup(location: str | None, recipients: tuple[str, ...]) -> None:
    """Back up the database and every file it points at (README, Backup and restore); recorded for `doctor`.
    Exit 1 if a file the database names was missing from the store (the rest is backed up)."""
    from portal.ops import backup as backups
    from portal.ops.backup_format import BackupError, Sealing
    from portal.ops.backup_targets import TargetError, open_target

    location = location or current_app.config["BACKUP_TARGET"]
    if not location:
        raise click.UsageError(_("Say where the backup goes: --to <folder> or s3://bucket/prefix, or BACKUP_TARGET."))
    try:
        sealing_to = Sealing.to(recipients or current_app.config["BACKUP_RECIPIENTS"])
    except ValueError as error:
        raise click.UsageError(_("%(value)s is not an age public key (age1...).", value=error)) from None
    with operations.recorded("backup"):
        try:
            made = backups.take(open_target(location, current_app.config), sealing_to=sealing_to,
                                progress=click.echo)
        except (BackupError, TargetError, storage.StorageError) as error:
            raise click.ClickException(str(error)) from None
        click.echo(_("Backup %(name)s written: %(files)d files (%(mib).1f MiB), %(copied)d of them copied now "
                     "(%(copied_mib).1f MiB)%(sealed)s.", name=made["name"], files=made["object_count"],
                     mib=made["object_bytes"] / 2**20, copied=made["copied_count"],
                     copied_mib=made["copied_bytes"] / 2**20,
                     sealed=_(", encrypted") if made["encryption"] else _(", not encrypted")))
        if made["missing"]:
            raise click.ClickException(_("%(count)d file(s) the database names were missing from the store; the "
                                         "manifest lists them.", count=len(made["missing"])))


@click.command("restore")
@click.option("--from", "location", required=True, help="The folder or s3://bucket/prefix backups were written to.")
@click.option("--backup", "name", default=None, help="Which backup (its name); default the newest finished one.")
@click.option("--identity", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The age key file (AGE-SECRET-KEY-...) an encrypted backup opens with.")
@click.option("--force", is_flag=True, help="Replace a database that is not empty; write over a bucket that is not.")
@with_appcontext
def restore(location: str, name: str | None, identity: str | None, force: bool) -> None:
    """Restore a backup into an empty database and bucket, migrate it to this release, and check it whole;
    exit 1 if anything is missing (everything else is restored)."""
    import pyrage

    from portal.ops import restore as restoring
    from portal.ops.backup_format import BackupError, read_identities
    from portal.ops.backup_targets import TargetError, open_target

    try:
        identities = read_identities(identity) if identity else None
    except (ValueError, pyrage.IdentityError):
        raise click.UsageError(_("%(path)s holds no age key (AGE-SECRET-KEY-...).", path=identity)) from None
    try:
        target = open_target(location, current_app.config)
        manifest = restoring.choose(target, name)
        report = restoring.restore(target, manifest, identities=identities, force=force, progress=click.echo)
    except (BackupError, TargetError, storage.StorageError) as error:
        raise click.ClickException(str(error)) from None
    if not _retire_kept_pages():
        report.notes.append(_("The page store (REDIS_URL) did not answer: run `mitrapas portal forget-kept-pages` "
                              "once it does, so no page kept before the restore is shown."))
    click.echo(_("Backup %(name)s restored (release %(release)s, taken %(created)s).", name=manifest["name"],
                 release=manifest["release"], created=manifest["created_at"]))
    for line in report.done:
        click.echo(f"  ok    {line}")
    for line in report.notes:
        click.echo("  " + _("note") + "  " + line)
    for line in report.problems:
        click.echo("  " + _("MISSING") + "  " + line)
    if report.problems:
        raise click.ClickException(_("%(count)d problem(s) found; everything else was restored.",
                                     count=len(report.problems)))
    click.echo(_("Restore complete: nothing is missing."))


@click.command("backup-key")
@click.option("--out", type=click.Path(dir_okay=False), required=True,
              help="Where the new private key is written (kept apart from the backups).")
def backup_key(out: str) -> None:
    """Make a key for encrypted backups: the private key into --out (readable by its owner only), the public key
    printed for BACKUP_RECIPIENTS."""
    import os

    from pyrage import x25519

    identity = x25519.Identity.generate()
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.UsageError(_("%(path)s exists already: a key is never written over.", path=out)) from None
    with os.fdopen(descriptor, "w") as key_file:
        key_file.write(f"# public key: {identity.to_public()}\n{identity}\n")
    click.echo(str(identity.to_public()))


@portal_cli.command("audit-verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain; exit 1 if any entry was changed or deleted."""
    with unscoped("audit verification reads the whole trail"):
        breaks = audit.verify_chain()
    for item in breaks:
        click.echo(f"entry {item.entry_id}: {item.problem}", err=True)
    if breaks:
        raise SystemExit(1)
    click.echo("Audit trail intact.")


@portal_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create a platform administrator (the first account of a new installation)."""
    with unscoped("a platform administrator belongs to no organisation"):
        user = accounts.create_user(email=email, name=name, password=password, is_platform_admin=True)
        audit.record("user.created", actor=None, object_type="user", object_id=user.id,
                     after={"is_platform_admin": True})
        db.session.commit()
        click.echo(f"Platform administrator {user.email} created.")


@portal_cli.command("new-secrets-key")
def new_secrets_key() -> None:
    """Print a new key for SECRETS_KEYS (it seals TOTP secrets in the database); see README, Production."""
    click.echo(sealing.new_key())


@portal_cli.command("rotate-secrets")
def rotate_secrets() -> None:
    """Re-seal every stored secret under the first key of SECRETS_KEYS; afterwards the older keys may go."""
    with unscoped("every account's sealed secrets are re-sealed"):
        try:
            count = sealing.rotate(db.session, db.metadata)
        except sealing.UnreadableSecret:
            db.session.rollback()
            raise click.ClickException("A stored secret opens with none of SECRETS_KEYS: put the key it was "
                                       "sealed with back in the list (after the new one) and run this again. "
                                       "Nothing was changed.") from None
        audit.record("secrets.rotated", actor=None, object_type="installation", object_id=0,
                     after={"values": count})
        db.session.commit()
    click.echo(f"{count} secret(s) sealed with the newest key. Older keys may now be removed from SECRETS_KEYS.")


@portal_cli.command("ensure-bucket")
def ensure_bucket() -> None:
    """Create the storage bucket if it does not exist yet."""
    storage.ensure_bucket()
    click.echo("Bucket ready.")


@portal_cli.command("agreements-tick")
@periodic
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The date to act as of (default: today). For catching up or testing.")
def agreements_tick(today) -> None:
    """Put signed agreements in force on their start date and expire them after their end date.

    Idempotent: run it daily from cron; running it twice changes nothing more.
    """
    as_of = today.date() if today else clock.today()
    with unscoped("the calendar moves every tenant's agreements"):
        counts = agreements.tick(as_of)
        db.session.commit()
    click.echo(f"{as_of.isoformat()}: {counts['activated']} agreement(s) now in force, "
               f"{counts['expired']} expired.")


@portal_cli.command("storage-reconcile")
@periodic
@click.option("--fix", is_flag=True, help="Delete orphan objects and forget material versions whose file is lost.")
@click.option("--prefix", default="", help="Only keys under this prefix, e.g. f/12/ for one facility.")
@click.option("--grace-minutes", default=60, show_default=True,
              help="Leave objects younger than this alone (an upload may still be on its way).")
@click.option("--abandoned-hours", default=24, show_default=True,
              help="An upload unfinished (or never attached) for longer than this was abandoned: --fix removes it.")
def storage_reconcile(fix: bool, prefix: str, grace_minutes: int, abandoned_hours: int) -> None:
    """List objects without rows, rows without objects and abandoned uploads; exit 1 while any remain."""
    with unscoped("reconciliation compares all of storage with all of the database"):
        report = reconcile.reconcile(fix=fix, prefix=prefix, grace=timedelta(minutes=grace_minutes),
                                     abandoned=timedelta(hours=abandoned_hours))
        db.session.commit()
    for key, upload_id in report.abandoned_uploads:
        click.echo(f"upload never finished: {key}" + (" (aborted)" if fix else ""))
    if report.unattached_uploads:
        click.echo(f"{report.unattached_uploads} browser upload(s) never attached to a material"
                   + (" (removed)" if fix else ""))
    for key in report.orphan_objects:
        click.echo(f"object without a row: {key}" + (" (deleted)" if fix else ""))
    for what, row_id, key in report.missing_objects:
        click.echo(f"{what} {row_id} without its object: {key}")
    if fix:
        click.echo(f"Removed {report.removed_objects} object(s) and {report.removed_rows} row(s); "
                   f"aborted {report.aborted_uploads} unfinished upload(s); checked {report.checked_uploads} "
                   "upload(s) whose background check had not run.")
    unrepaired = [row for row in report.missing_objects if row[0] != "material_version"] if fix else (
        report.orphan_objects + report.missing_objects + report.abandoned_uploads
        + ([report.unattached_uploads] if report.unattached_uploads else []))
    if unrepaired:
        raise SystemExit(1)
    click.echo("Storage and database agree." if report.clean else "Repaired.")


@portal_cli.command("purge-materials")
@periodic
def purge_materials() -> None:
    """Remove materials deleted longer ago than MATERIAL_RETENTION_DAYS, rows first, then their files."""
    with unscoped("the retention period applies to every tenant"):
        count = materials.purge_deleted()
        db.session.commit()
    click.echo(f"{count} deleted material(s) purged.")


@portal_cli.command("purge-expired")
@periodic
@click.option("--dry-run", is_flag=True, help="Only show what would be removed.")
def purge_expired(dry_run: bool) -> None:
    """Remove what is past its retention period (notifications, login history, evidence photos, deleted
    materials, background files); it first shows what it will remove."""
    with unscoped("the retention periods apply to every tenant"):
        for outcome in retention.preview():
            click.echo(f"{outcome.rule.kind:<18} {outcome.count:>7} older than {_period(outcome.rule)}")
        if dry_run:
            click.echo("Nothing removed (--dry-run).")
            return
        removed = retention.purge()
        db.session.commit()
    click.echo("Removed: " + ", ".join(f"{outcome.rule.kind} {outcome.count}" for outcome in removed) + ".")


def _period(rule) -> str:
    return f"{current_app.config[rule.setting]} {rule.unit} ({rule.setting})"


@portal_cli.command("rebuild-tallies")
def rebuild_tallies() -> None:
    """Recompute the dashboards' monthly tallies from the verified contributions (after a bulk load or to repair)."""
    with unscoped("the tallies add up every facility's contributions"):
        rows = tallies.rebuild()
        db.session.commit()
    click.echo(f"{rows} tally row(s) written.")


@portal_cli.command("forget-kept-pages")
def forget_kept_pages() -> None:
    """Retire every kept page, public and signed-in (after data was changed outside the portal: psql, a restore)."""
    if not _retire_kept_pages():
        raise click.ClickException("The page store (REDIS_URL) did not answer: kept pages were not retired.")
    click.echo("Every kept page (public and signed-in) is retired; the next visit draws it anew.")


def _retire_kept_pages() -> bool:
    from portal.core import session_pages
    from portal.public import kept_pages as public_cache

    return all([version.jump() for version in (public_cache.PUBLICATION_VERSION, session_pages.DATA_VERSION)])


@portal_cli.command("send-mail")
@periodic
def send_mail() -> None:
    """Send the e-mail, WhatsApp and SMS messages that are due, and the morning summaries (cron, every minute);
    failed messages are retried later."""
    summaries = digests.send_due()
    sent, failed = outbox.send_due()
    by_phone, phone_failed = channel_outbox.send_due()
    click.echo(f"{sent} sent, {failed} failed (will be retried, or dead after MAIL_MAX_ATTEMPTS).")
    click.echo(f"{by_phone} WhatsApp or SMS sent, {phone_failed} failed; {summaries} morning summaries.")


@portal_cli.command("deliver-webhooks")
@periodic
def deliver_webhooks() -> None:
    """Deliver the webhooks that are due (cron, every minute, where no mail-worker runs); failures wait longer."""
    delivered, failed = webhook_events.deliver_due()
    click.echo(f"{delivered} delivered, {failed} failed (retried for about a day).")


@portal_cli.command("mail-worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def mail_worker_command(burst: bool) -> None:
    """With REDIS_URL: an RQ worker that sends mail and webhooks right after the transaction that queued them
    commits, and runs the long work people start (imports, from the `mitrapas-work` queue)."""
    import faulthandler
    import signal

    from portal.ops import worker as mail_worker

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>`: where is it now (in its log)
    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set; use `flask portal send-mail` from cron instead.")
    mail_worker.work(current_app._get_current_object(), burst=burst)


@portal_cli.command("remind")
@periodic
def remind() -> None:
    """Daily (cron): expiring agreements and product certificates, approved agreements still unsigned, verification
    queues waiting; and the daily
    summary of new contributions, for the facilities' verifiers who chose it.

    Idempotent: each reminder is sent once, however often this runs, and each contribution is in one summary at
    most (running it twice a day sends a second summary of what came since the first, or nothing).
    """
    from portal.contributions import notices as contribution_notices
    from portal.notifications import operations as notifications
    from portal.umkm import notices as umkm_notices

    with unscoped("reminders look at every tenant's agreements and queues"):
        count = notifications.remind(unsigned_days=current_app.config["REMIND_UNSIGNED_DAYS"],
                                     queue_days=current_app.config["REMIND_VERIFICATION_DAYS"])
        count += umkm_notices.remind_certificates()
        db.session.commit()
    click.echo(f"{count} reminder(s) sent.")
    with unscoped("the summary looks at every facility's new contributions"):
        summaries = contribution_notices.send_digests()
        db.session.commit()
    click.echo(f"{summaries} summary(ies) of new contributions sent.")
