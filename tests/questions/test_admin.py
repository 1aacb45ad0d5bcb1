"""The performance team reads members' questions in the admin, with their history, and cannot change
them there: they change only on their pages, through `questions.services`."""

import pytest
from django.apps import apps
from django.urls import reverse

from questions.models import Question

MODELS = [m for m in apps.get_app_config("questions").get_models() if not m.__name__.startswith("Historical")]


def test_every_questions_model_keeps_its_history():
    assert {m.__name__ for m in MODELS} == {"Meeting", "Question", "Answer", "ResponseSheet"}
    assert [m.__name__ for m in MODELS if not hasattr(m, "history")] == []


@pytest.mark.parametrize("model", ["meeting", "question", "answer", "responsesheet"])
def test_the_performance_team_reads_them_in_the_admin(client, demo, performance_user, model):
    client.force_login(performance_user)
    assert client.get(reverse(f"admin:questions_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:questions_{model}_add")).status_code == 403


def test_the_admin_cannot_change_a_question(client, demo, performance_user):
    question = Question.objects.first()
    client.force_login(performance_user)
    url = reverse("admin:questions_question_change", args=[question.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'type="submit" value="Save"' not in page.content
    client.post(url, {"text": "Rewritten in the admin"})
    question.refresh_from_db()
    assert question.text != "Rewritten in the admin"


def test_readers_without_the_role_see_no_questions_in_the_admin(client, demo, clerk_user):
    clerk_user.is_staff = True
    clerk_user.save()
    client.force_login(clerk_user)
    assert client.get(reverse("admin:questions_question_changelist")).status_code == 403
