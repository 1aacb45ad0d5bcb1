"""Roles come from the cache between requests, and any group change applies at once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.roles import PERFORMANCE_TEAM, SERVICE_OWNER, VIEWER, ensure_roles, user_roles
from tests.services import REFUSED_REDIS_URL, use_redis_at


def fresh(user):
    """The user as the next request loads it (roles are kept on the object only for one request)."""
    return get_user_model().objects.get(pk=user.pk)


def test_roles_are_read_from_the_cache_on_the_next_request(db, django_assert_num_queries):
    ensure_roles()
    user = get_user_model().objects.create_user("robin")
    user.groups.add(Group.objects.get(name=VIEWER))
    assert user_roles(fresh(user)) == {VIEWER}
    again = fresh(user)
    with django_assert_num_queries(0):
        assert user_roles(again) == {VIEWER}


def test_joining_and_leaving_a_group_applies_at_the_next_request(db):
    ensure_roles()
    user = get_user_model().objects.create_user("robin")
    user.groups.add(Group.objects.get(name=SERVICE_OWNER))
    assert user_roles(fresh(user)) == {SERVICE_OWNER}

    Group.objects.get(name=PERFORMANCE_TEAM).user_set.add(user)  # from the group's side
    assert user_roles(fresh(user)) == {SERVICE_OWNER, PERFORMANCE_TEAM}

    user.groups.clear()
    assert user_roles(fresh(user)) == set()


def test_a_renamed_group_shows_under_its_new_name_at_once(db):
    ensure_roles()
    user = get_user_model().objects.create_user("robin")
    group = Group.objects.get(name=VIEWER)
    user.groups.add(group)
    assert user_roles(fresh(user)) == {VIEWER}
    group.name = "Former viewers"
    group.save()
    assert user_roles(fresh(user)) == {"Former viewers"}  # no longer the Viewer role


def test_with_redis_refused_roles_come_from_the_database(db, settings):
    ensure_roles()
    user = get_user_model().objects.create_user("robin")
    user.groups.add(Group.objects.get(name=VIEWER))
    use_redis_at(settings, REFUSED_REDIS_URL)  # the cache as shipped, on a Redis that is away
    user.groups.add(Group.objects.get(name=SERVICE_OWNER))
    assert user_roles(fresh(user)) == {VIEWER, SERVICE_OWNER}


def test_a_lost_generation_never_matches_roles_kept_before(db):
    """Redis evicted the generation but not the entry, and a change's new generation was not written."""
    from django.core.cache import cache

    ensure_roles()
    user = get_user_model().objects.create_user("robin")
    user.groups.add(Group.objects.get(name=VIEWER))
    assert user_roles(fresh(user)) == {VIEWER}
    cache.delete("kpidash:roles-generation")
    Group.objects.get(name=VIEWER).user_set.through.objects.filter(user=user).delete()  # no signal
    assert user_roles(fresh(user)) == set()
