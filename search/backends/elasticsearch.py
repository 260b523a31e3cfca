"""The Elasticsearch backend (when ELASTICSEARCH_URL is set), with elasticsearch-dsl.

One index of paragraphs, behind an alias: `<prefix>-regulations` points at
`<prefix>-regulations-<timestamp>`. A rebuild fills a new index, swaps the alias in one atomic
action and drops the old index, so searches never see a half-built index. Chinese analysis: the
built-in `cjk` analyzer (bigrams, no plugin), or `smartcn` when the plugin is installed (detected
once per process). Ranking mirrors the embedded backend: paragraphs scored, article label and
headings boosted, one hit per article (collapse), the regulation's search_boost applied.
"""

import logging
import time
from datetime import UTC, datetime

from django.conf import settings
from elasticsearch_dsl import Document, Float, Integer, Keyword, Search, Text, connections

log = logging.getLogger(__name__)
name = "elasticsearch"
CONNECTION = "dianke-regulations"
TIMEOUT_SECONDS = 2
RETRY_AFTER_SECONDS = 30  # after a failure, don't make every page wait for a dead server
_state = {"down_until": 0.0, "analyzer": None, "url": None}


class Unavailable(Exception):
    """Elasticsearch is configured but cannot answer; callers fall back to the embedded backend."""


class RegulationParagraph(Document):
    regulation_id = Integer()
    family = Keyword()
    article_id = Integer()
    paragraph_id = Integer()
    label = Text(analyzer="cjk")  # 第四十一条
    title = Text(analyzer="cjk")  # headings: 第一章 党员
    body = Text(analyzer="cjk")
    boost = Float()
    ordering = Integer()
    position = Integer()


def alias_name():
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-regulations"


def client():
    url = settings.ELASTICSEARCH_URL
    if not url:
        raise Unavailable("ELASTICSEARCH_URL is not set")
    if time.monotonic() < _state["down_until"] and _state["url"] == url:
        raise Unavailable(f"{url} failed less than {RETRY_AFTER_SECONDS} s ago")
    if _state["url"] != url:
        connections.create_connection(
            alias=CONNECTION, hosts=[url], request_timeout=TIMEOUT_SECONDS, max_retries=0, retry_on_timeout=False
        )
        _state.update(url=url, analyzer=None, down_until=0.0)
    return connections.get_connection(CONNECTION)


def _guard(call):
    from elastic_transport import TransportError
    from elasticsearch import ApiError

    try:
        return call()
    except (TransportError, ApiError, OSError) as error:
        _state["down_until"] = time.monotonic() + RETRY_AFTER_SECONDS
        raise Unavailable(f"{settings.ELASTICSEARCH_URL}: {error}") from error


def analyzer():
    """`smartcn` when the analysis-smartcn plugin is installed on the cluster, else `cjk`."""
    if _state["analyzer"] is None:
        es = client()
        plugins = _guard(lambda: es.cat.plugins(format="json"))
        names = {plugin.get("component") for plugin in plugins}
        _state["analyzer"] = "smartcn" if "analysis-smartcn" in names else "cjk"
        log.info("Elasticsearch analyzer for regulations: %s", _state["analyzer"])
    return _state["analyzer"]


def mapping(analyzer_name):
    body = RegulationParagraph._doc_type.mapping.to_dict()
    for field in ("label", "title", "body"):
        body["properties"][field]["analyzer"] = analyzer_name
    return body


def rebuild():
    """Build a new index from the current editions, point the alias at it, drop the old one."""
    from ..models import Paragraph

    es = client()
    alias = alias_name()
    new_index = f"{alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
    _guard(lambda: es.indices.create(index=new_index, mappings=mapping(analyzer()), settings={"number_of_replicas": 0}))
    paragraphs = Paragraph.objects.filter(article__regulation__is_current=True).select_related(
        "article__regulation", "article__heading__parent__parent"
    )
    operations = []
    for paragraph in paragraphs.iterator(chunk_size=500):
        article = paragraph.article
        trail = article.heading.trail() if article.heading_id else []
        operations += [{"index": {"_index": new_index, "_id": paragraph.id}}, {
            "regulation_id": article.regulation_id, "family": article.regulation.family,
            "article_id": article.id, "paragraph_id": paragraph.id, "label": article.label,
            "title": " ".join(f"{h.label} {h.title}" for h in trail), "body": paragraph.text,
            "boost": article.regulation.search_boost, "ordering": article.regulation.ordering,
            "position": article.position,
        }]
    for start in range(0, len(operations), 1000):
        _guard(lambda start=start: es.bulk(operations=operations[start:start + 1000]))
    _guard(lambda: es.indices.refresh(index=new_index))
    old = list(_guard(lambda: es.indices.get(index=f"{alias}*")).keys())
    actions = [{"add": {"index": new_index, "alias": alias}}]
    actions += [{"remove": {"index": index, "alias": alias}} for index in old if index != new_index
                and _guard(lambda index=index: es.indices.exists_alias(index=index, name=alias))]
    if alias in old:  # a concrete index squatting on the alias name
        _guard(lambda: es.indices.delete(index=alias))
        old.remove(alias)
    _guard(lambda: es.indices.update_aliases(actions=actions))
    for index in old:
        if index != new_index:
            _guard(lambda index=index: es.indices.delete(index=index))
    log.info("Elasticsearch: %s now points at %s (%d paragraphs)", alias, new_index, len(operations) // 2)
    return new_index


def search(query, *, limit, offset):
    """[(article_id, best_paragraph_id)] best first, and the number of matching articles."""
    if not query.terms:
        return [], 0
    response = _guard(build_search(query, limit=limit, offset=offset, using=client()).execute)
    pairs = [(hit.article_id, hit.paragraph_id) for hit in response]
    return pairs, int(response.aggregations.articles.value)


def build_search(query, *, limit, offset, using=None):
    """The request: any query word in body, headings (x2) or label (x3), times the regulation's
    boost; one hit per article; the number of matching articles as an aggregation."""
    search = Search(using=using, index=alias_name()).query(
        "function_score",
        query={"multi_match": {"query": " ".join(query.terms), "fields": ["body", "title^2", "label^3"],
                               "type": "most_fields"}},
        field_value_factor={"field": "boost", "missing": 1.0},
        boost_mode="multiply",
    )
    if query.family:
        search = search.filter("term", family=query.family)
    search = search.extra(collapse={"field": "article_id"}, from_=offset, size=limit, track_total_hits=True)
    search = search.sort("_score", "ordering", "position")
    search.aggs.metric("articles", "cardinality", field="article_id")
    return search
