from django.urls import path

from branch_life import views

app_name = "branch_life"

urlpatterns = [
    path("activity/", views.my_events, name="mine"),
    path("activity/manage/", views.manage, name="manage"),
    path("activity/manage/new/", views.new_event, name="new"),
    path("activity/report/", views.month_report, name="report"),
    path("activity/absences/", views.absences, name="absences"),
    path("activity/events/<int:pk>/", views.event_page, name="event"),
    path("activity/events/<int:pk>/check-in/", views.check_in_page, name="check_in"),
    path("activity/events/<int:pk>/leave/", views.ask_leave, name="leave"),
    path("activity/events/<int:pk>/remote/", views.remote, name="remote"),
    path("activity/events/<int:pk>/code/", views.code_screen, name="code"),
    path("activity/events/<int:pk>/roll-call/", views.roll_call, name="roll_call"),
    path("activity/events/<int:pk>/actions/<int:item_pk>/", views.action, name="action"),
    path("activity/events/<int:pk>/actions/new/", views.add_action, name="add_action"),
    path("activity/events/<int:pk>/move/", views.move, name="move"),
    path("activity/events/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("activity/events/<int:pk>/photos/", views.photo, name="photo"),
    path("activity/events/<int:pk>/handbook.pdf", views.handbook_pdf, name="handbook"),
    path("activity/leave/<int:pk>/decide/", views.decide_leave, name="decide_leave"),
    path("activity/remote/<int:pk>/decide/", views.decide_remote, name="decide_remote"),
]
