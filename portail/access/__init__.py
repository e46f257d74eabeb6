"""The one permission module.

Every view turns (actor, object id, action) into an object through the functions here (on
convention pages: through the request's `Seat`, built once by `in_convention`), or gets an exception: Http404 when the object is outside the actor's scope (its existence must
not leak, R7), PermissionDenied when he may see it but not do that. Lists go through the
`*_visible_to` / `*_managed_by` querysets. Anything not granted here is refused.

Scopes:
- administrator of a convention (R6): everything in that convention;
- responsable des habilitations of a group (R7): that group and its descendants;
- agent Caf: reads the conventions of his Caf (management stays with the partner);
- everyone else: nothing here.

The package sits above the domain models and below views and services:
- `scope`: who manages what in a convention (`Scope`, `management_scope`) and the rule of R7b;
- `seat`: the one decision API of a convention's pages (`Seat`: objects, per-row answers for lists);
- `habilitations`: the same decisions as single calls (`access_*`, `*_visible_to`);
- `rights`: effective roles (R3, R5) and consultation rights (R8);
- `dialogue`, `attestations`: the Caf-side and partner-side pages around a dossier;
- `api_tokens`: « Jetons d'API » and what a token reaches (its creator's seat in its convention).
"""
from .caf import (access_caf_convention, access_caf_settings, access_organisation, caf_conventions, caf_filter,
                  is_caf_side, may_edit_caf_settings, may_edit_role_catalogue, may_read_role_catalogue,
                  organisations_visible_to, require_caf, supervised_caf_ids, supervised_cafs, supervises_caf)
from .attestations import (access_attestation_request, attestation_requests_made_by,
                           attestation_requests_visible_to, may_print_attestation_for_posting,
                           may_send_attestations)
from .dialogue import (access_dialogue_message, dialogue_messages_visible_to, dialogue_write_rights,
                       may_answer_dialogue, may_use_dialogue)
from .habilitations import (access_convention, access_group, access_user, access_user_lockout, conventions_visible_to,
                            groups_visible_to, sees_a_convention, users_visible_to)
from .rights import (CDAP, ConsultationRights, Grant, cafs_for_consultation, consultation_rights, explain_memberships,
                     open_groups_of, role_ceiling, roles_of)
from .measures import (access_group_role, access_journal_entry, access_measure_convention, access_measure_group,
                       access_measure_user, journal_entries_visible_to, management_taken_back, may_take_measures,
                       may_verify_journal, pending_roles_visible_to)
from .scope import Do, Scope, is_partner_actor, management_scope, reads_as_caf
from .seat import GroupRow, Seat, UserRow
from .supervision import (SupervisionScope, cafs_to_choose, may_supervise, may_supervise_cafs, supervised_conventions,
                          supervision_of_cafs, supervision_of_convention)
from .documents import (access_convention_documents, access_document, document_conventions_visible_to, documents_of,
                        may_consult_documents, may_upload_documents)
from .stats import (UsageScope, may_see_usage, usage_conventions, usage_scope_for_cafs,
                    usage_scope_for_convention)
from .api_tokens import (access_api_token, access_token_creation, access_token_page, api_conventions,
                         api_journal_entries, may_create_tokens, token_creator_may_act, token_seat, tokens_of)

__all__ = [name for name in dir() if not name.startswith("_")]
