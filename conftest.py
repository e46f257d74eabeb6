"""Fixtures for the whole suite; build anything else with portail/core/testing/factories.py.

The basic world: one open `convention` (Caf ↔ partner organisation, Cdap service since 2020-01-01)
administered by `admin_user`; the Cdap roles `role_t1` (every tab, attestations) and `role_t18`
(a few tabs); `partner_user` of the same organisation in no group; `caf_agent` of the convention's Caf.
"""
import pytest

from portail.testing import factories as f
from portail.testing.auth import sign_in
from portail.testing import flush
from portail.testing.static import list_static_files_once

list_static_files_once()  # WhiteNoise walks the static files once per run, not once per test client
flush.install()  # PostgreSQL: transactional tests' tables emptied by DELETE where they hold rows, not TRUNCATE

LONG_TESTS = ("bench", "e2e")  # the benchmark's smoke test, then the browser walkthroughs


def _rank(item, root) -> int:
    top = item.path.relative_to(root).parts[0] if item.path.is_relative_to(root) else ""
    return LONG_TESTS.index(top) if top in LONG_TESTS else len(LONG_TESTS)


def pytest_collection_modifyitems(config, items):
    """The longest tests first: with several workers (`-n 2 --dist worksteal`, .ci/run) they are shared out
    from the start and the short ones even out the end, instead of one worker finishing the run alone."""
    items.sort(key=lambda item: _rank(item, config.rootpath))


@pytest.fixture
def cdap(db):
    return f.ServiceFactory()


@pytest.fixture
def role_t1(cdap):
    return f.RoleFactory(
        service=cdap, code="T1", label="Travailleur social", can_print_attestation=True, can_post_attestation=True
    )


@pytest.fixture
def role_t18(cdap):
    return f.RoleFactory(service=cdap, code="T18", label="Agent de service", tabs=["synthese", "resume", "famille", "logement"])


@pytest.fixture
def organisation(db):
    return f.OrganisationFactory(name="Conseil départemental 1")


@pytest.fixture
def convention(cdap, organisation):
    return f.ConventionFactory(label="Convention 1", organisation=organisation, services=[cdap])


@pytest.fixture
def admin_user(convention):
    """Administrator of `convention` (R6)."""
    user = f.UserFactory(organisation=convention.organisation, last_name="Martin", first_name="Claire")
    convention.administrators.add(user)
    return user


@pytest.fixture
def partner_user(convention):
    """A plain member of the partner organisation, in no group yet."""
    return f.UserFactory(organisation=convention.organisation)


@pytest.fixture
def caf_agent(convention):
    return f.CafAgentFactory(caf=convention.caf)


@pytest.fixture
def make_group(db):
    """`make_group(convention, code, parent=, roles=, responsable=, members=)`: see factories.make_group."""
    return f.make_group


PORTAL_BACKEND = "portail.accounts.backends.PortalBackend"


@pytest.fixture
def login_as(client):
    """`login_as(user)` logs the test client in and returns it.

    Always pass through here (or `sign_in(client, user)`): the first
    configured backend is django-axes', which cannot load a user from the session.
    """

    def _login(user):
        sign_in(client, user)
        return client

    return _login
