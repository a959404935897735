"""The load and soak test (``make loadtest``): locust's simulated desk and
station staff against ``anqi serve`` on PostgreSQL (four workers, Redis queue
and rate-limit storage, one ``anqi worker``) and on a SQLite copy of the same
data (one worker process, huey's SQLite queue), while a batch of letters renders
on the worker. Not part of ``make test``.
"""
