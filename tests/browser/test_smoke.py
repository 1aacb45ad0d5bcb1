import re

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db(transaction=True)


def test_signed_in_user_sees_the_demo_committee_and_no_accessibility_violations(demo, page, sign_in, axe_scan):
    sign_in(get_user_model().objects.get(username="viewer"))
    page.goto("/")
    page.get_by_role("link", name="Policy and Resources Cabinet Committee").first.click()
    assert re.search(r"/committees/policy-and-resources/", page.url)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Policy and Resources")
    assert axe_scan() == []
