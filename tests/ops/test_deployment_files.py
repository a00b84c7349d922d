"""The deployment samples stay in step with the portal: every periodic command has a timer, every timer a
command, and each unit runs the installed `mitrapas`."""
import re
from configparser import ConfigParser

from portal import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy" / "systemd"
README = (PROJECT_ROOT / "README.md").read_text()


def unit(path) -> ConfigParser:
    parser = ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def periodic_commands() -> set[str]:
    """The README's Operations lines that say how often they run (`mitrapas portal <name>`, or `mitrapas <name>`
    for a command of its own, the backup)."""
    return set(re.findall(r"mitrapas (?:portal )?([a-z-]+)[^\n]*# (?:daily|hourly|weekly|cron)", README))


def test_every_periodic_command_has_a_timer_and_every_timer_a_command(app):
    timers = {path.name.removeprefix("mitrapas-").removesuffix(".timer"): unit(path)
              for path in DEPLOY.glob("mitrapas-*.timer")}
    assert periodic_commands() and set(timers) == periodic_commands()
    commands = set(app.cli.get_command(app.app_context(), "portal").commands)
    for name, timer in timers.items():
        assert timer["Timer"]["OnCalendar"]
        if timer["Timer"]["Unit"] == f"mitrapas-{name}.service":  # a command of its own: its own service runs it
            assert app.cli.get_command(app.app_context(), name) is not None, f"the timer {name} runs no command"
            service = unit(DEPLOY / f"mitrapas-{name}.service")["Service"]
            assert service["ExecStart"].split()[:2] == ["/srv/mitrapas/venv/bin/mitrapas", name]
            continue
        assert name in commands, f"the timer {name} runs no command"
        assert timer["Timer"]["Unit"] == f"mitrapas-task@{name}.service"


def test_every_unit_runs_the_installed_command_with_the_environment_file():
    for path in DEPLOY.glob("*.service"):
        service = unit(path)["Service"]
        assert service["ExecStart"].startswith("/srv/mitrapas/venv/bin/mitrapas ")
        assert service["EnvironmentFile"] == "/etc/mitrapas/mitrapas.env"
        assert service["User"] == "mitrapas"


def test_the_readme_points_at_the_samples():
    for sample in ("deploy/systemd/", "deploy/nginx/mitrapas.conf", "mitrapas.env.example"):
        assert sample in README


def test_the_nginx_sample_refuses_unknown_hosts_and_passes_on_the_address_it_saw():
    """The portal trusts only PUBLIC_URL's host and the last X-Forwarded-For hop (README, Security)."""
    conf = (DEPLOY.parent / "nginx" / "mitrapas.conf").read_text()
    servers = re.findall(r"server \{(.*?)\n\}", conf, re.DOTALL)
    default = [server for server in servers if "default_server" in server]
    assert default and all("return 444;" in server and "server_name _;" in server for server in default)
    assert all("default_server" in server or "server_name mitrapas.example;" in server for server in servers)
    assert "$host" not in conf.replace("proxy_set_header Host $host;", ""), "no link is built from a client's Host"
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf
