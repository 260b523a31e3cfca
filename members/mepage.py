"""Panels of a member's own page `/me/` from apps above members (contract: docs/architecture.md).

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
