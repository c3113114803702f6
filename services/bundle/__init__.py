"""The case bundle: a zipped BagIt bag (RFC 8493) an authority downloads and can verify.

Modules: :mod:`~services.bundle.keys` (the platform's signing key), :mod:`~services.bundle.bag`
(names and tag-file formats shared by writer and verifier), :mod:`~services.bundle.contents`,
:mod:`~services.bundle.tables` and :mod:`~services.bundle.pdf` (what goes in, streamed),
:mod:`~services.bundle.writer` (the zip, in one pass), :mod:`~services.bundle.verify` and
:mod:`~services.bundle.job` (the background job and where the stored bundle is).

Nothing is imported here, so the web process pays for fpdf2 and the zip writer only when a
bundle is actually built.
"""
