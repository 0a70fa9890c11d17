"""The shared cache (CACHE_URL): Django's Redis backend, with its client built once.

Django's RedisCacheClient makes a new redis.Redis object on every cache call, and building
one fills a table of ~170 response callbacks: about 0.2 ms of CPU, paid two or three times
by every logged-in page (the session, the account). A redis.Redis object is safe to share
between threads (its connection pool hands each call a connection), so each pool's one is
kept and reused.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(index)
        if client is None:
            client = clients[index] = super().get_client(key, write=write)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient
