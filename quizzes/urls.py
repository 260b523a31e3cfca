from django.urls import path

from quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("quizzes/daily/", views.daily, name="daily"),
    path("quizzes/attempts/<int:pk>/", views.attempt_page, name="attempt"),
    path("quizzes/contests/", views.contests, name="contests"),
    path("quizzes/contests/<int:pk>/", views.contest_page, name="contest"),
    path("quizzes/contests/new/", views.new_contest, name="new_contest"),
    path("quizzes/contests/<int:pk>/league/", views.league, name="league"),
    path("quizzes/contests/<int:pk>/results/", views.results, name="results"),
    path("quizzes/report/", views.report, name="report"),
    path("quizzes/lessons/<int:page_id>/", views.lesson_quiz, name="lesson_quiz"),
]
