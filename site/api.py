"""The JSON API at /api/v1/ (django-ninja; OpenAPI schema at /api/v1/openapi.json, docs at
/api/v1/docs). Each app owns a router in its own `api.py`; they are mounted here only."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="点课 Dianke API",
    version="1",
    urls_namespace="api-v1",
    description="Learning progress, the member's items and regulation search.",
)

from branch_life.api import router as branch_life_router  # noqa: E402
from members.api import router as members_router  # noqa: E402
from search.api import router as search_router  # noqa: E402

api.add_router("", members_router)
api.add_router("/regulations", search_router)
api.add_router("", branch_life_router)
