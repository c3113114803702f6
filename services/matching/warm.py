"""Work each process would otherwise repeat on its first requests, done once in the parent
before it forks: gunicorn's master before its workers (``on_starting`` in
``gunicorn.conf.py``), and the job worker before the work horse it forks for every job
(``flask jobs worker``, cli/jobs.py). Forked, they inherit it, and so does every web worker
that replaces one recycled after ``max_requests``.

Measured per process on this project's machine: the app's modules, 0.9 s to import; the
Chinese word segmenter's dictionary, 0.9 s of CPU at the first complaint filed; the meaning
model, 1.4 s at the first complaint embedded. Under the load bench the segmenter landed on
some member's filing as seconds of waiting, and each job's horse, which starts from its
parent's memory, paid the model's 1.4 s for every complaint it embedded.

Both also start the warm parent of the evidence steps
(:mod:`services.platform.jobs.step_server`), the anonymizer and the check loaded in it, which
every web worker (checking uploads) and every horse (anonymizing them) then shares: a step
forked from it skips about 2 s of start-up per upload.

The web processes embed nothing in production (a job worker does, ``JOBS_MODE = "rq"``), so
gunicorn's master leaves the model alone: where jobs run in the web processes, a worker loads
it at its first job.
"""

from __future__ import annotations


def warm_up_web() -> None:
    """What every web worker needs for its first filing: the segmenter."""
    from services.matching import text_terms

    text_terms.load_segmenter()
    start_evidence_steps()


def warm_up_job_worker() -> None:
    """Load what every job's horse needs before it is forked: the model and the segmenter."""
    from services.matching import meaning, text_terms

    text_terms.load_segmenter()
    meaning.load_model()
    start_evidence_steps()


def start_evidence_steps() -> None:
    """Start the step server with the evidence steps' modules loaded."""
    from services.evidence.contributions import CHECK_STEP
    from services.evidence.processing import CLEAN_STEP
    from services.platform.jobs import step_server

    step_server.start(preload=[step.partition(":")[0] for step in (CHECK_STEP, CLEAN_STEP)])
