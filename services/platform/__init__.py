"""What every feature stands on: storage, background jobs, languages, hashing.

- :mod:`.storage`: content-addressed files on local disk or S3;
- :mod:`.jobs`: slow work run off the request, inline or through Redis;
- :mod:`.i18n`, :mod:`.labels`, :mod:`.formatting`, :mod:`.fonts`: the user's language,
  labels of stored codes, money, and the CJK font;
- :mod:`.pagination`: one page of a query in the caller's session;
- :mod:`.hashing`, :mod:`.retry`, :mod:`.day_range`: canonical hashes, retried transactions,
  whole-UTC-day filters.

Nothing is imported here: the complaint PDF's child process (services.bundle.pdf_process)
needs only the font's path, and importing every module above would bring SQLAlchemy and the
models along, 0.4 s of each bundle build. Import the module you need.
"""
