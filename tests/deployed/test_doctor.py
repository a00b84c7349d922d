"""Story: the operations team runs `mitrapas doctor` on the deployed stack: clean once the periodic commands
have run, and one clear line for each thing broken on purpose."""
from __future__ import annotations

from mitrapas_dev.seaweedfs import free_port

PERIODIC = (("agreements-tick",), ("remind",), ("purge-materials",), ("purge-expired",), ("send-mail",),
            ("deliver-webhooks",),
            ("storage-reconcile", "--grace-minutes", "0", "--fix"))


def test_the_doctor_finds_the_deployment_sound_once_its_timers_have_run(stack):
    before = stack.flask("doctor", check=False)
    assert before.returncode == 1 and "`mitrapas portal remind` has never finished successfully" in before.stdout
    for command in PERIODIC:
        stack.flask("portal", *command)
    # The backup stories may have backed this stack up already (the tier shares one stack); the doctor's backup
    # check before any backup, and after a failed one, is tests/ops/test_backup.py's.
    stack.flask("backup", "--to", str(stack.folder / "doctor-backups"))
    after = stack.flask("doctor", check=False)
    assert after.returncode == 0, after.stdout
    assert "ok    backups" in after.stdout and "Everything the deployment needs is in place." in after.stdout


def test_the_doctor_names_each_thing_broken_on_purpose(stack):
    broken = stack.flask("doctor", check=False, changes={
        "DATABASE_URL": stack.env["MIGRATION_DATABASE_URL"],  # the owner, not the login role
        "SECRET_KEY": "change-me",
        "PUBLIC_URL": "http://mitrapas.example",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        "S3_SECRET_ACCESS_KEY": "not-the-key",
        "MAIL_PORT": str(free_port()),
    })
    assert broken.returncode == 1
    for expected in ("FAIL  database role and Row-Level Security\n      - the portal connects as",
                     "SECRET_KEY is too short or a known example", "PUBLIC_URL is http://",
                     "does not answer", "is not writable with the portal's keys",
                     "the mail server 127.0.0.1:"):
        assert expected in broken.stdout, (expected, broken.stdout)
    assert "ok    translation catalogs" in broken.stdout and "ok    migrations" in broken.stdout
