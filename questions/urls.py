from django.urls import path

from questions import views

urlpatterns = [
    path("questions/", views.meeting_list, name="questions"),
    path("questions/question/<int:pk>/", views.question_detail, name="question_detail"),
    path("questions/question/<int:pk>/approve/", views.answer_approve_view, name="answer_approve"),
    path("questions/question/<int:pk>/return/", views.answer_return_view, name="answer_return"),
    path("questions/<slug:slug>/<str:day>/", views.meeting_detail, name="meeting_detail"),
    path("questions/<slug:slug>/<str:day>/ask/", views.question_new, name="question_new"),
    path("questions/<slug:slug>/<str:day>/publish/", views.sheet_new, name="sheet_new"),
    path("questions/<slug:slug>/<str:day>/resolution/", views.resolution_new, name="resolution_new"),
    path("questions/<slug:slug>/<str:day>/sheet-v<int:version>.<str:fmt>", views.sheet_download, name="sheet_download"),
]
