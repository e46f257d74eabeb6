"""The Redis cache keeps one client per server for the process, and still reads, writes and forgets."""
import pytest
import redis

from portail.core.redis_cache import RedisCache

URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def cache():
    try:
        redis.Redis.from_url(URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    cache = RedisCache(URL, {"KEY_PREFIX": "test-redis-cache"})
    yield cache
    cache.clear()


def test_one_client_serves_every_operation(cache):
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("droits", {"onglets": ["famille"]}, 30)
    assert cache.get("droits") == {"onglets": ["famille"]}
    assert cache.get_many(["droits", "absent"]) == {"droits": {"onglets": ["famille"]}}
    cache.delete("droits")
    assert cache.get("droits", "oublié") == "oublié"
