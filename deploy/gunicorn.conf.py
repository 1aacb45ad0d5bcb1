"""gunicorn configuration for kpidash: `gunicorn -c deploy/gunicorn.conf.py kpidash.wsgi`.

Every value can be overridden from the environment (GUNICORN_* below), so one
file serves every host. Threads let a worker overlap requests that wait on
PostgreSQL; each thread keeps its own persistent database connection.

Pages are CPU work in Python, so one process per core (plus one) with a few
threads each; and a worker accepts only as many connections as it has threads,
closing each after its response (the proxy in front keeps the browsers'
connections open). A request therefore waits in the one shared queue for the
first free worker, never behind a busy worker that took more connections than
it could serve: that unfairness, not the pages' speed, was what made the
slowest 5% of requests several times slower than the median (README "Load").
"""

import multiprocessing
import os
import sys

# Read through the same typed readers as settings.py, so GUNICORN_WORKERS=four stops
# start-up naming the variable and what is allowed, instead of a bare ValueError.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from kpidash import env  # noqa: E402

bind = env.text("GUNICORN_BIND", "127.0.0.1:8000")
workers = env.integer("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1, minimum=1, maximum=256)
worker_class = env.choice("GUNICORN_WORKER_CLASS", "gthread", ["gthread", "sync"])
threads = env.integer("GUNICORN_THREADS", 4, minimum=1, maximum=256)
timeout = env.integer("GUNICORN_TIMEOUT", 30, minimum=1, maximum=3600)
graceful_timeout = 30
keepalive = env.integer("GUNICORN_KEEPALIVE", 0, minimum=0, maximum=3600)
worker_connections = env.integer("GUNICORN_WORKER_CONNECTIONS", threads, minimum=1, maximum=100000)
# Recycle workers now and then so a slow leak cannot grow without bound (a new worker
# compiles its templates again, so not too often: at 200 requests/s, each of 3 workers
# is replaced about every two minutes).
max_requests = env.integer("GUNICORN_MAX_REQUESTS", 10000, minimum=0)
max_requests_jitter = 1000
# Logs to stdout/stderr for journald or the container runtime; access log only when asked.
accesslog = env.text("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# The proxy in front sets X-Forwarded-*; trust it only from these addresses.
forwarded_allow_ips = env.text("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the app before forking: faster start and a broken configuration fails once, loudly.
preload_app = True
