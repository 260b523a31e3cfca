"""Extra requirements for completing a learning item by watching or reading, stated by apps above
members (contract: docs/architecture.md).

quizzes registers one in its AppConfig.ready(): a lesson whose quiz is required is completed only
once it is watched AND its quiz is passed:

    from members import completion
    completion.register_requirement("lesson_quiz", lambda member_id, page_id: passed_or_no_quiz)

A requirement takes (member id, page id) and answers True when it is met. The heartbeat asks
`met` only when the watching rule is met and the item is not yet completed; the app that owns the
requirement calls `members.services.recheck_completion` when it becomes met (a quiz passed after
the lesson was watched). Completions a secretary records are not affected.
"""

_requirements = {}


def register_requirement(name, requirement):
    """Add (or replace, by name) a requirement(member_id, page_id) -> bool."""
    _requirements[name] = requirement


def met(member_id, page_id):
    return all(requirement(member_id, page_id) for requirement in _requirements.values())
