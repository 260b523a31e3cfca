"""The parser on the four real texts and on malformed input; the importer is all or nothing."""

import pytest

from search import parser
from search.demo import DATA_DIR
from search.importer import ImportFailed, import_text
from search.models import Article, Paragraph, Regulation
from search.numerals import cn_to_int, int_to_cn

COUNTS = {  # file: (articles, headings, preamble paragraphs)
    "cpc-constitution-2017.zh.txt": (55, 11, 30),
    "cpc-discipline-regulations-2018.zh.txt": (142, 14, 0),
    "cpc-member-education-regulations-2019.zh.txt": (46, 10, 0),
    "cpc-member-recruitment-rules-2026.zh.txt": (44, 7, 0),
}


@pytest.mark.parametrize("number", [1, 9, 10, 11, 20, 41, 55, 100, 101, 105, 110, 142, 1000, 2024])
def test_numerals_round_trip(number):
    assert cn_to_int(int_to_cn(number)) == number


def test_numerals_known_labels():
    assert int_to_cn(41) == "四十一" and int_to_cn(142) == "一百四十二" and int_to_cn(105) == "一百零五"
    assert cn_to_int("十") == 10 and cn_to_int("两百") == 200 and cn_to_int("41") == 41
    with pytest.raises(ValueError):
        cn_to_int("第四")


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_real_texts_parse_completely(name):
    path = DATA_DIR / name
    parsed = parser.parse(path.read_bytes())
    articles, headings, preamble = COUNTS[name]
    assert [a.number for a in parsed.articles] == list(range(1, articles + 1))
    assert len(parsed.headings) == headings
    assert len(parsed.preamble) == preamble
    # Every non-empty line lands somewhere: title, note, 总纲, heading, or a paragraph.
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    placed = 1 + bool(parsed.adoption_note) + (1 if preamble else 0) + len(parsed.headings)
    placed += len(parsed.preamble) + sum(len(a.paragraphs) for a in parsed.articles)
    assert placed == len(lines)


def test_constitution_structure():
    parsed = parser.parse((DATA_DIR / "cpc-constitution-2017.zh.txt").read_bytes())
    assert parsed.title == "中国共产党章程"
    assert parsed.adoption_note.startswith("（中国共产党第十九次全国代表大会部分修改")
    article4 = parsed.articles[3]
    assert article4.label == "第四条" and article4.heading.title == "党员"
    assert article4.paragraphs[0].text == "党员享有下列权利："
    items = [p.item for p in article4.paragraphs if p.item]
    assert items == list(range(1, 9))
    assert parsed.articles[54].heading.label == "第十一章"


def test_discipline_rules_have_parts_above_chapters_and_trailing_paragraphs():
    parsed = parser.parse((DATA_DIR / "cpc-discipline-regulations-2018.zh.txt").read_bytes())
    parts = [h for h in parsed.headings if h.kind == "part"]
    assert [p.label for p in parts] == ["第一编", "第二编", "第三编"]
    chapters = [h for h in parsed.headings if h.kind == "chapter"]
    assert [c.number for c in chapters] == list(range(1, 12))
    assert chapters[5].parent.label == "第二编"  # 第六章 under 分则
    last = parsed.articles[-1]
    assert last.number == 142 and len(last.paragraphs) == 2 and last.paragraphs[1].text.startswith("本条例施行前")
    # A paragraph after items is a paragraph again, not an item.
    article4 = parsed.articles[3]
    assert [p.item for p in article4.paragraphs] == [None, 1, 2, 3, 4, 5]


def test_education_rules_without_adoption_note():
    parsed = parser.parse((DATA_DIR / "cpc-member-education-regulations-2019.zh.txt").read_bytes())
    assert parsed.adoption_note == "" and parsed.title == "中国共产党党员教育管理工作条例"
    assert parsed.articles[0].heading.label == "第一章"


def test_translation_pairs_cover_the_constitution():
    pairs = parser.parse_translation((DATA_DIR / "cpc-constitution-2017.zh-en.md").read_text(encoding="utf-8"))
    assert pairs["总纲"] == "General Program"
    assert pairs["第四条\u3000党员享有下列权利："].startswith("Article 4")


GOOD = "测试条例\n（2020年1月1日通过）\n第一章　总则\n第一条　第一条正文。\n第二条　第二条正文。\n"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("测试条例\n第一章　总则\n只有正文，没有条文。\n", 3, "不属于任何条文"),
        ("测试条例\n（说明）\n", 0, "没有找到任何条文"),
        ("", 0, "空的"),
        ("测试条例\n第一条　甲。\n第二条　乙。\n第二条　丙。\n", 4, "条文编号重复：第二条已在第 3 行出现过"),
        ("测试条例\n第一条　甲。\n第三条　丙。\n", 3, "应为第2条"),
        ("测试条例\n第一章　总则\n第一条　甲。\n第三章　附则\n第二条　乙。\n", 4, "应为第2章"),
        ("第一条　甲。\n", 1, "第一行应是法规标题"),
        ("测试条例\n第一条　\n", 2, "没有内容"),
    ],
)
def test_malformed_input_names_the_line(text, line, fragment):
    with pytest.raises(parser.ParseError) as caught:
        parser.parse(text.encode("utf-8"))
    assert fragment in caught.value.message_zh
    assert caught.value.line == line
    if line:
        assert caught.value.message_zh.startswith(f"第 {line} 行：")


def test_unknown_encoding_is_refused_with_the_line():
    data = GOOD.encode("gb18030")
    with pytest.raises(parser.ParseError) as caught:
        parser.parse(data)
    assert caught.value.line == 1 and "UTF-8" in caught.value.message_zh
    # Told the encoding, the same bytes import.
    assert len(parser.parse(data, encoding="gb18030").articles) == 2
    with pytest.raises(parser.ParseError, match="未知的文字编码"):
        parser.parse(data, encoding="klingon")


def test_bom_and_ascii_digits_and_spaces_are_accepted():
    parsed = parser.parse(("\ufeff" + "测试条例\n第1条 甲。\n　第2条　乙。\n").encode("utf-8"))
    assert [a.number for a in parsed.articles] == [1, 2]


@pytest.mark.django_db
def test_import_is_all_or_nothing():
    before = (Regulation.objects.count(), Article.objects.count(), Paragraph.objects.count())
    bad = GOOD + "第二条　重复。\n"
    with pytest.raises(ImportFailed) as caught:
        import_text(bad.encode("utf-8"), filename="test-2020.zh.txt")
    assert "第 6 行" in caught.value.message_zh
    assert (Regulation.objects.count(), Article.objects.count(), Paragraph.objects.count()) == before


@pytest.mark.django_db
def test_import_stores_structure_and_reimport_replaces():
    regulation, created = import_text(GOOD.encode("utf-8"), filename="test-rules-2020.zh.txt")
    assert created and regulation.slug == "test-rules-2020" and regulation.effective_date.isoformat() == "2020-01-01"
    assert list(regulation.articles.values_list("number", flat=True)) == [1, 2]
    regulation, created = import_text(GOOD.replace("第二条正文", "新的正文").encode("utf-8"), filename="test-rules-2020.zh.txt")
    assert Regulation.objects.filter(family="test-rules").count() == 1
    assert regulation.articles.get(number=2).paragraphs.get().text == "新的正文。"
