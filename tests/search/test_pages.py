"""Article permalinks, the mobile search page, the API, the fallback and editions."""

import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from search.importer import import_text
from search.models import Regulation
from search.services import search_regulations

NEWER_CONSTITUTION = (
    "中国共产党章程\n（测试用新版本，2099年1月1日通过）\n第一章　党员\n"
    "第一条　测试新版第一条，党徽为镰刀锤头。\n第二条　测试新版第二条。\n"
)


@pytest.fixture
def pages(regulations, db, client):
    return client


def test_article_page_has_breadcrumb_prev_next_toc_and_english(pages):
    response = pages.get("/regulations/cpc-constitution-2017/4/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "第一章　党员" in html and "<h1>第四条</h1>" in html
    assert "党员享有下列权利：" in html and "（八）" in html
    assert 'rel="prev" href="/regulations/cpc-constitution-2017/3/"' in html
    assert 'rel="next" href="/regulations/cpc-constitution-2017/5/"' in html
    assert 'href="/regulations/cpc-constitution-2017/55/"' in html  # the table of contents
    assert 'aria-current="page">第四条' in html
    assert 'lang="en">Article 4: Party members shall enjoy the right to' in html
    assert 'name="viewport"' in html


def test_discipline_article_breadcrumb_has_part_and_chapter(pages):
    html = pages.get("/regulations/cpc-discipline-regulations-2018/142/").content.decode()
    assert "第三编　附则 › 第十一章" not in html  # 附则 has no chapter of its own
    assert "第三编　附则" in html and "本条例施行前" in html
    assert 'rel="next"' not in html and 'class="english"' not in html
    html = pages.get("/regulations/cpc-discipline-regulations-2018/104/").content.decode()
    assert re.search(r"第二编　分则 › 第\w+章", html)


def test_first_article_links_back_to_the_preamble(pages):
    html = pages.get("/regulations/cpc-constitution-2017/1/").content.decode()
    assert 'rel="prev" href="/regulations/cpc-constitution-2017/preamble/#p' in html
    preamble = pages.get("/regulations/cpc-constitution-2017/preamble/").content.decode()
    assert "我国正处于并将长期处于社会主义初级阶段" in preamble and "General Program" not in preamble
    assert 'lang="en">China is currently in the primary stage of socialism' in preamble


def test_unknown_article_and_regulation_are_404(pages):
    assert pages.get("/regulations/cpc-constitution-2017/56/").status_code == 404
    assert pages.get("/regulations/no-such-rule/").status_code == 404


def test_regulation_contents_and_list(pages):
    html = pages.get("/regulations/cpc-constitution-2017/").content.decode()
    assert "第十一章　党徽党旗" in html and "（中国共产党第十九次全国代表大会部分修改" in html
    listing = pages.get("/regulations/").content.decode()
    for title in ("中国共产党章程", "中国共产党纪律处分条例", "中国共产党党员教育管理工作条例", "中国共产党发展党员工作细则"):
        assert title in listing


def test_search_page_without_javascript_with_pagination(pages):
    response = pages.get("/regulations/search/", {"q": "党员的权利"})
    html = response.content.decode()
    assert response.status_code == 200
    first = html.index("<li>")
    assert "党章 第四条" in html[first:first + 400]
    assert "<mark>权利</mark>" in html and "<script" not in html.split("<main")[1]
    assert 'rel="next" href="?q=%E5%85%9A%E5%91%98%E7%9A%84%E6%9D%83%E5%88%A9&amp;page=2"' in html
    page2 = pages.get("/regulations/search/", {"q": "党员的权利", "page": "2"}).content.decode()
    assert 'rel="prev"' in page2 and "第 2 /" in page2
    assert pages.get("/regulations/search/", {"q": "党员", "page": "abc"}).status_code == 200
    empty = pages.get("/regulations/search/", {"q": "量子纠缠"}).content.decode()
    assert "没有找到与“量子纠缠”有关的条文" in empty


def test_search_page_escapes_the_query(pages):
    html = pages.get("/regulations/search/", {"q": '<img src=x onerror=alert(1)>'}).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_api_search_and_schema(pages):
    data = pages.get("/api/v1/regulations/search", {"q": "第四十一条", "limit": 2}).json()
    assert data["backend"] == "embedded" and data["total"] == 4 and len(data["hits"]) == 2
    assert (data["hits"][0]["short_name"], data["hits"][0]["article"]) == ("党章", 41)
    assert pages.get("/api/v1/regulations/search", {"q": ""}).status_code == 422
    article = pages.get("/api/v1/regulations/cpc-constitution-2017/articles/4").json()
    assert article["chapter"] == "第一章 党员" and len(article["paragraphs"]) == 10
    schema = pages.get("/api/v1/openapi.json").json()
    assert "/api/v1/regulations/search" in schema["paths"]
    listing = pages.get("/api/v1/regulations/").json()
    assert {r["slug"] for r in listing} >= {"cpc-constitution-2017", "cpc-discipline-regulations-2018"}


def test_elasticsearch_down_falls_back_to_embedded(pages, settings, caplog):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    with caplog.at_level(logging.WARNING, logger="search.services"):
        result = search_regulations("预备期")
    assert result["backend"] == "embedded" and result["hits"][0]["article"] == 7
    assert "falling back to the embedded backend" in caplog.text
    response = pages.get("/regulations/search/", {"q": "预备期"})
    assert response.status_code == 200 and "<mark>预备期</mark>" in response.content.decode()


def test_newer_edition_replaces_the_old_in_search_old_stays_readable(pages):
    old = Regulation.objects.get(slug="cpc-constitution-2017")
    new, _ = import_text(NEWER_CONSTITUTION.encode("utf-8"), filename="cpc-constitution-2099.zh.txt")
    old.refresh_from_db()
    assert new.is_current and not old.is_current and new.family == old.family
    urls = [hit["url"] for hit in search_regulations("党徽", limit=50)["hits"]]
    assert "/regulations/cpc-constitution-2099/1/" in urls
    assert not [url for url in urls if "cpc-constitution-2017" in url]
    assert search_regulations("党章第四十一条")["total"] == 0  # the new edition has two articles
    html = pages.get("/regulations/cpc-constitution-2017/41/").content.decode()
    assert "这是旧版本" in html and 'href="/regulations/cpc-constitution-2099/"' in html


def test_editor_uploads_a_regulation_in_the_admin(pages, editor, member):
    pages.force_login(member)
    assert pages.get("/admin/regulations/").status_code in (302, 403)
    pages.force_login(editor)
    assert pages.get("/admin/regulations/").status_code == 200
    bad = SimpleUploadedFile("bad.txt", "测试规则\n第一条　甲。\n第三条　乙。\n".encode())
    html = pages.post("/admin/regulations/", {"file": bad, "encoding": "utf-8-sig"}).content.decode()
    assert "第 3 行：条文编号不连续" in html and not Regulation.objects.filter(title="测试规则").exists()
    good = SimpleUploadedFile("test-rules-2024.zh.txt", "测试规则\n第一条　甲。\n第二条　乙。\n".encode("gb18030"))
    response = pages.post("/admin/regulations/", {"file": good, "encoding": "gb18030"})
    assert response.status_code == 302
    regulation = Regulation.objects.get(title="测试规则")
    assert regulation.slug == "test-rules-2024" and regulation.articles.count() == 2
    assert search_regulations("测试规则第二条")["hits"][0]["url"] == "/regulations/test-rules-2024/2/"


def test_search_page_keeps_to_one_regulation(pages):
    html = pages.get("/regulations/search/", {"q": "预备党员", "r": "cpc-member-recruitment-rules"}).content.decode()
    shown = re.findall(r"<strong>(\S+) 第", html)
    assert shown and set(shown) == {"发展党员细则"}
    assert '<option value="cpc-member-recruitment-rules" selected>' in html
    assert "&amp;r=cpc-member-recruitment-rules&amp;page=2" in html
    unknown = pages.get("/regulations/search/", {"q": "预备党员", "r": "nonsense"}).content.decode()
    assert len(set(re.findall(r"<strong>(\S+) 第", unknown))) > 1
