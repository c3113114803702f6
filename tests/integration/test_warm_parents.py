"""The parents of forked processes load what their children share before forking them
(services/matching/warm.py): gunicorn's master (``on_starting`` in gunicorn.conf.py), without
which every web worker, and every one that replaces a recycled worker, spent seconds of CPU
on some member's first filing; and the job worker, without which every job's horse loaded the
meaning model again (1.4 s) to embed one complaint. Both start the evidence steps' server, so
that every upload's check and anonymization is forked from it warm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: prints what the process has loaded, after the parent's start below
REPORT = """
import jieba
from services.matching import meaning
from services.platform.jobs import step_server
print(json.dumps({
    "step_server": step_server.running(),
    "segmenter": bool(jieba.dt.initialized),
    "model": meaning._model.cache_info().currsize == 1,
    "app_imported": "blueprints.complaints.views" in sys.modules,
}))
"""
#: runs the configuration's hook as gunicorn's master would
MASTER = """
import json, runpy, sys
hooks = runpy.run_path("gunicorn.conf.py")
hooks["on_starting"](None)
"""
#: runs ``flask jobs worker --burst`` in this process, on an empty queue
JOB_WORKER = """
import json, sys
from app import create_app
from extensions import db
app = create_app()
with app.app_context():
    db.create_all()
done = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
assert done.exit_code == 0, done.output
"""


def _loaded_after(start: str, tmp_path: Path, **settings: str) -> dict[str, bool]:
    env = {
        **os.environ,
        "CHORUS_ENV": "testing",
        "CHORUS_SECRET_KEY": "warm-test",
        "CHORUS_INSTANCE_PATH": str(tmp_path),
        **{f"CHORUS_{key}": value for key, value in settings.items()},
    }
    done = subprocess.run(
        [sys.executable, "-c", start + REPORT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_the_master_loads_what_its_workers_share(tmp_path: Path) -> None:
    loaded = _loaded_after(MASTER, tmp_path)
    # the model is the job worker's: the web processes embed nothing in production
    assert loaded == {
        "step_server": True,
        "segmenter": True,
        "model": False,
        "app_imported": True,
    }


def test_the_job_worker_loads_the_model_before_forking_horses(
    tmp_path: Path, redis_url: str
) -> None:
    loaded = _loaded_after(
        JOB_WORKER,
        tmp_path,
        REDIS_URL=redis_url,
        RQ_QUEUE=f"warm-{uuid.uuid4().hex}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'warm.sqlite3'}",
    )
    assert loaded["segmenter"]
    assert loaded["model"]
    assert loaded["step_server"]


#: a worker as gunicorn starts one after the master's hook: its own app, then its hook; prints
#: how many templates the app has, how many it holds compiled, and how many of those it
#: loaded from the master's cache rather than compiling them again
WORKER = """
import json, runpy, types
from app import create_app
hooks = runpy.run_path("gunicorn.conf.py")
hooks["on_starting"](None)
app = create_app()
compiled = []
original = app.jinja_env.compile
app.jinja_env.compile = lambda *a, **k: compiled.append(a) or original(*a, **k)
hooks["post_worker_init"](types.SimpleNamespace(wsgi=app))
print(json.dumps({
    "templates": len([n for n in app.jinja_env.list_templates() if n.endswith((".html", ".txt"))]),
    "held": len(app.jinja_env.cache),
    "compiled_in_worker": len(compiled),
}))
"""


def test_a_worker_takes_its_first_request_with_every_template_loaded(tmp_path: Path) -> None:
    """A fresh worker used to compile each template at its first use: 384 ms for the first
    visitor of a case page against 27 ms for the next. The master compiles them all into the
    cache on disk; the worker loads every one from it before serving, compiling none."""
    env = {
        **os.environ,
        "CHORUS_ENV": "testing",
        "CHORUS_SECRET_KEY": "warm-test",
        "CHORUS_INSTANCE_PATH": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["templates"] > 50
    assert report["held"] == report["templates"]
    assert report["compiled_in_worker"] == 0
    assert len(list((tmp_path / "template-cache").iterdir())) == report["templates"]
