"""The performance team's publication page: signed in, outside /public/ so the switch leaves it alone."""

from django.urls import path

from public import views

urlpatterns = [
    path("publication/", views.publication, name="publication"),
    path("publication/<year:year>/", views.publication, name="publication_year"),
]
