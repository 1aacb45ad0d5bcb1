"""The performance team edits a committee's paper settings in the admin; each change keeps its history."""

from django.forms.models import model_to_dict
from django.urls import reverse

from demo.papers import load_demo_paper_settings
from indicators.models import Committee
from reports.models import PaperSettings


def test_a_change_to_the_cover_reports_words_is_kept_with_who_made_it(client, demo, performance_user):
    load_demo_paper_settings()
    settings = PaperSettings.objects.get(committee__slug="policy-and-resources")
    client.force_login(performance_user)
    url = reverse("admin:reports_papersettings_change", args=[settings.pk])
    form = {
        k: ("" if v is None else v) for k, v in model_to_dict(settings).items() if k not in ("id", "group_by_priority")
    }
    form["committee"] = Committee.objects.get(slug="policy-and-resources").pk
    response = client.post(url, {**form, "author_name": "Jo Newauthor"})
    assert response.status_code == 302, response.content[:3000]

    record = PaperSettings.history.filter(id=settings.pk).latest("history_date")
    assert record.author_name == "Jo Newauthor" and record.history_user == performance_user
    assert client.get(reverse("admin:reports_papersettings_history", args=[settings.pk])).status_code == 200
