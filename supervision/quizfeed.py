"""What supervision reads from the quizzes app, in one place and only through the functions the
quizzes app offers to others (quizzes/services.py, "figures other apps read"):

- quiz_participation: the share of a branch's current members who submitted a quiz in a period
  (quizzes.services.participation), for the ranking's quiz rule;
- quiz_points: a member's questions answered right in a period (quizzes.services.
  member_quiz_points), for the vanguard index's quiz rule.
"""

from quizzes import services as quiz_services


def quiz_participation(branch_ids, start, end):
    """{branch id: participation % or None (no members)} over [start, end) (aware datetimes)."""
    if not branch_ids:
        return {}
    return {row["id"]: row["rate"] for row in quiz_services.participation(list(branch_ids), start, end)}


def quiz_points(member, start, end):
    return quiz_services.member_quiz_points(member, start, end)
