"""Query understanding and highlighting (shared by both backends)."""

import pytest

from search.query import understand
from search.services import highlight
from search.text import cut_for_index, cut_query, query_terms


def test_segmentation_splits_chinese_into_words():
    assert "党员" in cut_for_index("预备党员的预备期为一年").split()
    assert "预备期" in cut_for_index("预备党员的预备期为一年").split()
    assert cut_query("党员的权利").split() == ["党员", "的", "权利"]
    assert query_terms("黨員的權利是什么？") == ["党员", "权利"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "family", "article", "terms"),
    [
        ("第四十一条", None, 41, []),
        ("第 41 条", None, 41, []),
        ("党章第四十一条", "cpc-constitution", 41, []),
        ("党章41条", "cpc-constitution", 41, []),
        ("中国共产党章程 第一百条", "cpc-constitution", 100, []),
        ("黨章第三條", "cpc-constitution", 3, []),
        ("党章 预备期", "cpc-constitution", None, ["预备期"]),
        ("入党细则 入党介绍人", "cpc-member-recruitment-rules", None, ["入党介绍人"]),
        ("党员的权利", None, None, ["党员", "权利"]),
        ("党章", None, None, ["党章"]),
    ],
)
def test_understand(regulations, raw, family, article, terms):
    query = understand(raw)
    assert (query.family, query.article) == (family, article)
    if terms:  # a long word also brings its sub-words, after it
        assert query.terms[: len(terms)] == terms


def test_highlight_escapes_everything_but_mark():
    html = highlight("<b>党员</b> & 党员", ["党员"])
    assert html == "&lt;b&gt;<mark>党员</mark>&lt;/b&gt; &amp; <mark>党员</mark>"


def test_highlight_cuts_long_text_around_the_first_match():
    text = "甲" * 300 + "预备期" + "乙" * 300
    html = highlight(text, ["预备期"], size=60)
    assert html.startswith("…") and html.endswith("…") and "<mark>预备期</mark>" in html
    assert len(html.replace("<mark>", "").replace("</mark>", "")) <= 62
