from django.urls import path

from plans import views

urlpatterns = [
    path("plans/", views.plan_list, name="plans"),
    path("plans/<slug:slug>/", views.plan_detail, name="plan_detail"),
    path("actions/", views.action_list, name="actions"),
    path("actions/new/", views.action_new, name="action_new"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/notes/", views.action_note, name="action_note"),
]
