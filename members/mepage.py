"""Panels of a member's own page `/me/`, sections of their history `/me/history/` and sections
under a lesson, from apps above members (contract: docs/architecture.md).

An app registers a panel in its AppConfig.ready():

    from members import mepage
    mepage.register_panel("daily_quiz", lambda member: {
        "title": "每日一练", "text": "已连续 3 天", "url": "/quizzes/daily/", "link": "去答题"})

A panel takes the member and returns a dict with "title", "text", "url" and "link" (the link's
words), or None to stay hidden. Panels appear in the order they were registered.
"""

_panels = {}


def register_panel(name, panel):
    """Add (or replace, by name) a panel(member) -> dict or None."""
    _panels[name] = panel


def panels(member):
    return [shown for shown in (panel(member) for panel in _panels.values()) if shown]


# ---- sections of the member's history (/me/history/) ----------------------------------------
#
#     mepage.register_history("quizzes", lambda member: {
#         "title": "知识测试记录", "rows": ["2026-03-08 每日一练 4/5"]})

_history = {}


def register_history(name, section):
    """Add (or replace, by name) a section(member) -> {"title", "rows": [short texts]} or None
    of the member's learning history."""
    _history[name] = section


def history_sections(member):
    return [shown for shown in (section(member) for section in _history.values()) if shown]


# ---- sections under a lesson (the lesson page) ----------------------------------------------
#
#     mepage.register_lesson_section("quiz", lambda request, page: {
#         "title": "课后测试", "text": "及格分 60", "url": "/quizzes/lessons/7/", "link": "开始测试",
#         "post": True})
#
# The lesson page shows them with `{% lesson_sections page %}` (members_tags); "post": True
# makes the link a button of a POST form (it starts something).

_lesson_sections = {}


def register_lesson_section(name, section):
    """Add (or replace, by name) a section(request, page) -> dict or None under a lesson."""
    _lesson_sections[name] = section


def lesson_sections(request, page):
    return [shown for shown in (section(request, page) for section in _lesson_sections.values()) if shown]
