# Qianfan production settings (QIANFAN_CONFIG=/etc/qianfan/production.py); see README "Production".
# Keep the real file outside the repository, readable by the service user only.
DATABASE_URL = "postgresql+psycopg://qianfan@127.0.0.1/qianfan"
# The job queue: Redis (or PostgreSQL: "postgresql://qianfan@127.0.0.1/qianfan_queue", a database of
# its own, since Huey creates its huey_* tables there).
QUEUE_URL = "redis://127.0.0.1:6379/0"
SECRET_KEY = "change me: python -c 'import secrets; print(secrets.token_hex(32))'"
TRUSTED_PROXIES = 1  # nginx in front (deploy/nginx.conf)
SCHEDULER_ENABLED = True  # give `qianfan worker --periodic` to one worker only
MATCH_SCHEDULE_MINUTES = 60
