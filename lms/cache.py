"""The shared cache (CACHE_URL): Django's Redis backend, with its client built once, that
keeps the site answering while Redis is away.

Django's RedisCacheClient makes a new redis.Redis object on every cache call, and building
one fills a table of ~170 response callbacks: about 0.2 ms of CPU, paid two or three times
by every logged-in page (the session, the account). A redis.Redis object is safe to share
between threads (its connection pool hands each call a connection), so each pool's one is
kept and reused.

The cache only holds copies (sessions are written through to the database, the account and
a lesson's facts are read again from it), so when Redis cannot be reached a read is a miss
and a write is skipped: the site answers from the database instead of a "Server Error
(500)". The first failure is logged once; for RETRY_SECONDS afterwards this process does not
try Redis at all, so a request does not wait for a dead server once per cache call. Keys
written or deleted while Redis was away are deleted as soon as it answers again, before
anything else is read, so a session logged out during the outage does not come back with
Redis's old copy.

Counting (login failures, wrong sign-in codes) must not silently become unlimited, so it
asks `strict_cache()`, which raises CacheUnavailable instead, and counts in the database
(lms.outages.counters).
"""

import functools
import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# How long a process leaves Redis alone after it failed to answer.
RETRY_SECONDS = 5.0
# Keys to delete when Redis answers again; past this many, the rest are only logged.
MAX_STALE_KEYS = 10_000


class CacheUnavailable(Exception):
    """The shared cache cannot be reached now."""


class Outage:
    """Whether one Redis server is reachable, shared by every thread of the process."""

    def __init__(self, servers: str):
        self.servers = servers
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.stale_keys: set[str] = set()
        self.stale_overflow = 0
        self.lock = threading.Lock()

    def resting(self) -> bool:
        return self.down_since is not None and time.monotonic() < self.retry_at

    def begin(self, error: Exception) -> None:
        with self.lock:
            first = self.down_since is None
            if first:
                self.down_since = time.monotonic()
            self.retry_at = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "Cache %s unreachable (%s: %s): answering from the database until it returns",
                self.servers,
                type(error).__name__,
                error,
            )

    def remember_stale(self, keys) -> None:
        with self.lock:
            for key in keys:
                if len(self.stale_keys) < MAX_STALE_KEYS:
                    self.stale_keys.add(key)
                else:
                    self.stale_overflow += 1

    def settle(self, client: RedisCacheClient) -> None:
        """After an outage, before anything is read: forget what changed meanwhile."""
        if self.down_since is None:
            return
        with self.lock:
            keys = list(self.stale_keys)
        if keys:  # raises RedisError if Redis is still away
            RedisCacheClient.delete_many(client, keys)
        else:
            client.get_client(write=True).ping()
        with self.lock:
            self.stale_keys.difference_update(keys)
            seconds = time.monotonic() - (self.down_since or time.monotonic())
            self.down_since = None
            overflow, self.stale_overflow = self.stale_overflow, 0
        logger.warning(
            "Cache %s reachable again after %.0f s; %d keys changed meanwhile forgotten",
            self.servers,
            seconds,
            len(keys),
        )
        if overflow:
            logger.error(
                "%d more keys changed while the cache %s was away: flush its database"
                " (redis-cli -n <db> FLUSHDB), it holds only copies",
                overflow,
                self.servers,
            )


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_for(servers) -> Outage:
    name = ",".join(servers)
    with _outages_lock:
        return _outages.setdefault(name, Outage(name))


class ReusedRedisCacheClient(RedisCacheClient):
    """Django's client with its redis.Redis objects reused, and misses instead of errors."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self.outage = outage_for(servers)

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(index)
        if client is None:
            client = clients[index] = super().get_client(key, write=write)
        return client

    def attempt(self, operation, *args):
        """Run one of Django's operations on Redis, or raise CacheUnavailable."""
        if self.outage.resting():
            raise CacheUnavailable()
        try:
            self.outage.settle(self)
            return operation(self, *args)
        except RedisError as error:
            self.outage.begin(error)
            raise CacheUnavailable() from error

    def _read(self, name, miss, *args):
        try:
            return self.attempt(getattr(RedisCacheClient, name), *args)
        except CacheUnavailable:
            return miss

    def _write(self, name, keys, miss, *args):
        try:
            return self.attempt(getattr(RedisCacheClient, name), *args)
        except CacheUnavailable:
            self.outage.remember_stale(keys)
            return miss

    def get(self, key, default):
        return self._read("get", default, key, default)

    def get_many(self, keys):
        return self._read("get_many", {}, keys)

    def has_key(self, key):
        return self._read("has_key", False, key)

    def add(self, key, value, timeout):
        return self._write("add", [key], False, key, value, timeout)

    def set(self, key, value, timeout):
        self._write("set", [key], None, key, value, timeout)

    def set_many(self, data, timeout):
        self._write("set_many", list(data), None, data, timeout)

    def touch(self, key, timeout):
        return self._write("touch", [key], False, key, timeout)

    def delete(self, key):
        return self._write("delete", [key], False, key)

    def delete_many(self, keys):
        self._write("delete_many", list(keys), None, keys)

    def incr(self, key, delta):
        try:
            return self.attempt(RedisCacheClient.incr, key, delta)
        except CacheUnavailable:
            self.outage.remember_stale([key])
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).") from None

    def clear(self):
        return self._read("clear", False)


class StrictRedisCacheClient:
    """The same client, raising CacheUnavailable where the degrading one answers a miss."""

    def __init__(self, client: ReusedRedisCacheClient):
        self._client = client

    def __getattr__(self, name):
        return functools.partial(self._client.attempt, getattr(RedisCacheClient, name))


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient

    @cached_property
    def strict(self) -> "RedisCache":
        """This cache, raising CacheUnavailable instead of answering a miss."""
        strict = DjangoRedisCache.__new__(type(self))
        strict.__dict__.update(self.__dict__)
        strict.__dict__["_cache"] = StrictRedisCacheClient(self._cache)
        strict.__dict__["strict"] = strict
        return strict

    def reachable(self) -> bool:
        """Ask Redis now, even while this process is leaving it alone (/healthz?deep=1)."""
        client = self._cache
        try:
            client.outage.settle(client)
            client.get_client(write=True).ping()
        except RedisError as error:
            client.outage.begin(error)
            return False
        return True


def strict_cache(alias: str = "default") -> BaseCache:
    """The cache for counts that must hold: raises CacheUnavailable when Redis is away.
    Other backends (per-process memory in development and tests) never raise it."""
    backend = caches[alias]
    return getattr(backend, "strict", backend)
