"""The job queue's delivery guarantee: a job is acknowledged only when it has
run, so a worker that dies (``kill -9``, out of memory, the machine restarting)
loses nothing; its jobs go back to the queue for another worker.

- ``owners``: who holds a job or a claim (host, PID, start time, a token per
  life of the process), and whether that process is certainly gone.
- ``storage``: huey's SQLite and Redis storages with a taken list per worker,
  acknowledgement, the workers' registry and heartbeat, and the sweep that gives
  a dead worker's jobs back.
- ``consumer``: the huey instance and consumer that use them (take, run,
  acknowledge; register, beat, sweep, give back on the way out).
- ``claims``: the conditional UPDATE with which a task takes a row to work on,
  so that a job delivered twice does its work once.
- ``priority``: the CPU priority (nice) of the job threads.

See docs/architecture.md, "Background jobs: delivery".
"""
