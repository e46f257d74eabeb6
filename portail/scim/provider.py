"""What the SCIM service announces (RFC 7643 §5–7): its resources, schemas and capabilities, all built by
scim2-models from its models of the RFCs and from the one extension below (no schema is written by hand).

The portal's extension of Group carries the end dates of time-bound memberships (a replacement, an
intern): `temporaryMembers`, each a member's `value` (user id) and `endsOn` (last day, AAAA-MM-JJ).
"""
from typing import Annotated

from scim2_models import (URN, AuthenticationScheme, Bulk, ChangePassword, ComplexAttribute, EnterpriseUser, ETag,
                          Extension, Filter, Group, Patch, Required, ResourceType, ScimProvider,
                          ServiceProviderConfig, Sort, User)

MAX_RESULTS = 200
PORTAIL_GROUP = "urn:fr:caf:portail-partenaires:scim:schemas:extension:2.0:Group"


class TemporaryMember(ComplexAttribute):
    value: Annotated[str | None, Required.true] = None
    """The member's id (a User of /Users)."""

    ends_on: Annotated[str | None, Required.true] = None
    """The last day the membership grants anything, AAAA-MM-JJ."""


class PortailGroup(Extension):
    """Group attributes of the Portail Partenaires."""

    __schema__ = URN(PORTAIL_GROUP)

    temporary_members: list[TemporaryMember] | None = None
    """Members whose membership ends on a given day; the others have no end date."""


ScimUser = User[EnterpriseUser]
ScimGroup = Group[PortailGroup]

PROVIDER = ScimProvider(
    models=[User, EnterpriseUser, Group, PortailGroup],
    resource_types=[ResourceType.from_resource(ScimUser), ResourceType.from_resource(ScimGroup)],
)


def service_provider_config() -> ServiceProviderConfig:
    return ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[AuthenticationScheme(
            type="oauthbearertoken", primary=True, name="Jeton d'API (portée SCIM)",
            description="Authorization: Bearer <jeton>, créé par un administrateur de la convention "
                        "(page « Jetons d'API »), portée « Approvisionnement SCIM ».",
        )],
    )
