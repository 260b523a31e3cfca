"""The menu's course grid (topic chips, course cards, pager), rendered once per version of the library.

The rendered HTML holds nothing about the visitor: it is the same for anonymous visitors and for
every member (the per-member parts, the "我没学完的" chip and its filter, the account link and the
footer forms with their CSRF token, are rendered on each request outside it).

* The fragments live in the `menu` cache (each web process's own memory: a hit costs no query).
* Their keys carry the library's **version**, a token in the `default` cache that every process
  shares. Anything that can change a card bumps it (`lectures.signals`): a page saved, published,
  unpublished, moved or deleted, a course's totals refreshed, a topic or an image changed. A
  bump makes every process's old fragments unreachable at once; they age out of the `menu` cache.
* The version is bumped at the change and again after its transaction commits, so a request that
  read the data before the commit cannot keep its stale grid under the new version.
* Fragments also expire after `FRAGMENT_SECONDS`, well inside the lifetime of presigned S3 URLs
  of the posters.
"""

import re
import uuid

from django.core.cache import caches
from django.db import transaction
from django.utils import translation

VERSION_KEY = "lectures:menu:version"
FRAGMENT_SECONDS = 600
CACHED_PARAMS = {"topic", "length", "sort", "page"}
_SLUG = re.compile(r"^[-\w]{1,60}$")


def _shared():
    return caches["default"]


def _fragments():
    return caches["menu"]


def version():
    token = _shared().get(VERSION_KEY)
    if token is None:
        _shared().add(VERSION_KEY, uuid.uuid4().hex, None)
        token = _shared().get(VERSION_KEY)
    return token


def bump(**_):
    """Make every process's cached grids stale: now, and again once the change is committed."""
    _shared().set(VERSION_KEY, uuid.uuid4().hex, None)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _shared().set(VERSION_KEY, uuid.uuid4().hex, None))


def key_for(library, request, *, lengths, sorts):
    """The cache key of this request's grid, or None when it is not cached: unknown or malformed
    parameters (their values would end up in the grid's links) or the member's own filter."""
    params = request.GET
    if not set(params) <= CACHED_PARAMS or any(len(params.getlist(name)) > 1 for name in params):
        return None
    topic, length, sort, page = (params.get(name, "") for name in ("topic", "length", "sort", "page"))
    if (topic and not _SLUG.match(topic)) or (length and length not in lengths) or (sort and sort not in sorts):
        return None
    if page and not (page.isdigit() and len(page) <= 4):
        return None
    language = translation.get_language() or ""
    return f"menu:{version()}:{library.pk}:{language}:{topic}:{length}:{sort}:{page}"


def get(key):
    return _fragments().get(key) if key else None


def put(key, fragments):
    if key:
        _fragments().set(key, fragments, FRAGMENT_SECONDS)
