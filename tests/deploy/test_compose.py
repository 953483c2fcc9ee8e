"""The production deployment files are valid for the tools that read them: docker-compose (Debian's 1.29, which needs
no Docker daemon for `config`), caddy and systemd-analyze; and they describe the layout docs/architecture.md promises.
"""

import os
import re
import shlex
import shutil
import subprocess

import pytest
import yaml

from tests.deploy.units import INSTALL_DIR, ROOT, SYSTEMD, unit_entries, unit_values

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "dugnad.env.example"
UNITS = ["dugnad-daphne@.service", "dugnad-migrate.service", "dugnad-worker.service", "dugnad.target",
         "dugnad-backup.service", "dugnad-backup.timer"]


def run(*args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False, **kwargs)


def compose_config(tmp_path):
    """`docker-compose config` of compose.yaml, with the example env file standing in for the real one."""
    interpolation = tmp_path / "compose.env"
    interpolation.write_text(f"DUGNAD_ENV_FILE={ENV_EXAMPLE}\n")
    return run(shutil.which("docker-compose"), "--env-file", str(interpolation), "-f", str(COMPOSE), "config")


@pytest.fixture(scope="module")
def services():
    """The services of compose.yaml as written (YAML anchors and merge keys resolved, nothing interpolated)."""
    return yaml.safe_load(COMPOSE.read_text())["services"]


def daphne_names(services):
    return sorted(name for name, service in services.items() if "command" not in service and name.startswith("daphne"))


def test_docker_compose_accepts_the_compose_file(tmp_path):
    result = compose_config(tmp_path)

    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    assert resolved["services"]["daphne1"]["environment"]["DJANGO_ALLOWED_HOSTS"] == "dugnad.example.org"


def test_compose_runs_at_least_two_daphne_services_from_one_image_with_health_checks(services):
    names = daphne_names(services)

    assert len(names) >= 2
    images = {services[name]["image"] for name in names}
    assert images == {services["migrate"]["image"]}
    for name in names:
        service = services[name]
        assert service["restart"] == "unless-stopped"
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "ports" not in service  # reached through the proxy only


def test_the_image_runs_daphne_with_a_raised_backlog_and_proxy_headers():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    (cmd,) = re.findall(r"^CMD (.+)$", dockerfile, re.MULTILINE)

    argv = yaml.safe_load(cmd)  # the exec form is a JSON list
    assert argv[0] == "daphne"
    assert "--proxy-headers" in argv
    endpoint = argv[argv.index("-e") + 1]
    assert dict(part.split("=") for part in endpoint.split(":")[1:]) == {
        "port": "8000", "interface": "0.0.0.0", "backlog": "2048"  # noqa: S104 (inside the container)
    }
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", dockerfile, re.MULTILINE)
    assert "--require-hashes" in dockerfile
    assert re.search(r"^USER dugnad$", dockerfile, re.MULTILINE)


def test_compose_has_database_redis_migrate_worker_and_proxy_with_health_checks(services):
    assert services["db"]["image"].startswith("postgis/postgis:15-3.")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["image"].startswith("redis:7")
    assert "ping" in services["redis"]["healthcheck"]["test"]
    assert "migrate" in " ".join(services["migrate"]["command"])
    assert services["migrate"]["restart"] == "no"
    assert services["worker"]["command"] == ["python", "manage.py", "procrastinate", "worker"]
    assert services["caddy"]["image"].startswith("caddy:2")


def test_only_the_proxy_is_published_on_80_and_443(services):
    published = {name: service["ports"] for name, service in services.items() if "ports" in service}

    assert list(published) == ["caddy"]
    assert {"80:80", "443:443"} <= set(published["caddy"])


def test_every_service_reads_its_settings_from_env_files_and_none_holds_a_secret(services):
    secret_names = re.compile(r"SECRET|PASSWORD|DATABASE_URL|TOKEN", re.IGNORECASE)
    for name, service in services.items():
        assert service["env_file"] == "${DUGNAD_ENV_FILE:-dugnad.env}", name
        assert not [key for key in service.get("environment", {}) if secret_names.search(key)], name


def test_data_lives_in_named_volumes(services):
    volumes = yaml.safe_load(COMPOSE.read_text())["volumes"]

    assert {"db-data", "static", "caddy-data", "caddy-config"} <= set(volumes)
    assert "db-data:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert {"caddy-data:/data", "caddy-config:/config", "static:/srv/static:ro"} <= set(services["caddy"]["volumes"])
    assert "static:/srv/static" in services["migrate"]["volumes"]


def test_the_example_env_file_documents_every_setting_production_requires():
    keys = {line.split("=", 1)[0] for line in ENV_EXAMPLE.read_text().splitlines() if re.match(r"^[A-Z_]+=", line)}

    required = {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_EMAIL_HOST", "DUGNAD_BASE_URL", "DATABASE_URL",
                "REDIS_URL", "DUGNAD_METRICS_TOKEN", "POSTGRES_PASSWORD", "DUGNAD_SITE_ADDRESS", "DUGNAD_HOST",
                "CADDY_TLS"}
    assert required <= keys
    database_url = next(line for line in ENV_EXAMPLE.read_text().splitlines() if line.startswith("DATABASE_URL="))
    assert "pool=1" in database_url
    assert "pool_max=" in database_url


def test_the_real_env_file_is_ignored_by_git_and_docker():
    result = run("git", "check-ignore", "-q", "deploy/dugnad.env", cwd=ROOT)

    assert result.returncode == 0
    assert "deploy/*.env" in (ROOT / ".dockerignore").read_text().splitlines()


@pytest.mark.parametrize("upstreams", ["daphne1:8000 daphne2:8000", "127.0.0.1:8001 127.0.0.1:8002 127.0.0.1:8003"])
def test_caddy_validates_the_caddyfile_for_compose_and_for_the_systemd_layout(tmp_path, upstreams):
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "DUGNAD_SITE_ADDRESS": "dugnad.example.org",
        "DUGNAD_HOST": "dugnad.example.org",
        "DUGNAD_UPSTREAMS": upstreams,
        "DUGNAD_STATIC_ROOT": str(tmp_path),
        "CADDY_TLS": "ops@example.org",
    }

    result = run(shutil.which("caddy"), "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile",
                 env=env)
    adapted = run(shutil.which("caddy"), "adapt", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile",
                  env=env)

    assert result.returncode == 0, result.stderr
    dials = re.findall(r'"dial":"([^"]+)"', adapted.stdout)
    assert set(dials) == set(upstreams.split())


def test_systemd_analyze_verifies_the_units(tmp_path):
    """The units as installed in /opt/dugnad, pointed at this checkout (whose .venv has the same programs)."""
    for name in UNITS:
        (tmp_path / name).write_text((SYSTEMD / name).read_text().replace(INSTALL_DIR, str(ROOT)))

    result = run(shutil.which("systemd-analyze"), "verify", *(f"./{name.replace('@.', '@8001.')}" for name in UNITS),
                 cwd=tmp_path, env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"})

    # systemd-analyze exits 0 on unknown keys and values it cannot parse, but says so.
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""


def test_the_daphne_unit_binds_localhost_with_a_raised_backlog_and_runs_hardened():
    unit = SYSTEMD / "dugnad-daphne@.service"
    (exec_start,) = unit_values(unit, "Service", "ExecStart")
    argv = shlex.split(exec_start)

    assert argv[0] == f"{INSTALL_DIR}/.venv/bin/daphne"
    assert argv[argv.index("-e") + 1] == "tcp:port=%i:interface=127.0.0.1:backlog=2048"
    assert "--proxy-headers" in argv
    assert argv[-1] == "config.asgi:application"
    service = dict(unit_entries(unit)["Service"])
    assert service["EnvironmentFile"] == "/etc/dugnad/dugnad.env"
    assert service["Restart"] == "always"
    assert service["User"] == "dugnad"
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
                       "ProtectHome": "yes", "CapabilityBoundingSet": ""}.items():
        assert service[key] == value, key


def test_the_target_starts_migrations_three_daphne_processes_and_the_worker():
    wanted = " ".join(unit_values(SYSTEMD / "dugnad.target", "Unit", "Wants")).split()
    caddy_env = (SYSTEMD / "caddy.env.example").read_text()

    daphnes = [name for name in wanted if name.startswith("dugnad-daphne@")]
    assert len(daphnes) == 3
    assert {"dugnad-migrate.service", "dugnad-worker.service"} <= set(wanted)
    ports = [name.removeprefix("dugnad-daphne@").removesuffix(".service") for name in daphnes]
    assert " ".join(f"127.0.0.1:{port}" for port in ports) in caddy_env
    for name in ("dugnad-daphne@.service", "dugnad-worker.service"):
        assert "dugnad-migrate.service" in unit_values(SYSTEMD / name, "Unit", "After")[0].split()
    migrate = dict(unit_entries(SYSTEMD / "dugnad-migrate.service")["Service"])
    assert migrate["Type"] == "oneshot"


def _caddyfile_required_variables():
    """The {$NAME} placeholders of the Caddyfile that have no default."""
    lines = [line for line in (DEPLOY / "Caddyfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    return set(re.findall(r"\{\$([A-Z_]+)\}", "\n".join(lines)))


def _env_file_keys(path):
    return {line.split("=", 1)[0] for line in path.read_text().splitlines() if re.match(r"^[A-Z_]+=", line)}


def test_both_layouts_give_caddy_every_setting_it_requires(services):
    required = _caddyfile_required_variables()

    compose_provides = _env_file_keys(ENV_EXAMPLE) | set(services["caddy"]["environment"])
    systemd_provides = _env_file_keys(SYSTEMD / "caddy.env.example")
    assert required == {"DUGNAD_SITE_ADDRESS", "DUGNAD_UPSTREAMS", "DUGNAD_HOST", "DUGNAD_STATIC_ROOT", "CADDY_TLS"}
    assert required <= compose_provides
    assert required <= systemd_provides


def test_the_hosts_caddy_service_runs_the_repositorys_caddyfile_with_dugnads_environment():
    drop_in = SYSTEMD / "caddy.service.d" / "dugnad.conf"

    assert unit_values(drop_in, "Service", "EnvironmentFile") == ["/etc/dugnad/caddy.env"]
    exec_start = unit_values(drop_in, "Service", "ExecStart")
    assert exec_start[0] == ""  # clears Debian's own ExecStart first
    argv = shlex.split(exec_start[1])
    assert argv[argv.index("--config") + 1] == f"{INSTALL_DIR}/deploy/Caddyfile"
    # Caddy serves the directory dugnad-migrate.service collects the static files into, and the processes that
    # render pages read the manifest of hashed names from the same place.
    static_root = _env_value(SYSTEMD / "caddy.env.example", "DUGNAD_STATIC_ROOT")
    for name in ("dugnad-migrate.service", "dugnad-daphne@.service", "dugnad-worker.service"):
        assert f"DUGNAD_STATIC_ROOT={static_root}" in unit_values(SYSTEMD / name, "Service", "Environment"), name


def _env_value(path, key):
    return next(line.split("=", 1)[1] for line in path.read_text().splitlines() if line.startswith(f"{key}="))
