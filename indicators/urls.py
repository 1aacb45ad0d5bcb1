from django.urls import path

from indicators import views

urlpatterns = [
    path("", views.home, name="home"),
    path("committees/<slug:slug>/", views.committee_dashboard, name="committee_dashboard"),
    path("directorates/<slug:slug>/", views.directorate_dashboard, name="directorate_dashboard"),
    path("indicators/<str:code>/", views.indicator_detail, name="indicator_detail"),
]
