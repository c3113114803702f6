"""Work each process would otherwise repeat on its first requests, done once in the parent
before it forks: gunicorn's master before its workers (``on_starting`` in
``gunicorn.conf.py``), and the job worker before the work horse it forks for every job
(``flask jobs worker``, cli/jobs.py). Forked, they inherit it, and so does every
web worker that replaces one recycled after ``max_requests``.

Measured per process on this project's machine: loading the Chinese word segmenter's
dictionary, 0.9 s of CPU at the first complaint filed; the meaning model, 1.4 s at the first
complaint embedded, which the web processes do only when jobs run among them
(``JOBS_MODE = "thread"``); the app's modules, 0.9 s to import. Under the load bench each of
these landed on some visitor's request as seconds of waiting, and a job worker's horse, which
starts from its parent's memory, paid the model's 1.4 s for every complaint it embedded.
"""

from __future__ import annotations

from flask import Flask

#: jobs run in the web processes in these modes, the meaning model with them
JOBS_IN_WEB_PROCESS = ("thread", "eager")


def warm_up(app: Flask) -> None:
    """Load what the app's workers share: the segmenter always, the model where jobs run."""
    from services.matching import meaning, text_terms

    text_terms.load_segmenter()
    if app.config["JOBS_MODE"] in JOBS_IN_WEB_PROCESS:
        meaning.load_model()


def warm_up_job_worker() -> None:
    """Load what every job's horse needs before it is forked: the model and the segmenter."""
    from services.matching import meaning, text_terms

    text_terms.load_segmenter()
    meaning.load_model()
