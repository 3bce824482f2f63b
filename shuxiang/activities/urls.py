from django.urls import path

from shuxiang.activities import judging_views, views

app_name = "activities"
urlpatterns = [
    path("", views.index, name="index"),
    path("works/<str:token>/", views.work, name="work"),
    path("works/<str:token>/audio", views.work_audio, name="work_audio"),
    path("works/<str:token>/like", views.like, name="like"),
    path("works/<str:token>/certificate.pdf", judging_views.certificate, name="certificate"),
    path("readings/<int:pk>/audio", views.reading_audio, name="reading_audio"),
    path("events/<int:pk>/", views.event, name="event"),
    path("<slug:slug>/", views.home, name="home"),
    path("<slug:slug>/record/", views.record, name="record"),
    path("<slug:slug>/poems/", views.poems, name="poems"),
    path("<slug:slug>/ranking/", views.ranking, name="ranking"),
    path("<slug:slug>/readings/", views.readings, name="readings"),
    path("<slug:slug>/mine/", views.mine, name="mine"),
    path("<slug:slug>/review/", views.review, name="review"),
    path("<slug:slug>/judges/", judging_views.judges_page, name="judges"),
    path("<slug:slug>/judge/", judging_views.judge_sheet, name="judge"),
    path("<slug:slug>/judge/<str:code>/audio", judging_views.judge_audio, name="judge_audio"),
    path("<slug:slug>/results/", judging_views.results_page, name="results"),
]
