"""Plain Chinese regulation text -> structure (plain Python, no Django).

The shape (see search/data/regulations/README.md): a title line, an optional adoption note in
full-width parentheses, an optional preamble (总纲), then 编 / 章 / 节 headings and articles
(`第一条　…`). The lines after an article line are its further paragraphs (款); lines starting with
`（一）` are items (项) of the paragraph before them.
"""

import re
from dataclasses import dataclass, field

from .numerals import NUMERAL_CHARS, cn_to_int

HEADING_KINDS = {"编": "part", "章": "chapter", "节": "section"}
HEADING_RE = re.compile(rf"^第([{NUMERAL_CHARS}]+)([编章节])[\s\u3000]+(\S.*)$")
ARTICLE_RE = re.compile(rf"^第([{NUMERAL_CHARS}0-9]+)条(?:[\s\u3000]+(.*))?$")
ITEM_RE = re.compile(rf"^[（(]([{NUMERAL_CHARS}]+)[）)]")
NOTE_RE = re.compile(r"^[（(].*[）)]$")
PREAMBLE_TITLES = {"总纲", "序言"}


class ParseError(ValueError):
    """Bad input: `message_zh` for people (names the line), `message_en` for logs."""

    def __init__(self, line, message_zh, message_en):
        self.line = line
        self.message_zh = f"第 {line} 行：{message_zh}" if line else message_zh
        self.message_en = f"line {line}: {message_en}" if line else message_en
        super().__init__(self.message_zh)


@dataclass
class Paragraph:
    text: str
    line: int
    item: int | None = None  # 项 number when the line is an item （一）


@dataclass
class Article:
    number: int | None  # None for a preamble paragraph
    label: str
    line: int
    heading: "Heading | None"
    paragraphs: list = field(default_factory=list)


@dataclass
class Heading:
    kind: str  # part (编) | chapter (章) | section (节)
    number: int
    label: str  # 第一章
    title: str  # 党员
    line: int
    parent: "Heading | None" = None


@dataclass
class ParsedRegulation:
    title: str
    adoption_note: str = ""
    preamble: list = field(default_factory=list)  # list[Article] with number None
    headings: list = field(default_factory=list)
    articles: list = field(default_factory=list)


def decode(data, encoding=None):
    """Bytes -> text. UTF-8 (with or without BOM) unless told otherwise; errors name the line."""
    if isinstance(data, str):
        return data
    encoding = encoding or "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ParseError(
            line,
            f"无法按 {encoding.replace('-sig', '').upper()} 编码读取（字节 0x{data[error.start]:02x}）。"
            "请将文件另存为 UTF-8 编码，或在导入时指定文件的编码（如 GB18030）。",
            f"cannot decode as {encoding} at byte {error.start}",
        ) from None
    except LookupError:
        raise ParseError(0, f"未知的文字编码：{encoding}", f"unknown encoding {encoding}") from None


def parse(data, *, encoding=None):
    """Parse a regulation text (bytes or str) into a ParsedRegulation, or raise ParseError."""
    text = decode(data, encoding)
    lines = [(number, _clean(line)) for number, line in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines:
        raise ParseError(0, "文件是空的，没有任何内容。", "empty file")

    first_line, title = lines[0]
    if ARTICLE_RE.match(title) or HEADING_RE.match(title):
        raise ParseError(first_line, "第一行应是法规标题，却是条文或章节。", "first line must be the title")
    result = ParsedRegulation(title=title)
    rest = lines[1:]
    if rest and NOTE_RE.match(rest[0][1]):
        result.adoption_note = rest[0][1]
        rest = rest[1:]

    in_preamble = False
    current = {"part": None, "chapter": None, "section": None}
    expected = {"part": 1, "chapter": 1}
    article = None
    seen_articles = {}
    for number, line in rest:
        if line in PREAMBLE_TITLES and not result.articles and not result.headings:
            in_preamble = True
            continue
        heading = HEADING_RE.match(line)
        if heading:
            in_preamble, article = False, None
            result.headings.append(_heading(number, heading, current, expected))
            continue
        match = ARTICLE_RE.match(line)
        if match:
            in_preamble = False
            article = _article(number, match, current, seen_articles, result.articles)
            continue
        if in_preamble:
            result.preamble.append(
                Article(None, "总纲", number, None, [Paragraph(line, number)])
            )
        elif article is None:
            raise ParseError(
                number,
                f"“{_short(line)}”不属于任何条文（正文应在“第一条　……”这样的条文之后）。",
                "text outside any article",
            )
        else:
            item = ITEM_RE.match(line)
            article.paragraphs.append(Paragraph(line, number, cn_to_int(item.group(1)) if item else None))
    if not result.articles:
        raise ParseError(
            0, "文件中没有找到任何条文。条文应单独成行，以“第一条　”这样的编号开头。", "no articles found"
        )
    return result


def _clean(line):
    return line.replace("\ufeff", "").strip(" \t\u3000\r")


def _short(text, size=20):
    return text if len(text) <= size else text[:size] + "……"


def _heading(line, match, current, expected):
    numeral, unit, title = match.groups()
    kind = HEADING_KINDS[unit]
    number = cn_to_int(numeral)
    if kind in expected:
        # 章 numbers run on across 编, so both are checked over the whole text.
        if number != expected[kind]:
            raise ParseError(
                line,
                f"章节编号不连续：应为第{expected[kind]}{unit}，实际是“第{numeral}{unit}”。",
                f"{kind} number {number}, expected {expected[kind]}",
            )
        expected[kind] += 1
    parent = {"part": None, "chapter": current["part"], "section": current["chapter"]}[kind]
    heading = Heading(kind, number, f"第{numeral}{unit}", title.strip(), line, parent)
    current[kind] = heading
    if kind == "part":
        current["chapter"] = current["section"] = None
    elif kind == "chapter":
        current["section"] = None
    return heading


def _article(line, match, current, seen, articles):
    numeral, body = match.groups()
    number = cn_to_int(numeral)
    label = f"第{numeral}条"
    if number in seen:
        raise ParseError(
            line, f"条文编号重复：{label}已在第 {seen[number]} 行出现过。", f"duplicate article {number}"
        )
    expected = len(articles) + 1
    if number != expected:
        raise ParseError(
            line,
            f"条文编号不连续：应为第{expected}条，实际是“{label}”（缺少或多出条文）。",
            f"article {number}, expected {expected}",
        )
    if not (body or "").strip():
        raise ParseError(line, f"{label}没有内容。", f"article {number} is empty")
    seen[number] = line
    heading = current["section"] or current["chapter"] or current["part"]
    article = Article(number, label, line, heading, [Paragraph(body.strip(), line)])
    articles.append(article)
    return article


def parse_translation(text):
    """The .zh-en.md pairing: {Chinese line: English line} (each Chinese paragraph, then its English)."""
    pairs, previous = {}, None
    body = text.split("\n---", 2)[-1] if text.startswith("---") else text
    for raw in body.splitlines():
        line = _clean(raw)
        if not line or line.startswith("#") or line.startswith("["):
            continue
        if _is_chinese(line):
            previous = line
        elif previous is not None:
            pairs.setdefault(previous, line)
            previous = None
    return pairs


def _is_chinese(line):
    return sum("\u4e00" <= char <= "\u9fff" for char in line) > len(line) / 4
