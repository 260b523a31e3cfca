"""Rows of questions into the bank: the one path for the XLSX import (quizzes.spreadsheet) and
the demo bank (quizzes.demo). Every row is checked first; when any row is wrong nothing is
imported and the errors are listed by row.

A row is a dict:
  regulation   the regulation's family, title, short name or alias (the current edition), or ""
  article      the article's number (7) or label (第七条), with `regulation`
  lesson       a lesson page id, instead of (or beside) the article
  kind         single / multiple / true_false / fill (or 单选 / 多选 / 判断 / 填空)
  stem         the question
  options      the options' texts, in order (choices only)
  correct      choices: the letters of the correct options ("B", "AC"); true/false: 正确/错误
               (or true/false); fill: the accepted answers separated by |
  explanation  shown after answering; left empty, the article's paragraph is quoted
  topic, difficulty (1–3 or 容易/中等/较难)
"""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from lectures.models import LessonPage
from quizzes.models import Option, Question
from quizzes.services import KEYS, normalise
from search.models import Article, Regulation
from search.numerals import cn_to_int

KIND_NAMES = {
    "single": Question.Kind.SINGLE, "单选": Question.Kind.SINGLE, "单选题": Question.Kind.SINGLE,
    "multiple": Question.Kind.MULTIPLE, "多选": Question.Kind.MULTIPLE, "多选题": Question.Kind.MULTIPLE,
    "true_false": Question.Kind.TRUE_FALSE, "判断": Question.Kind.TRUE_FALSE, "判断题": Question.Kind.TRUE_FALSE,
    "fill": Question.Kind.FILL, "填空": Question.Kind.FILL, "填空题": Question.Kind.FILL,
}
DIFFICULTY_NAMES = {"1": 1, "2": 2, "3": 3, "容易": 1, "中等": 2, "较难": 3, "": 2}
TRUE_NAMES = {"正确": True, "对": True, "true": True, "√": True, "错误": False, "错": False,
              "false": False, "×": False}
MAX_OPTIONS = 8


def _text(value):
    return "" if value is None else str(value).strip()


def find_regulation(name):
    name = _text(name)
    if not name:
        return None
    current = Regulation.objects.filter(is_current=True)
    found = current.filter(Q(family=name) | Q(title=name) | Q(short_name=name) | Q(slug=name)).first()
    if found is None:
        found = next((r for r in current if name in r.alias_list()), None)
    return found


def article_number(value):
    """7, "7", "第七条" → 7; None when it is not an article number."""
    if isinstance(value, int):
        return value
    text = _text(value)
    if text.endswith(".0") and text[:-2].isdigit():  # a spreadsheet's number
        text = text[:-2]
    if text.isdigit():
        return int(text)
    if text.startswith("第") and text.endswith("条"):
        try:
            return cn_to_int(text[1:-1])
        except ValueError:
            return None
    return None


def quote(article, keywords=()):
    """The article quoted for an explanation: its paragraph holding the first keyword found (or
    its first paragraph), e.g. 《中国共产党章程》第七条：“预备党员的预备期为一年。…”"""
    paragraphs = [p.text for p in article.paragraphs.all()]
    chosen = next((p for k in keywords for p in paragraphs if k and k in p), paragraphs[0] if paragraphs else "")
    if len(chosen) > 240:
        at = max(0, min(chosen.find(next((k for k in keywords if k and k in chosen), "")), len(chosen) - 240))
        chosen = ("…" if at else "") + chosen[at:at + 240] + "…"
    return f"《{article.regulation.title}》{article.label}：“{chosen}”"


def check_row(row, seen):
    """(errors, cleaned) for one row; `seen` holds the normalised stems of the rows before."""
    errors = []
    kind = KIND_NAMES.get(_text(row.get("kind")).lower())
    if kind is None:
        errors.append(_("题型不正确（应为单选、多选、判断或填空）"))
    stem = _text(row.get("stem"))
    if not stem:
        errors.append(_("题干为空"))
    article = lesson = None
    regulation_name, article_value = _text(row.get("regulation")), row.get("article")
    if regulation_name or _text(article_value):
        regulation = find_regulation(regulation_name)
        number = article_number(article_value)
        if regulation is None:
            errors.append(_("找不到法规“%(name)s”") % {"name": regulation_name})
        elif number is None:
            errors.append(_("条款编号“%(value)s”不正确") % {"value": _text(article_value)})
        else:
            article = Article.objects.select_related("regulation").filter(
                regulation=regulation, number=number).first()
            if article is None:
                errors.append(_("《%(reg)s》没有第 %(n)s 条") % {"reg": regulation.title, "n": number})
    lesson_value = _text(row.get("lesson"))
    if lesson_value:
        lesson = LessonPage.objects.filter(pk=int(lesson_value) if lesson_value.isdigit() else 0).first()
        if lesson is None:
            errors.append(_("找不到课程“%(value)s”") % {"value": lesson_value})
    if not (regulation_name or _text(article_value) or lesson_value):
        errors.append(_("没有注明出处（法规条款或课程）"))
    options = [_text(o) for o in (row.get("options") or []) if _text(o)]
    correct = row.get("correct")
    cleaned = {"kind": kind, "stem": stem, "article": article, "lesson": lesson, "options": [],
               "is_true": None, "accepted": ""}
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        letters = sorted({c for c in _text(correct).upper() if c.isalpha()})
        if len(options) < 2 or len(options) > MAX_OPTIONS:
            errors.append(_("选择题要有 2 到 %(n)s 个选项") % {"n": MAX_OPTIONS})
        if not letters:
            errors.append(_("没有正确选项"))
        elif any(letter not in KEYS[:len(options)] for letter in letters):
            errors.append(_("正确选项“%(value)s”不在选项之中") % {"value": "".join(letters)})
        elif kind == Question.Kind.SINGLE and len(letters) > 1:
            errors.append(_("单选题只能有一个正确选项"))
        if len({normalise(o) for o in options}) < len(options):
            errors.append(_("选项有重复"))
        cleaned["options"] = [(text, KEYS[i] in letters) for i, text in enumerate(options)]
    elif kind == Question.Kind.TRUE_FALSE:
        value = correct if isinstance(correct, bool) else TRUE_NAMES.get(_text(correct).lower())
        if value is None:
            errors.append(_("判断题的答案应为“正确”或“错误”"))
        cleaned["is_true"] = value
    elif kind == Question.Kind.FILL:
        variants = correct if isinstance(correct, list) else _text(correct).split("|")
        variants = [_text(v) for v in variants if _text(v)]
        if not variants:
            errors.append(_("填空题没有答案"))
        cleaned["accepted"] = "\n".join(variants)
    key = normalise(stem)
    if stem and key in seen:
        errors.append(_("与第 %(row)s 行题目重复") % {"row": seen[key]})
    elif stem and Question.objects.filter(stem=stem).exists():
        errors.append(_("题库中已有这道题"))
    difficulty = DIFFICULTY_NAMES.get(_text(row.get("difficulty")).removesuffix(".0"))
    if difficulty is None:
        errors.append(_("难度应为 1、2、3 或 容易、中等、较难"))
    keywords = [_text(w) for w in row.get("keywords") or [] if _text(w)]
    cleaned.update(explanation=_text(row.get("explanation")), topic=_text(row.get("topic"))[:60],
                   difficulty=difficulty or 2, keywords=keywords)
    return errors, cleaned


def check_rows(rows, *, first_row=2):
    """([(row number, [errors])], [cleaned rows]); row numbers as a spreadsheet shows them."""
    seen, problems, cleaned = {}, [], []
    for number, row in enumerate(rows, start=first_row):
        errors, clean = check_row(row, seen)
        if clean["stem"]:
            seen.setdefault(normalise(clean["stem"]), number)
        if errors:
            problems.append((number, errors))
        cleaned.append(clean)
    return problems, cleaned


def _correct_words(clean):
    if clean["kind"] == Question.Kind.FILL:
        return clean["accepted"].splitlines()[:1]
    return [text for text, right in clean["options"] if right]


@transaction.atomic
def import_rows(rows, *, dry_run=False, first_row=2):
    """Checks every row, then (not a dry run, no errors) creates the questions. Returns
    (problems, number of questions created)."""
    problems, cleaned = check_rows(rows, first_row=first_row)
    if problems or dry_run:
        return problems, 0
    for clean in cleaned:
        explanation = clean["explanation"]
        if not explanation and clean["article"] is not None:
            explanation = quote(clean["article"], [*clean["keywords"], *_correct_words(clean)])
        question = Question.objects.create(
            kind=clean["kind"], stem=clean["stem"], article=clean["article"], lesson=clean["lesson"],
            is_true=clean["is_true"], accepted=clean["accepted"], explanation=explanation,
            topic=clean["topic"], difficulty=clean["difficulty"],
        )
        Option.objects.bulk_create(
            Option(question=question, text=text, is_correct=right, position=i)
            for i, (text, right) in enumerate(clean["options"])
        )
    return [], len(cleaned)
