"""Sign-in through LDAP (django-auth-ldap) against Debian's slapd, started on loopback by the test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time

import pytest
from django.contrib.auth import get_user_model

from accounts.roles import PERFORMANCE_TEAM, SERVICE_OWNER, VIEWER
from tests.hanging import hanging_listener
from tests.kpidash.test_settings_env import LDAP as LDAP_ENV
from tests.kpidash.test_settings_env import load_settings

pytestmark = pytest.mark.django_db

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
BASE = "dc=council,dc=example"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{BASE}", "admin-secret-for-tests"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {dir}/slapd.pid
database mdb
maxsize 10485760
suffix "{base}"
rootdn "{admin}"
rootpw {password}
directory {dir}/data
access to attrs=userPassword by self read by anonymous auth by * none
access to * by * read
"""

DIRECTORY = """\
dn: {base}
objectClass: dcObject
objectClass: organization
o: Example Council
dc: council

dn: ou=people,{base}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{base}
objectClass: organizationalUnit
ou: groups

dn: uid=bkhan,ou=people,{base}
objectClass: inetOrgPerson
uid: bkhan
cn: Bilal Khan
givenName: Bilal
sn: Khan
mail: bilal.khan@council.example
userPassword: bilal-password

dn: uid=cjones,ou=people,{base}
objectClass: inetOrgPerson
uid: cjones
cn: Cath Jones
givenName: Cath
sn: Jones
mail: cath.jones@council.example
userPassword: cath-password

dn: cn=KPI Performance Team,ou=groups,{base}
objectClass: groupOfNames
cn: KPI Performance Team
member: uid=bkhan,ou=people,{base}

dn: cn=KPI Service Owners,ou=groups,{base}
objectClass: groupOfNames
cn: KPI Service Owners
member: uid=cjones,ou=people,{base}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def slapd(tmp_path_factory):
    try:
        import ldap  # noqa: F401
    except ImportError:
        if os.environ.get("KPIDASH_REQUIRE_BROWSER"):
            pytest.fail("python-ldap is missing: pip install -r requirements-ldap.txt")
        pytest.skip("python-ldap is not installed (pip install -r requirements-ldap.txt)")
    if not os.path.exists(SLAPD):
        if os.environ.get("KPIDASH_REQUIRE_BROWSER"):
            pytest.fail("slapd is missing: apt-get install slapd ldap-utils")
        pytest.skip("slapd is not installed (apt-get install slapd ldap-utils)")
    folder = tmp_path_factory.mktemp("slapd")
    (folder / "data").mkdir()
    config = folder / "slapd.conf"
    config.write_text(CONFIG.format(dir=folder, base=BASE, admin=ADMIN_DN, password=ADMIN_PASSWORD))
    (folder / "directory.ldif").write_text(DIRECTORY.format(base=BASE))
    subprocess.run(
        [SLAPADD, "-f", str(config), "-l", str(folder / "directory.ldif")], check=True, capture_output=True, timeout=30
    )
    uri = f"ldap://127.0.0.1:{_free_port()}"
    # -d keeps slapd in the foreground, so the test owns (and ends) the process.
    process = subprocess.Popen(
        [SLAPD, "-f", str(config), "-h", f"{uri}/", "-d", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    import ldap

    deadline = time.monotonic() + 20
    while True:
        try:
            connection = ldap.initialize(uri)
            connection.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
            break
        except ldap.SERVER_DOWN:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("slapd did not start")
            time.sleep(0.2)
    yield uri, connection
    connection.unbind_s()
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def ldap_settings(slapd, settings):
    import ldap
    from django_auth_ldap.config import GroupOfNamesType, LDAPSearch

    uri, _ = slapd
    # What kpidash/settings.py builds from AUTH_LDAP_* variables with AUTH_LDAP_GROUP_TYPE=group-of-names.
    settings.AUTH_LDAP_SERVER_URI = uri
    settings.AUTH_LDAP_BIND_DN = ADMIN_DN
    settings.AUTH_LDAP_BIND_PASSWORD = ADMIN_PASSWORD
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(f"ou=people,{BASE}", ldap.SCOPE_SUBTREE, "(uid=%(user)s)")
    settings.AUTH_LDAP_GROUP_SEARCH = LDAPSearch(f"ou=groups,{BASE}", ldap.SCOPE_SUBTREE, "(objectClass=groupOfNames)")
    settings.AUTH_LDAP_GROUP_TYPE = GroupOfNamesType()
    settings.AUTH_LDAP_USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
    settings.AUTH_LDAP_ALWAYS_UPDATE_USER = True
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "accounts.auth.LDAPBackend",
        "accounts.auth.ModelBackend",
    ]
    settings.KPIDASH_SSO_GROUP_MAP = {"KPI Performance Team": PERFORMANCE_TEAM, "KPI Service Owners": SERVICE_OWNER}
    settings.KPIDASH_SSO_DEFAULT_ROLE = VIEWER
    return settings


def _sign_in(client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _roles(username: str) -> set[str]:
    return set(get_user_model().objects.get(username=username).groups.values_list("name", flat=True))


def test_a_directory_user_signs_in_with_the_role_of_their_group(ldap_settings, client):
    response = _sign_in(client, "bkhan", "bilal-password")
    assert response.status_code == 302
    user = get_user_model().objects.get(username="bkhan")
    assert (user.first_name, user.last_name, user.email) == ("Bilal", "Khan", "bilal.khan@council.example")
    assert _roles("bkhan") == {PERFORMANCE_TEAM}
    assert user.is_staff and not user.has_usable_password()
    assert client.get("/").status_code == 200


def test_a_wrong_directory_password_does_not_sign_in(ldap_settings, client):
    response = _sign_in(client, "cjones", "not-her-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not get_user_model().objects.filter(username="cjones").exists()


def test_leaving_a_directory_group_removes_the_role_at_the_next_sign_in(ldap_settings, slapd, client):
    import ldap

    _, admin = slapd
    assert _sign_in(client, "cjones", "cath-password").status_code == 302
    assert _roles("cjones") == {SERVICE_OWNER}
    group = f"cn=KPI Service Owners,ou=groups,{BASE}"
    member = f"uid=cjones,ou=people,{BASE}".encode()
    # groupOfNames needs a member: add the admin before removing Cath.
    admin.modify_s(group, [(ldap.MOD_ADD, "member", [ADMIN_DN.encode()]), (ldap.MOD_DELETE, "member", [member])])
    try:
        client.logout()
        assert _sign_in(client, "cjones", "cath-password").status_code == 302
        assert _roles("cjones") == {VIEWER}
    finally:
        admin.modify_s(group, [(ldap.MOD_ADD, "member", [member]), (ldap.MOD_DELETE, "member", [ADMIN_DN.encode()])])


def test_with_no_default_role_a_user_in_no_mapped_group_is_refused(ldap_settings, client):
    ldap_settings.KPIDASH_SSO_GROUP_MAP = {"KPI Performance Team": PERFORMANCE_TEAM}
    ldap_settings.KPIDASH_SSO_DEFAULT_ROLE = ""
    response = _sign_in(client, "cjones", "cath-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- a directory that accepts the connection and never answers ----------------------------


@pytest.fixture
def hung_directory(settings):
    """The shipped LDAP settings, with AUTH_LDAP_TIMEOUT=1, pointed at a listener that never answers."""
    pytest.importorskip("ldap", reason="python-ldap is not installed (pip install -r requirements-ldap.txt)")
    with hanging_listener() as listener:
        shipped = load_settings(
            AUTH_LDAP_SERVER_URI=f"ldap://{listener.url}",
            AUTH_LDAP_USER_SEARCH_BASE=f"ou=people,{BASE}",
            AUTH_LDAP_GROUP_SEARCH_BASE=f"ou=groups,{BASE}",
            AUTH_LDAP_TIMEOUT="1",
        )
        for name, value in shipped.items():
            if name.startswith("AUTH_LDAP_") or name == "AUTHENTICATION_BACKENDS":
                setattr(settings, name, value)
        yield listener, settings


def _timed_sign_in(client, username: str = "bkhan", password: str = "bilal-password"):
    start = time.monotonic()
    response = _sign_in(client, username, password)
    return response, time.monotonic() - start


def test_a_hung_directory_fails_sign_in_within_its_timeout_saying_so_and_locks_nobody_out(hung_directory, client):
    from axes.models import AccessAttempt

    listener, settings = hung_directory
    import ldap

    shipped = load_settings(**LDAP_ENV)["AUTH_LDAP_CONNECTION_OPTIONS"]
    assert shipped == {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: 10, ldap.OPT_TIMEOUT: 10}
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):  # more tries than a lockout takes
        response, elapsed = _timed_sign_in(client)
        assert response.status_code == 200
        assert elapsed < 4  # the bind waits AUTH_LDAP_TIMEOUT (1 s), not for ever
        assert "The council&#x27;s directory did not answer" in response.content.decode()
    assert listener.accepted, "connected: it was the answer that never came"
    assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.exists()  # not the person's fault: no failure counted


def test_a_hung_directory_fails_start_tls_within_its_timeout(hung_directory, client):
    _, settings = hung_directory
    settings.AUTH_LDAP_START_TLS = True
    response, elapsed = _timed_sign_in(client)
    assert elapsed < 4 and "The council&#x27;s directory did not answer" in response.content.decode()


def test_a_wrong_password_is_still_a_wrong_password_while_the_directory_answers(ldap_settings, client):
    response = _sign_in(client, "cjones", "not-her-password")
    assert "did not answer" not in response.content.decode()
    assert "Please enter a correct username and password" in response.content.decode()


def test_a_hung_ldaps_directory_fails_sign_in_within_its_timeout_without_spinning(hung_directory, client):
    """libldap 2.5 neither bounds an ldaps:// handshake that never answers nor sleeps through it (it spins)."""
    listener, settings = hung_directory
    settings.AUTH_LDAP_SERVER_URI = f"ldaps://{listener.url}"
    cpu = time.process_time()
    response, elapsed = _timed_sign_in(client)
    assert elapsed < 4 and "The council&#x27;s directory did not answer" in response.content.decode()
    assert time.process_time() - cpu < 1.5


def test_a_local_account_still_signs_in_while_the_directory_hangs(hung_directory, client):
    """Break-glass administrators: local accounts always work (README "Sign-in")."""
    from tests.conftest import make_user

    make_user("break-glass", PERFORMANCE_TEAM)
    response, elapsed = _timed_sign_in(client, "break-glass", "pw-for-tests")
    assert response.status_code == 302 and elapsed < 4
    assert client.session["_auth_user_backend"] == "accounts.auth.ModelBackend"


def test_a_wrong_local_password_while_the_directory_hangs_is_counted_and_locks_out(hung_directory, client):
    """The break-glass password cannot be guessed without limit while the directory is down."""
    from axes.models import AccessAttempt

    from tests.conftest import make_user

    _, settings = hung_directory
    make_user("break-glass", PERFORMANCE_TEAM)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response, elapsed = _timed_sign_in(client, "break-glass", "a-guess")
        assert elapsed < 4
        assert "did not answer" not in response.content.decode()
    assert AccessAttempt.objects.get(username="break-glass").failures_since_start == settings.AXES_FAILURE_LIMIT
    response, _ = _timed_sign_in(client, "break-glass", "pw-for-tests")
    assert response.status_code == 429 and "_auth_user_id" not in client.session


@pytest.fixture
def garbage_listener():
    """A server that answers every connection with something that is not TLS, then closes it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            with connection:
                connection.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(timeout=2)
    server.close()


def test_an_ldaps_server_whose_handshake_fails_is_left_to_libldap_to_judge(hung_directory, garbage_listener, client):
    """Python's default TLS settings are not libldap's: a server that answers is not "did not answer" by the probe."""
    _, settings = hung_directory
    port, accepted = garbage_listener
    settings.AUTH_LDAP_SERVER_URI = f"ldaps://127.0.0.1:{port}"
    response, elapsed = _timed_sign_in(client)
    assert elapsed < 4 and "_auth_user_id" not in client.session
    assert len(accepted) == 2  # the probe's handshake, then libldap's own
