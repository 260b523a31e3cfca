"""The search contract (C5), the same on both backends: the issue's demo queries first."""

import json

import pytest
from django.core.management import call_command

from search.services import search_regulations


def top(query, backend, **kwargs):
    result = search_regulations(query, backend=backend, **kwargs)
    assert result["backend"] == backend
    return result


def first(query, backend):
    hits = top(query, backend)["hits"]
    assert hits, f"no hits for {query!r}"
    return hits[0]


def test_rights_of_members(backend):
    hit = first("党员的权利", backend)
    assert (hit["short_name"], hit["article"], hit["label"]) == ("党章", 4, "第四条")
    assert "<mark>权利</mark>" in hit["snippet"] and "<mark>党员</mark>" in hit["snippet"]
    assert hit["url"] == "/regulations/cpc-constitution-2017/4/"
    assert hit["regulation"] == "中国共产党章程" and hit["chapter"] == "第一章 党员"


def test_probation_period(backend):
    hit = first("预备期", backend)
    assert (hit["short_name"], hit["article"]) == ("党章", 7)
    assert "<mark>预备期</mark>" in hit["snippet"]


def test_article_number_without_regulation_puts_the_constitution_first(backend):
    result = top("第四十一条", backend)
    assert [(h["short_name"], h["article"]) for h in result["hits"]][:1] == [("党章", 41)]
    assert {h["article"] for h in result["hits"]} == {41}
    assert result["total"] == 4  # each of the four regulations has a 第四十一条
    assert "留党察看" in result["hits"][0]["snippet"] or "纪律处分" in result["hits"][0]["snippet"]


def test_traditional_query_is_folded(backend):
    hit = first("黨員", backend)
    assert hit["short_name"] == "党章" and "<mark>党员</mark>" in hit["snippet"]
    assert [h["url"] for h in top("預備期", backend)["hits"]] == [h["url"] for h in top("预备期", backend)["hits"]]


@pytest.mark.parametrize(
    ("query", "short_name", "article"),
    [
        ("党章第四十一条", "党章", 41),
        ("党章第41条", "党章", 41),
        ("党章 41条", "党章", 41),
        ("中国共产党章程第四十一条", "党章", 41),
        ("纪律处分条例第一百四十二条", "纪律处分条例", 142),
        ("發展黨員細則第三條", "发展党员细则", 3),
    ],
)
def test_article_lookup_with_alias(backend, query, short_name, article):
    result = top(query, backend)
    assert result["total"] == 1
    assert (result["hits"][0]["short_name"], result["hits"][0]["article"]) == (short_name, article)


def test_alias_restricts_to_that_regulation(backend):
    result = top("党章 预备期", backend)
    assert result["total"] >= 1 and {h["short_name"] for h in result["hits"]} == {"党章"}
    assert result["hits"][0]["article"] == 7


def test_stop_words_do_not_change_the_answer(backend):
    assert first("党员的权利有哪些", backend)["url"] == first("党员权利", backend)["url"]


def test_pagination_is_disjoint_and_total_is_stable(backend):
    page1 = top("党组织", backend, limit=5)
    page2 = top("党组织", backend, limit=5, offset=5)
    assert page1["total"] == page2["total"] > 10
    assert not {h["url"] for h in page1["hits"]} & {h["url"] for h in page2["hits"]}
    assert len(page2["hits"]) == 5
    beyond = top("党组织", backend, offset=page1["total"] + 10)
    assert beyond["hits"] == [] and beyond["total"] == page1["total"]


def test_no_match_and_empty_query(backend):
    assert top("量子纠缠", backend)["total"] == 0
    assert top("", backend) == {"hits": [], "total": 0, "backend": backend}
    assert top("的了吗", backend)["total"] == 0


def test_markup_in_query_is_escaped(backend):
    for hit in top("<script>党员</script>", backend)["hits"]:
        assert "<script>" not in hit["snippet"]


def test_preamble_paragraphs_have_no_article_number(backend):
    hit = first("社会主义初级阶段", backend)
    assert hit["article"] is None and hit["label"] == "总纲"
    assert hit["url"].startswith("/regulations/cpc-constitution-2017/preamble/#p")


def test_command_json_shape(backend, capsys):
    call_command("search_regulations", "党员的权利", "--json", "--limit", "3", "--backend", backend)
    hits = json.loads(capsys.readouterr().out)
    assert isinstance(hits, list) and len(hits) == 3
    assert {"regulation", "short_name", "article", "label", "snippet", "url"} <= set(hits[0])
    assert (hits[0]["short_name"], hits[0]["article"], hits[0]["label"]) == ("党章", 4, "第四条")


def test_elasticsearch_request_and_mapping(settings):
    """What is sent to Elasticsearch (checked without a server): analyzers, collapse, boosts."""
    from search.backends import elasticsearch
    from search.query import ParsedQuery

    settings.ELASTICSEARCH_INDEX_PREFIX = "dianke"
    body = elasticsearch.build_search(
        ParsedQuery(raw="党章 预备期", terms=["预备期"], family="cpc-constitution"), limit=10, offset=20
    ).to_dict()
    assert body["collapse"] == {"field": "article_id"} and body["from"] == 20 and body["size"] == 10
    scored = body["query"]["bool"]["must"][0]["function_score"]
    assert scored["query"]["multi_match"]["fields"] == ["body", "title^2", "label^3"]
    assert scored["functions"] == [{"field_value_factor": {"field": "boost", "missing": 1.0}}]
    assert body["query"]["bool"]["filter"] == [{"term": {"family": "cpc-constitution"}}]
    assert body["aggs"]["articles"] == {"cardinality": {"field": "article_id"}}
    assert elasticsearch.alias_name() == "dianke-regulations"
    for analyzer in ("cjk", "smartcn"):
        properties = elasticsearch.mapping(analyzer)["properties"]
        assert {properties[field]["analyzer"] for field in ("label", "title", "body")} == {analyzer}
        assert properties["article_id"]["type"] == "integer" and properties["family"]["type"] == "keyword"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Stated by the Constitution, restated by a subordinate rule, no regulation named.
        ("预备党员的预备期是多长时间", ("党章", 7)),
        ("入党介绍人", ("党章", 5)),
        ("入黨介紹人", ("党章", 5)),
        # A regulation named: that one.
        ("发展党员细则 预备期", ("发展党员细则", 31)),
        ("纪律处分条例 留党察看", ("纪律处分条例", 12)),
        # A chapter named for the query is its answer, where the Constitution only mentions it.
        ("流动党员管理", ("党员教育管理条例", None)),
    ],
)
def test_the_constitution_first_unless_a_regulation_is_named(backend, query, expected):
    hit = first(query, backend)
    assert hit["short_name"] == expected[0]
    if expected[1] is not None:
        assert hit["article"] == expected[1]


def test_lifting_the_constitution_keeps_pages_disjoint(backend):
    pages = [top("入党介绍人", backend, limit=4, offset=offset)["hits"] for offset in (0, 4, 8)]
    urls = [hit["url"] for page in pages for hit in page]
    assert len(urls) == len(set(urls)) == 12
    assert [h["url"] for h in top("入党介绍人", backend, limit=12)["hits"]] == urls
