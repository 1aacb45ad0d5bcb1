import pytest
from django.urls import reverse


def nav_labels(client) -> list[str]:
    response = client.get(reverse("home"))
    return [item["label"] for item in response.context["nav_items"]]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("owner_user", ["Home", "My returns", "Plans", "Actions", "Papers", "Questions", "Spreadsheets", "API"]),
        (
            "performance_user",
            [
                "Home",
                "Review",
                "Publication",
                "Plans",
                "Actions",
                "Papers",
                "Questions",
                "Spreadsheets",
                "API",
                "Admin",
            ],
        ),
        ("clerk_user", ["Home", "Plans", "Actions", "Papers", "Questions", "API"]),
        ("viewer_user", ["Home", "Plans", "Actions", "Papers", "Questions", "API"]),
    ],
)
def test_navigation_shows_only_the_sections_a_role_can_use(demo, client, request, persona, expected):
    client.force_login(request.getfixturevalue(persona))

    assert nav_labels(client) == expected


def test_navigation_marks_the_current_section(demo, client, owner_user):
    client.force_login(owner_user)

    page = client.get(reverse("my_returns")).content.decode()

    assert 'aria-current="page"><strong class="govuk-service-navigation__active-fallback">My returns' in page
