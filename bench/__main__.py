"""``python -m bench [quality|latency|signing|steps ...]``: run benchmarks, write JSON.

Environment: ``BENCH_DATABASES`` (default ``sqlite,postgresql``), ``BENCH_SIZES`` for the
latency benchmark (default ``10000,100000``; add ``1000000`` for the full run).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    which = argv or ["quality", "latency", "signing"]
    databases = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    if "quality" in which:
        from bench.matching_quality import main as quality

        quality(databases)
    if "fit" in which:  # not in the default list: fits the matching weights, a few minutes
        from bench.matching_fit import main as fit

        fit()
    if "embeddings" in which:  # not in the default list: embeds both sets twice, ~10 min
        from bench.matching_embeddings import main as embeddings

        embeddings()
    if "baselines" in which:  # not in the default list: standard classifiers, ~2 min
        from bench.matching_baselines import main as baselines

        baselines()
    if "meaning-variants" in which:  # not in the default list: the real set, under a minute
        from bench.matching_meaning_variants import main as meaning_variants

        meaning_variants()
    if "latency" in which:
        from bench.matching_latency import main as latency

        sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
        latency(databases, sizes)
    if "signing" in which:
        from bench.signing_throughput import main as signing

        signing(databases)
    if "ocr" in which:  # not in the default list: slow, and needs no database
        from bench.ocr_quality import main as ocr

        ocr()
    if "ocr-fonts" in which:  # not in the default list: a minute or two of OCR
        from bench.ocr_fonts import main as ocr_fonts

        ocr_fonts()
    if "names" in which:  # not in the default list: needs no database
        from bench.name_suggestions import main as names

        names()
    if "steps" in which:  # not in the default list: an upload's steps, about two minutes
        from bench.step_start import main as steps

        steps()
    if "load" in which:  # not in the default list: a minute of gunicorn under locust
        from bench.load import main as load

        load()
    if "evidence" in which:  # not in the default list: 50 large uploads, a few minutes
        from bench.evidence_memory import main as evidence

        evidence()
    if "signing-profile" in which:  # not in the default list: where a signature's time goes
        from bench.signing_profile import main as signing_profile

        signing_profile(databases)
    if "http" in which:  # not in the default list: builds a 100,000-member case, ~30 min
        from bench.http_rates import main as http

        http(databases)
    if "statements" in which:  # not in the default list: 100,000-row statements, ~2 min
        from bench.statements import main as statements

        statements()
    if "bundle" in which:  # not in the default list: builds a 1 GB case (BENCH_BUNDLE_*)
        from bench.bundle_build import main as bundle

        bundle(os.environ.get("BENCH_DATABASES", "sqlite").split(","))


if __name__ == "__main__":
    main(sys.argv[1:])
