"""gunicorn settings for ``make serve``: the same app the tests run, several worker processes.

Every value here can be overridden on the command line or by ``GUNICORN_CMD_ARGS``; the ones a
deployment usually changes are read from the environment (see docs/deploy.md).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

wsgi_app = "app:create_app()"
bind = os.environ.get("CHORUS_BIND", "127.0.0.1:8000")

# Processes for CPU (argon2 hashing, templates), threads for waiting on the database, Redis and
# object storage. gthread keeps a slow upload or bundle download from blocking its process.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("CHORUS_THREADS", "4"))

# A request that runs this long is stuck: the worker is replaced. Bundle downloads stream in
# chunks, each of which resets the clock, so large downloads are not cut off.
timeout = int(os.environ.get("CHORUS_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then, so a slow leak in a dependency cannot grow for ever.
max_requests = 5000
max_requests_jitter = 500

# Not preloaded: each worker opens its own database pool after the fork. What the workers
# share without a connection (the app's modules, the segmenter's dictionary) is loaded once,
# in the master, by on_starting below.
preload_app = False

# The load balancer's address, whose X-Forwarded-* headers gunicorn believes; the app trusts
# them through ProxyFix when CHORUS_TRUSTED_PROXIES is set.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("CHORUS_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("CHORUS_LOG_LEVEL", "info")


def on_starting(server: object) -> None:  # noqa: ARG001 - the hook's signature
    """Warm the master before the workers fork from it (services/matching/warm.py), and
    compile every template into the cache the workers load them from
    (blueprints/template_warmup.py)."""
    from app import create_app
    from blueprints.template_warmup import load_all_templates
    from services.matching.warm import warm_up_web

    load_all_templates(create_app())  # imports the app's modules too, once for all workers
    warm_up_web()


def post_worker_init(worker: Any) -> None:
    """Each worker, before its first request: its templates loaded from that cache."""
    from blueprints.template_warmup import warm_up_worker

    warm_up_worker(worker.wsgi)
