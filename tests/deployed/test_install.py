"""Story: an operations team follows the Production section (deploy/install.sh) from a blank database to a
signed-in page, with the wheel the tier built."""
from __future__ import annotations

import subprocess

import requests

from mitrapas_dev.seaweedfs import free_port
from portal import PROJECT_ROOT
from tests.databases import fresh_database
from tests.deployed.stack import _RELEASE, WORKERS, _wait_until, install_release
from tests.visitor import Visitor

ADMIN, PASSWORD = "admin@rutan-baru.example", "kata sandi yang panjang sekali"


def test_the_production_steps_take_a_blank_database_to_a_signed_in_page(stack, tmp_path):
    install_release()
    with fresh_database("install", base=stack.postgres.url) as database:
        env = {**stack.env, "DATABASE_URL": database.app_url, "MIGRATION_DATABASE_URL": database.owner_url,
               "S3_BUCKET": "mitrapas-install"}
        prefix = tmp_path / "srv"
        installed = subprocess.run(["sh", str(PROJECT_ROOT / "deploy" / "install.sh"), str(_RELEASE["wheel"]),
                                    str(prefix)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=900)
        assert installed.returncode == 0, installed.stderr[-3000:]
        assert "mitrapas, version" in installed.stdout
        mitrapas = str(prefix / "venv" / "bin" / "mitrapas")
        # What production installs is the portal alone: no demo command, no developer package, none of its servers.
        commands = subprocess.run([mitrapas, "portal", "--help"], env=env, cwd=tmp_path, capture_output=True,
                                  text=True, check=True).stdout
        assert "audit-verify" in commands and "seed-demo" not in commands
        for developer_only in ("mitrapas_dev", "seaweedfs", "aiosmtpd"):
            found = subprocess.run([str(prefix / "venv" / "bin" / "python"), "-c", f"import {developer_only}"],
                                   env=env, cwd=tmp_path, capture_output=True)
            assert found.returncode != 0, f"{developer_only} is installed in production"
        subprocess.run([mitrapas, "portal", "create-admin", "--email", ADMIN, "--name", "Admin Rutan Baru",
                        "--password", PASSWORD], env=env, cwd=tmp_path, check=True, capture_output=True)

        port = free_port()
        server = subprocess.Popen(
            [mitrapas, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
             "--certfile", str(stack.folder / "cert.pem"), "--keyfile", str(stack.folder / "key.pem")],
            env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            url = f"https://127.0.0.1:{port}"
            _wait_until(lambda: requests.get(url + "/healthz", verify=stack.ca_file, timeout=5).ok, 60, "serve")
            admin = Visitor(url, verify=stack.ca_file)
            admin.login(ADMIN, PASSWORD)
            home = admin.get("/").text
            assert '<html lang="id">' in home and 'action="/logout"' in home and ">Keluar<" in home
        finally:
            server.terminate()
            server.wait(30)
