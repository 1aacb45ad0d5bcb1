"""The service navigation: the sections a signed-in user's roles let them use.

A link a user cannot follow is not shown (a clerk has no "My returns"); the
views still check permissions themselves.
"""

from django.urls import NoReverseMatch, reverse

from accounts.roles import COMMITTEE_CLERK, PERFORMANCE_TEAM, SERVICE_OWNER, VIEWER, user_roles

# (key, label, URL name, roles that see it; None = every signed-in user)
SECTIONS = [
    ("home", "Home", "home", None),
    ("my_returns", "My returns", "my_returns", {SERVICE_OWNER}),
    ("review", "Review", "review", {PERFORMANCE_TEAM}),
    ("publication", "Publication", "publication", {PERFORMANCE_TEAM}),  # what the public site shows
    ("plans", "Plans", "plans", None),
    ("actions", "Actions", "actions", None),
    ("papers", "Papers", "papers", {PERFORMANCE_TEAM, COMMITTEE_CLERK, SERVICE_OWNER, VIEWER}),
    # Clerks record members' questions, owners answer, the performance team approves, councillors ask.
    ("questions", "Questions", "questions", {PERFORMANCE_TEAM, COMMITTEE_CLERK, SERVICE_OWNER, VIEWER}),
    ("spreadsheets", "Spreadsheets", "spreadsheets", {PERFORMANCE_TEAM, SERVICE_OWNER}),
    ("api", "API", "api:tokens", None),  # everyone signed in reads the API with their own tokens
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles = user_roles(user)
    items = []
    for key, label, url_name, allowed in SECTIONS:
        if allowed is not None and not roles & allowed:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"key": key, "label": label, "url": url, "active": _active(request.path, url, key)})
    if user.is_staff:
        url = reverse("admin:index")
        items.append({"key": "admin", "label": "Admin", "url": url, "active": request.path.startswith(url)})
    return {"nav_items": items}


def _active(path: str, url: str, key: str) -> bool:
    if key == "home":
        return path == url
    return path == url or path.startswith(url.rstrip("/") + "/")
