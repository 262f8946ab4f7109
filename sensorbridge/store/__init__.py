"""SQLite storage of sessions, posture intervals and summaries.

One file (``Config.db_path``: ``--db``, ``SENSORBRIDGE_DB`` or the platform's user data directory),
WAL mode, owner-only permissions. Modules, one concept each:

- :mod:`~sensorbridge.store.schema`: the tables, numbered migrations, ``PRAGMA user_version``.
- :mod:`~sensorbridge.store.db`: opening the file (permissions, pragmas, migration), transactions.
- :mod:`~sensorbridge.store.store`: :class:`Store`, writes and reads in Unix seconds.
- :mod:`~sensorbridge.store.writer`: :class:`LiveWriter`, batched commits at least once a second.
- :mod:`~sensorbridge.store.recorder`: :class:`PostureRecorder`, live pipeline output into the writer.
- :mod:`~sensorbridge.store.ingest`: a whole offline analysis as one session.
- :mod:`~sensorbridge.store.summary` / :mod:`~sensorbridge.store.periods`: a day; a week or month.
- :mod:`~sensorbridge.store.localtime` / :mod:`~sensorbridge.store.coverage`: local days, time-line maths.
- :mod:`~sensorbridge.store.export`: everything in a range of days, as JSON or CSV.
- :mod:`~sensorbridge.store.benchdata`: a synthetic month for ``make bench`` and the tests.

Every ``sqlite3.Error`` leaves as a :class:`~sensorbridge.store.errors.StoreError` with a hint.
"""
