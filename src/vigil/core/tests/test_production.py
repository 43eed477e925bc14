"""Production: the commands that run Vigil (serve, worker, beat), compiled catalogs in every
install, and `vigil check --deploy` clean with the environment docs/deploy.md gives."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from vigil.config.celery import app
from vigil.core.checks_production import compiled_catalogs, shared_cache, stale_catalogs
from vigil.core.management.commands.worker import consumed_queues

REPO = Path(settings.BASE_DIR)
SRC = REPO / "src" / "vigil"


def dry_run(name: str, *args: str) -> list[str]:
    out = io.StringIO()
    call_command(name, "--dry-run", *args, stdout=out)
    return shlex.split(out.getvalue())


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


# --- vigil serve ----------------------------------------------------------------------------

def test_serve_runs_gunicorn_on_vigil_with_production_defaults(monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("VIGIL_BIND", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    argv = dry_run("serve")
    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert argv[-1] == "vigil.config.wsgi:application"
    assert option(argv, "--bind") == "127.0.0.1:8000"
    assert option(argv, "--workers") == "9"  # 2 x 4 CPUs + 1
    assert option(argv, "--timeout") == "120"
    assert option(argv, "--access-logfile") == "-"
    assert option(argv, "--max-requests") == "2000"


def test_serve_takes_its_address_from_port_or_vigil_bind(monkeypatch):
    monkeypatch.delenv("VIGIL_BIND", raising=False)
    monkeypatch.setenv("PORT", "8123")
    assert option(dry_run("serve"), "--bind") == "127.0.0.1:8123"
    monkeypatch.setenv("VIGIL_BIND", "unix:/run/vigil/gunicorn.sock")
    assert option(dry_run("serve"), "--bind") == "unix:/run/vigil/gunicorn.sock"
    assert option(dry_run("serve", "--bind", "0.0.0.0:9000"), "--bind") == "0.0.0.0:9000"


def test_serve_passes_options_after_the_double_dash_to_gunicorn():
    argv = dry_run("serve", "--workers", "3", "--max-requests", "0", "--",
                   "--forwarded-allow-ips", "10.0.0.5", "--keep-alive", "5")
    assert option(argv, "--workers") == "3"
    assert "--max-requests" not in argv
    assert argv[-5:] == ["--forwarded-allow-ips", "10.0.0.5", "--keep-alive", "5",
                         "vigil.config.wsgi:application"]


# --- vigil worker and vigil beat ------------------------------------------------------------

def queues_named_in_source() -> set[str]:
    """Every queue="..." / "queue": "..." written in Vigil's code, read independently of
    Celery's registry: a task sent to a queue by name is caught too."""
    found: set[str] = set()
    pattern = re.compile(r"""\bqueue["']?\s*[=:]\s*["']([\w.-]+)["']""")
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        found.update(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def test_worker_consumes_every_queue_a_task_can_be_sent_to(settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    queues = option(dry_run("worker"), "--queues").split(",")
    assert queues == consumed_queues()
    app.loader.import_default_modules()
    task_queues = {t.queue for name, t in app.tasks.items()
                   if not name.startswith("celery.") and getattr(t, "queue", None)}
    assert task_queues >= {"mail", "periodic"}
    missing = (task_queues | queues_named_in_source() | {app.conf.task_default_queue}) \
        - set(queues)
    assert not missing, f"no worker would consume {sorted(missing)}"


def test_worker_consumes_a_queue_named_only_by_a_route_or_the_beat_schedule():
    routes, schedule = app.conf.task_routes, app.conf.beat_schedule
    app.conf.task_routes = {"vigil.performance.*": {"queue": "reports"}}
    app.conf.beat_schedule = {**schedule, "x": {"task": "vigil.core.tasks.apply_retention",
                                                "schedule": 60, "options": {"queue": "nightly"}}}
    try:
        assert {"reports", "nightly", "celery", "mail", "periodic"} <= set(consumed_queues())
    finally:
        app.conf.task_routes, app.conf.beat_schedule = routes, schedule
    assert not {"reports", "nightly"} & set(consumed_queues())


def test_every_scheduled_task_is_a_registered_task_on_a_consumed_queue():
    app.loader.import_default_modules()
    consumed = set(consumed_queues())
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: no task {entry['task']}"
        assert (app.tasks[entry["task"]].queue or "celery") in consumed


def test_worker_dedicated_queues_and_options(settings):
    argv = dry_run("worker", "--queues", "mail", "--concurrency", "4", "--", "-O", "fair")
    assert argv[:6] == [sys.executable, "-m", "celery", "-A", "vigil.config", "worker"]
    assert option(argv, "--queues") == "mail"
    assert option(argv, "--concurrency") == "4"
    assert argv[-2:] == ["-O", "fair"]
    with pytest.raises(CommandError, match="No Vigil task goes to bulk"):
        dry_run("worker", "--queues", "mail,bulk")


def test_worker_and_beat_refuse_to_start_without_a_broker(settings):
    settings.CELERY_BROKER_URL = ""
    for verb in ("worker", "beat"):
        with pytest.raises(CommandError, match="CELERY_BROKER_URL is not set"):
            call_command(verb)


def test_beat_keeps_its_schedule_in_the_var_directory():
    argv = dry_run("beat", "--", "--max-interval", "30")
    assert argv[:6] == [sys.executable, "-m", "celery", "-A", "vigil.config", "beat"]
    assert option(argv, "--schedule") == str(Path(settings.VAR_DIR) / "celerybeat-schedule")
    assert argv[-2:] == ["--max-interval", "30"]


# --- Compiled catalogs ----------------------------------------------------------------------

def build_hook():
    """setup.py, the build hook pip runs (its setup() call runs only under setuptools)."""
    spec = importlib.util.spec_from_file_location("vigil_build_hook", REPO / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def bare_locale(tmp_path):
    """The Chinese catalog as git holds it: a .po and no .mo."""
    po = SRC / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    target = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(po, target / "django.po")
    return tmp_path / "locale"


def sign_in_page(client, **headers):
    response = client.get("/sign-in/", **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_chinese_sign_in_page_on_production_settings_after_the_build_hook(client, bare_locale):
    production = {"DEBUG": False, "LOCALE_PATHS": [bare_locale],
                  "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True}
    # As deployed before: catalogs in git only, the page in English.
    with override_settings(**production):
        assert stale_catalogs() == [bare_locale / "zh_Hans" / "LC_MESSAGES" / "django.po"]
        assert [m.id for m in compiled_catalogs()] == ["vigil.W001"]
        page = sign_in_page(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "Sign in to Vigil" in page
        assert "登录 Vigil" not in page
    written = build_hook().compile_catalogs(bare_locale)
    assert written == [bare_locale / "zh_Hans" / "LC_MESSAGES" / "django.mo"]
    with override_settings(**production):
        assert stale_catalogs() == []
        assert compiled_catalogs() == []
        page = sign_in_page(client, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert '<html lang="zh-hans"' in page
        assert "登录 Vigil" in page
        assert "Sign in to Vigil" not in page
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        assert "登录 Vigil" in sign_in_page(client, HTTP_ACCEPT_LANGUAGE="en")


def test_build_hook_compiles_only_what_is_missing_or_older(bare_locale):
    hook = build_hook()
    mo = bare_locale / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    assert hook.compile_catalogs(bare_locale) == [mo]
    assert hook.compile_catalogs(bare_locale) == []
    po = mo.with_suffix(".po")
    # Installed from a wheel: the .po written just after the .mo; the same build.
    os.utime(po, (mo.stat().st_mtime + 0.5, mo.stat().st_mtime + 0.5))
    assert stale_catalogs([bare_locale]) == []
    os.utime(po, (mo.stat().st_mtime + 10, mo.stat().st_mtime + 10))  # edited after
    assert stale_catalogs([bare_locale]) == [po]
    assert hook.compile_catalogs(bare_locale) == [mo]


def test_setuptools_runs_the_build_hook():
    """pyproject.toml names no cmdclass of its own: setup.py's is the one setuptools uses,
    and polib is there when it runs."""
    text = (REPO / "pyproject.toml").read_text()
    assert re.search(r'^requires = \[.*"polib', text, re.M)
    assert 'cmdclass={"build_py": BuildPyWithCatalogs}' in (REPO / "setup.py").read_text()
    assert "*.mo" in (REPO / ".gitignore").read_text().split()


# --- vigil check --deploy -------------------------------------------------------------------

def deploy_environment() -> dict[str, str]:
    """The environment file of docs/deploy.md (the block after "vigil.env")."""
    doc = (REPO / "docs" / "deploy.md").read_text()
    block = re.search(r"<!-- vigil\.env -->\s*```sh\n(.*?)```", doc, re.S)
    assert block, "docs/deploy.md has no environment block"
    env = {}
    for line in block.group(1).splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    return env


def test_check_deploy_is_clean_with_the_documented_environment(tmp_path):
    documented = deploy_environment()
    assert documented["DEBUG"] == "false"
    assert {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "CELERY_BROKER_URL", "CACHE_URL",
            "EMAIL_URL", "VIGIL_BASE_URL"} <= documented.keys()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VIGIL_", "DJANGO_", "CELERY_")) and k not in
           {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CACHE_URL", "EMAIL_URL"}}
    env.update(documented)
    # Its placeholders: a key of the length it asks for, and a writable directory.
    env["SECRET_KEY"] = "k" * 10 + "-production-test-key-" + "x7Qp2" * 10
    env["VIGIL_VAR_DIR"] = str(tmp_path)
    vigil = [sys.executable, "-m", "vigil.manage"]
    # As installing does (setup.py): a no-op when the catalogs are compiled already.
    subprocess.run([*vigil, "compile_catalogs"], env=env, check=True, cwd=tmp_path)  # noqa: S603
    check = [*vigil, "check", "--deploy", "--fail-level", "WARNING"]
    done = subprocess.run(check, env=env, capture_output=True, text=True,  # noqa: S603
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "System check identified no issues (0 silenced)." in done.stdout
    # And the same environment with DEBUG on is reported: the check is not blind.
    done = subprocess.run(check, env={**env, "DEBUG": "true"},  # noqa: S603
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode != 0
    assert "security.W018" in done.stderr + done.stdout


LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": "redis://127.0.0.1:6379/1"}}


@pytest.mark.parametrize(("broker", "caches", "warned"), [
    ("redis://127.0.0.1:6379/0", LOCMEM, True),   # workers' figures would never reach the web
    ("redis://127.0.0.1:6379/0", REDIS, False),   # the production pair (docs/deploy.md)
    ("", LOCMEM, False),                          # embedded defaults: tasks run in-process
])
def test_a_broker_with_a_per_process_cache_is_warned_of(broker, caches, warned):
    with override_settings(CELERY_BROKER_URL=broker, CACHES=caches):
        found = shared_cache()
    assert [m.id for m in found] == (["vigil.W002"] if warned else [])
    if warned:
        assert "CACHE_URL" in found[0].msg
        assert "redis://" in str(found[0].hint)


def test_the_wsgi_application_freezes_what_it_loaded_out_of_the_cycle_collector():
    import gc
    import importlib

    import vigil.config.wsgi

    gc.unfreeze()
    try:
        importlib.reload(vigil.config.wsgi)
        assert gc.get_freeze_count() > 0
        assert callable(vigil.config.wsgi.application)
    finally:
        gc.unfreeze()
