"""/api/v1/ (the read API, its schema and docs) and the API tokens page."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api import pages, views
from api.docs import ApiDocs

app_name = "api"

router = SimpleRouter(use_regex_path=False)  # path converters, as every other URL of kpidash
router.register("committees", views.CommitteeViewSet, basename="committee")
router.register("directorates", views.DirectorateViewSet, basename="directorate")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("papers", views.PaperViewSet, basename="paper")


v1 = [
    path("", include(router.urls)),
    path("results/", views.ResultList.as_view(), name="result-list"),
    path("papers/<int:pk>/download/<str:fmt>/", views.PaperDownload.as_view(), name="paper-download"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # A page for people: sign in first, as everywhere (DRF's views opt out of LoginRequiredMiddleware).
    path("docs/", login_required(ApiDocs.as_view(url_name="api:schema")), name="docs"),
    re_path(r"^.*$", views.Nowhere.as_view(), name="nowhere"),  # a JSON 404, not the HTML page
]

urlpatterns = [
    path("v1/", include(v1)),
    path("tokens/", pages.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", pages.token_revoke_view, name="token_revoke"),
]
