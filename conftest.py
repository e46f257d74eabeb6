"""Fixtures for the whole suite; build anything else with portail/core/testing/factories.py.

The basic world: one open `convention` (Caf ↔ partner organisation, Cdap service since 2020-01-01)
administered by `admin_user`; the Cdap roles `role_t1` (every tab, attestations) and `role_t18`
(a few tabs); `partner_user` of the same organisation in no group; `caf_agent` of the convention's Caf.
"""
import pytest

from portail.testing import factories as f
from portail.testing.auth import sign_in


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
