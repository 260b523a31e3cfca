"""import_regulation, rebuild_regulation_index and the demo hook (C6)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from search.demo import load_demo, shipped_texts
from search.models import Regulation
from search.services import search_regulations


def test_demo_ships_every_regulation_text():
    assert [path.name for path in shipped_texts()] == [
        "cpc-constitution-2017.zh.txt", "cpc-discipline-regulations-2018.zh.txt",
        "cpc-member-education-regulations-2019.zh.txt", "cpc-member-recruitment-rules-2026.zh.txt",
    ]


def test_load_demo_imports_all_and_is_idempotent(regulations, db):
    Regulation.objects.all().delete()  # rolled back after the test
    from search.backends import embedded

    embedded.rebuild()
    load_demo(stdout=io.StringIO())
    counts = dict(Regulation.objects.order_by().values_list("family").annotate(n=Count("articles__number")))
    assert counts == {"cpc-constitution": 55, "cpc-discipline-regulations": 142,
                      "cpc-member-education-regulations": 46, "cpc-member-recruitment-rules": 44}
    ids = set(Regulation.objects.values_list("id", flat=True))
    out = io.StringIO()
    load_demo(stdout=out)
    assert set(Regulation.objects.values_list("id", flat=True)) == ids and "已有" in out.getvalue()
    assert search_regulations("预备期")["hits"][0]["url"] == "/regulations/cpc-constitution-2017/7/"


def test_import_command_reports_errors_in_chinese(tmp_path, db):
    bad = tmp_path / "bad-2020.zh.txt"
    bad.write_text("测试条例\n第一条　甲。\n第一条　乙。\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第 3 行：条文编号重复"):
        call_command("import_regulation", str(bad))
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import_regulation", str(tmp_path / "missing.zh.txt"))
    good = tmp_path / "good-rules-2020.zh.txt"
    good.write_text("测试条例\n第一章　总则\n第一条　甲。\n第二条　乙。\n", encoding="gb18030")
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import_regulation", str(good))
    out = io.StringIO()
    call_command("import_regulation", str(good), "--encoding", "gb18030", stdout=out)
    assert "2 articles" in out.getvalue() and Regulation.objects.filter(slug="good-rules-2020").exists()


def test_rebuild_embedded_index_keeps_results(regulations, db):
    before = search_regulations("党员的权利")
    call_command("rebuild_regulation_index", "--backend", "embedded", stdout=io.StringIO())
    assert search_regulations("党员的权利") == before


def test_rebuild_elasticsearch_unreachable_is_a_clear_error(db, settings):
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"
    with pytest.raises(CommandError, match="Elasticsearch 不可用"):
        call_command("rebuild_regulation_index", "--backend", "elasticsearch", stdout=io.StringIO())
