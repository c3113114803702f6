"""The hypothesis settings of every fuzz test.

Every fuzz test runs with ``derandomize=True`` and no example database, so CI is reproducible:
the seed comes from the test's own source, the same command on the same commit tries the same
examples on every machine, and no local ``.hypothesis`` directory changes what a run covers.
(Hypothesis also draws literals from the modules loaded, so a file alone and the whole suite try
different, each fixed, sets.) A failure found once is kept as an explicit example.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings


def fuzz(max_examples: int) -> settings:
    """No deadline (the first example pays for imports and caches). Function-scoped fixtures
    are shared by the examples of a test: each example rolls back what it wrote or works on its
    own copy of the bytes. Large and slow inputs are the point, not a problem."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
