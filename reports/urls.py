from django.urls import path

from reports import views

urlpatterns = [
    path("", views.paper_list, name="papers"),
    path("new/", views.paper_new, name="paper_new"),
    path("<int:pk>/", views.paper_detail, name="paper_detail"),
    path("<int:pk>/status.json", views.paper_status, name="paper_status"),
    path("<int:pk>/retry/", views.paper_retry_view, name="paper_retry"),
    path("<int:pk>/regenerate/", views.paper_regenerate, name="paper_regenerate"),
    path("<int:pk>/download/<str:fmt>/", views.paper_download, name="paper_download"),
    path("<int:pk>/addenda/new/", views.addendum_new, name="addendum_new"),
    path("<int:pk>/addenda/<int:number>/download/<str:fmt>/", views.addendum_download, name="addendum_download"),
]
