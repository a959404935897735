"""Benchmarks for anqi. Run them with ``make bench`` (``python -m bench``);
they are never part of ``make test``.

- ``bench.databases``: builds and caches the demo SQLite databases (1,000 and
  100,000 enterprises) in ``bench/results/cache/``.
- ``bench.apps``: the anqi app and the Flask-Admin baseline on one database file,
  and a SQL statement counter.
- ``bench.enterprise_list``: the enterprise-list benchmark (issue 2).
- ``bench.report``: the tables printed and written to ``bench/results/latest.md``.
"""
