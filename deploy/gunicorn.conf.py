"""gunicorn settings for Qianfan in production, behind nginx (deploy/nginx.conf).

    QIANFAN_CONFIG=/etc/qianfan/production.py gunicorn -c deploy/gunicorn.conf.py

Several processes serve the app; jobs are run by `qianfan worker` processes, never by the web ones, so
no request waits for an import or a rematch and a request's timeout can stay short. nginx buffers
slow clients' requests and responses, so each gunicorn thread is held only while the app works.
Every value can be changed by the environment (QIANFAN_WEB_*), or on the command line.
"""

import multiprocessing
import os
import sys

wsgi_app = "webapp:create_app()"
bind = os.environ.get("QIANFAN_WEB_BIND", "127.0.0.1:8000")

# Processes × threads: the app is mostly waiting on the database, so a few threads per process help.
workers = int(os.environ.get("QIANFAN_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "gthread"
threads = int(os.environ.get("QIANFAN_WEB_THREADS", 4))

# The master imports the app once and the processes fork from it: a process recycled (max_requests) or
# restarted is serving in milliseconds instead of after ~4 s of CPU spent importing, which on a small
# machine stalled every other request. New code needs a restart (`systemctl restart`), not a HUP.
preload_app = True


def on_starting(server):
    """Refuse to serve a database without this version's schema, saying what to do (the pages would
    answer 500 to every login)."""
    app = server.app.callable
    if app is None:
        return
    from models.errors import DomainError
    from qianfan.schema import require_database_file, require_schema

    try:
        require_database_file(app.config["DATABASE_URL"])
        require_schema(app.extensions["qianfan_db"])
    except DomainError as err:
        server.log.error("%s", err)
        sys.exit(1)
    finally:
        app.extensions["qianfan_db"].engine.dispose()


def post_fork(server, worker):
    """Each process opens its own database connections: none the master may have opened is shared."""
    app = server.app.callable
    if app is not None:
        app.extensions["qianfan_db"].engine.dispose(close=False)


timeout = int(os.environ.get("QIANFAN_WEB_TIMEOUT", 60))  # a request stuck this long restarts its worker
graceful_timeout = 30  # on restart or SIGTERM, requests in flight get this long to finish
keepalive = 5  # seconds an idle keep-alive connection from nginx stays open

# Recycle processes now and then, so a slow leak never grows without bound.
max_requests = 20000
max_requests_jitter = 2000

# Request head limits (nginx enforces the body size: client_max_body_size).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# Only nginx on this host may say which scheme the client used (X-Forwarded-Proto); the app itself
# takes the client address from X-Forwarded-For with QIANFAN_TRUSTED_PROXIES=1 (webapp.security).
forwarded_allow_ips = os.environ.get("QIANFAN_WEB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("QIANFAN_WEB_ACCESS_LOG", "-")
errorlog = os.environ.get("QIANFAN_WEB_ERROR_LOG", "-")
loglevel = os.environ.get("QIANFAN_WEB_LOG_LEVEL", "info")
proc_name = "qianfan-web"
