import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Item rules and rate-limit counters live in the cache; each test starts empty."""
    cache.clear()
    yield
    cache.clear()
