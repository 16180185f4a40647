"""Requests allowed per API token in a fixed window: counted in Redis when API_RATE_LIMIT_URL names one
(every server process shares the count), else in this process's memory (the embedded default: one
process, or a per-process limit that is that many times looser, as docs/notes-api.md says).

`hit(key)` counts one request and returns 0 when it may go on, else the seconds until the window ends
(the API answers 429 with that Retry-After).
"""

from __future__ import annotations

import threading
import time


class MemoryCounter:
    """Fixed windows in a dict: (key, window number) -> count; old windows are dropped as new ones come."""

    def __init__(self, limit: int, window: int) -> None:
        self.limit, self.window = limit, window
        self._counts: dict[tuple[str, int], int] = {}
        self._mutex = threading.Lock()

    def hit(self, key: str, now: float | None = None) -> int:
        now = time.time() if now is None else now
        slot = int(now // self.window)
        with self._mutex:
            if len(self._counts) > 50_000:
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= slot}
            count = self._counts.get((key, slot), 0) + 1
            self._counts[(key, slot)] = count
        return 0 if count <= self.limit else _retry_after(now, slot, self.window)


class RedisCounter:
    """The same fixed windows as INCR + EXPIRE on one Redis key per token and window."""

    def __init__(self, url: str, limit: int, window: int) -> None:
        import redis

        self.limit, self.window = limit, window
        self._redis = redis.Redis.from_url(url)

    def hit(self, key: str, now: float | None = None) -> int:
        now = time.time() if now is None else now
        slot = int(now // self.window)
        name = f"qianfan:api-rate:{key}:{slot}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, self.window + 1)
        count = int(pipe.execute()[0])
        return 0 if count <= self.limit else _retry_after(now, slot, self.window)


def _retry_after(now: float, slot: int, window: int) -> int:
    return max(1, int((slot + 1) * window - now + 0.999))


def counter_for(settings: dict) -> MemoryCounter | RedisCounter:
    limit = int(settings.get("API_RATE_LIMIT") or 0) or 10**9
    window = max(1, int(settings.get("API_RATE_WINDOW_SECONDS") or 60))
    url = str(settings.get("API_RATE_LIMIT_URL") or "")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisCounter(url, limit, window)
    return MemoryCounter(limit, window)
