import hashlib
import hmac
import json

from django.conf import settings
from django.db import models
from django.db.models import Q

GENESIS = "0" * 64  # what the first entry chains to, and the head of an empty journal


def journal_key() -> bytes:
    """The chain's HMAC key: from the environment (JOURNAL_HMAC_KEY), never stored in the database,
    so whoever can rewrite the table cannot recompute a chain that verifies."""
    return settings.JOURNAL_HMAC_KEY.encode()


class Action(models.TextChoices):
    LOGIN = "login", "Connexion"
    LOGIN_FAILED = "login_failed", "Échec de connexion"
    LOGOUT = "logout", "Déconnexion"
    ACTIVATION = "activation", "Activation du compte"
    PASSWORD_RESET = "password_reset", "Réinitialisation du mot de passe"
    GROUP_CREATED = "group_created", "Création de groupe"
    GROUP_UPDATED = "group_updated", "Modification de groupe"
    GROUP_CLOSED = "group_closed", "Clôture de groupe"
    ROLE_ASSIGNED = "role_assigned", "Rôle assigné à un groupe"
    ROLE_REQUESTED = "role_requested", "Rôle proposé (validation Caf requise)"
    ROLE_APPROVED = "role_approved", "Rôle validé par la Caf"
    ROLE_REMOVED = "role_removed", "Rôle retiré d'un groupe"
    USER_CREATED = "user_created", "Création d'utilisateur"
    USER_UPDATED = "user_updated", "Modification d'utilisateur"
    USER_CLOSED = "user_closed", "Clôture d'utilisateur"
    MEMBERSHIP_ADDED = "membership_added", "Ajout au groupe"
    MEMBERSHIP_REMOVED = "membership_removed", "Retrait du groupe"
    RESPONSABLE_NAMED = "responsable_named", "Responsable des habilitations nommé"
    DOSSIER_CONSULTED = "dossier_consulted", "Consultation de dossier"
    DOSSIER_REFUSED = "dossier_refused", "Consultation refusée"
    TAB_OPENED = "tab_opened", "Onglet consulté"
    ATTESTATION_PRINTED = "attestation_printed", "Attestation éditée"
    ATTESTATION_POSTED = "attestation_posted", "Envoi d'attestation demandé"
    ATTESTATION_SENT = "attestation_sent", "Attestation envoyée par la Caf"
    DIALOGUE_SENT = "dialogue_sent", "Message Dialogue envoyé"
    DIALOGUE_ANSWERED = "dialogue_answered", "Réponse Dialogue"
    DIALOGUE_READ = "dialogue_read", "Message Dialogue lu par la Caf"
    DIALOGUE_CLOSED = "dialogue_closed", "Message Dialogue traité par la Caf"
    DIALOGUE_MARKED_READ = "dialogue_marked_read", "Message Dialogue marqué comme lu par la Caf"
    DIALOGUE_VIEWED = "dialogue_viewed", "Message Dialogue relu par son auteur"
    DIALOGUE_ATTACHMENT = "dialogue_attachment", "Pièce jointe Dialogue téléchargée"
    ACCOUNT_UNLOCKED = "account_unlocked", "Compte débloqué"
    EMAIL_CHANGE_REQUESTED = "email_change_requested", "Changement d'adresse mail demandé"
    EMAIL_CHANGE_CONFIRMED = "email_change_confirmed", "Changement d'adresse mail confirmé"
    # Caf back office: organisations, conventions, administrators, role catalogue
    ORGANISATION_CREATED = "organisation_created", "Organisation partenaire créée"
    ORGANISATION_UPDATED = "organisation_updated", "Organisation partenaire modifiée"
    CONVENTION_CREATED = "convention_created", "Convention créée"
    CONVENTION_UPDATED = "convention_updated", "Convention modifiée"
    CONVENTION_SUSPENDED = "convention_suspended", "Convention suspendue"
    CONVENTION_REOPENED = "convention_reopened", "Convention rouverte"
    CONVENTION_CLOSED = "convention_closed", "Convention close"
    ADMINISTRATOR_NAMED = "administrator_named", "Administrateur de convention nommé"
    ADMINISTRATOR_REMOVED = "administrator_removed", "Administrateur de convention retiré"
    CATALOGUE_ROLE_CREATED = "catalogue_role_created", "Rôle du catalogue créé"
    CATALOGUE_ROLE_UPDATED = "catalogue_role_updated", "Rôle du catalogue modifié"
    DOCUMENT_UPLOADED = "document_uploaded", "Document de convention déposé"
    DOCUMENT_DOWNLOADED = "document_downloaded", "Document de convention téléchargé"
    # Caf: validation of roles, immediate measures, the journal itself
    ROLE_REFUSED = "role_refused", "Rôle refusé par la Caf"
    USER_SUSPENDED = "user_suspended", "Utilisateur suspendu par la Caf"
    USER_REINSTATED = "user_reinstated", "Utilisateur rétabli par la Caf"
    PASSWORD_CHANGE_REQUIRED = "password_change_required", "Changement de mot de passe exigé"
    PASSWORD_CHANGE_CANCELLED = "password_change_cancelled", "Changement de mot de passe exigé : annulé"
    GROUP_SUSPENDED = "group_suspended", "Groupe suspendu par la Caf"
    GROUP_REINSTATED = "group_reinstated", "Groupe rétabli par la Caf"
    MANAGEMENT_TAKEN_BACK = "management_taken_back", "Gestion des habilitations reprise par la Caf"
    MANAGEMENT_GIVEN_BACK = "management_given_back", "Gestion des habilitations rendue au partenaire"
    JOURNAL_EXPORTED = "journal_exported", "Export du journal"
    JOURNAL_VERIFIED = "journal_verified", "Vérification du journal"
    # Second factor and re-authentication
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", "Second facteur enregistré"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Code du second facteur refusé"
    RECOVERY_CODE_USED = "recovery_code_used", "Code de secours utilisé"
    SECOND_FACTOR_RESET = "second_factor_reset", "Second facteur réinitialisé"
    REAUTHENTICATED = "reauthenticated", "Identité confirmée (mot de passe et code)"
    # Supervision habilitations / modifier
    SUPERVISION_EXPORTED = "supervision_exported", "Export de supervision des habilitations"
    # Caf side of a postal attestation
    ATTESTATION_PRINTED_CAF = "attestation_printed_caf", "Attestation éditée par la Caf pour envoi"
    # « Vérifier une attestation » (public page)
    ATTESTATION_VERIFIED = "attestation_verified", "Vérification d'une attestation"

    # Account lifecycle (manage.py accounts_lifecycle): no actor, the portal acts on its own rules
    ACCOUNT_CLOSING_WARNED = "account_closing_warned", "Compte averti de sa clôture prochaine"
    ACCOUNT_CLOSED_AT_DATE = "account_closed_at_date", "Compte clos à sa date de clôture"
    ACCOUNT_DORMANCY_WARNED = "account_dormancy_warned", "Compte averti de sa suspension pour inactivité"
    ACCOUNT_DORMANT_SUSPENDED = "account_dormant_suspended", "Compte suspendu après 6 mois sans connexion"
    # Allocataire files fed by the Caf's extracts (manage.py dossiers_load)
    DOSSIERS_LOADED = "dossiers_loaded", "Chargement d'un extrait de dossiers allocataires"
    # « Paramètres de la Caf » (address and signatory of its attestations, second factor for all)
    CAF_SETTINGS_UPDATED = "caf_settings_updated", "Paramètres de la Caf modifiés"
    # Large partners: bulk files, API tokens, ProConnect sign-in, time-bound memberships
    MEMBERSHIP_UPDATED = "membership_updated", "Appartenance modifiée (date de fin)"
    IMPORT_APPLIED = "import_applied", "Import d'un fichier d'utilisateurs"
    IMPORT_REFUSED = "import_refused", "Import d'un fichier d'utilisateurs refusé"
    SCOPE_EXPORTED = "scope_exported", "Export des utilisateurs, groupes et rôles"
    API_TOKEN_CREATED = "api_token_created", "Jeton d'API créé"
    API_TOKEN_REVOKED = "api_token_revoked", "Jeton d'API révoqué"
    API_REFUSED = "api_refused", "Appel d'API ou SCIM refusé"
    API_JOURNAL_READ = "api_journal_read", "Journal lu par l'API"
    PROCONNECT_LINKED = "proconnect_linked", "Identité ProConnect liée"
    PROCONNECT_UNLINKED = "proconnect_unlinked", "Identité ProConnect déliée"
    PROCONNECT_REFUSED = "proconnect_refused", "Connexion ProConnect refusée"


# Habilitation changes (« Supervision modifier »): a small share of the journal, read by convention or Caf
# over a period; partial indexes keep those reads off the millions of consultation entries.
CHANGE_PREFIXES = ("group_", "role_", "membership_", "user_", "responsable_", "administrator_", "account_",
                   "email_change_", "password_change_", "management_")
CHANGE_ACTIONS = [a.value for a in Action if a.value.startswith(CHANGE_PREFIXES)]


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Le journal ne se modifie pas.")

    def delete(self):
        raise PermissionError("Le journal ne s'efface pas.")


CONTENT_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_content(entry_id, created_at, action, actor_id, actor_identifier, ip, caf_id, convention_id, group_id,
                  role_id, target_user_id, dossier_number, details) -> str:
    """What an entry's HMAC covers (format 2): its id (its place in the journal) and its content.

    One function for the writer, the model and the verification's loop, so the bytes never differ;
    `created_at` is an aware datetime or already its ISO text (the verification reads it as text).
    """
    return CONTENT_ENCODER.encode(
        [2, entry_id, created_at if isinstance(created_at, str) else created_at.isoformat(), action, actor_id, actor_identifier, ip, caf_id, convention_id,
         group_id, role_id, target_user_id, dossier_number, details])


def keyed_hash(content: str, key: bytes) -> str:
    return hmac.digest(key, content.encode(), "sha256").hex()


class JournalEntry(models.Model):
    """One event (R9), written freely (no lock shared between requests) and sealed later into a
    `JournalBatch`: `entry_hash` is the HMAC of the entry's id and content.

    Entries written before batches existed (`previous_hash` set) form the historical chain: each one's
    HMAC covers its content and the previous entry's hash; the first batch seals that chain.

    Ids are kept as plain integers (not foreign keys) so no deletion elsewhere can
    ever cascade into or block on the journal, and the hashed content never changes.
    """

    created_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    actor_identifier = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    caf_id = models.BigIntegerField(null=True, blank=True)
    convention_id = models.BigIntegerField(null=True, blank=True)
    group_id = models.BigIntegerField(null=True, blank=True)
    role_id = models.BigIntegerField(null=True, blank=True)
    target_user_id = models.BigIntegerField(null=True, blank=True)
    dossier_number = models.CharField(max_length=20, blank=True)
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)  # historical chain only; "" since batches
    entry_hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["actor", "created_at"]),
            models.Index(fields=["convention_id", "created_at"]),
            models.Index(fields=["caf_id", "dossier_number"]),
            models.Index(fields=["action", "created_at"]),
            # The Caf's journal search: one Caf's entries over a date range.
            models.Index(fields=["caf_id", "created_at"]),
            models.Index(fields=["convention_id", "created_at"], condition=Q(action__in=CHANGE_ACTIONS),
                         name="journal_changes_by_convention"),
            models.Index(fields=["caf_id", "created_at"], condition=Q(action__in=CHANGE_ACTIONS),
                         name="journal_changes_by_caf"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Le journal ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal ne s'efface pas.")

    def hashed_content(self) -> str:
        if self.previous_hash:
            return self.chained_content()
        return entry_content(self.pk, self.created_at, self.action, self.actor_id, self.actor_identifier,
                             self.ip_address, self.caf_id, self.convention_id, self.group_id, self.role_id,
                             self.target_user_id, self.dossier_number, self.details)

    def chained_content(self) -> str:
        """The historical format: the content and the previous entry's hash, without the id."""
        return json.dumps(
            {
                "created_at": self.created_at.isoformat(),
                "action": self.action,
                "actor": self.actor_id,
                "actor_identifier": self.actor_identifier,
                "ip": self.ip_address,
                "caf": self.caf_id,
                "convention": self.convention_id,
                "group": self.group_id,
                "role": self.role_id,
                "target_user": self.target_user_id,
                "dossier": self.dossier_number,
                "details": self.details,
                "previous": self.previous_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def compute_hash(self, key: bytes | None = None) -> str:
        """HMAC-SHA256 of the content (format 2: with the id; historical: with the previous entry's hash)."""
        return keyed_hash(self.hashed_content(), key or journal_key())


class JournalBatch(models.Model):
    """A sealed run of entries: every id in (previous batch's `last_id`, `last_id`], except `gaps` (ids
    drawn by transactions that rolled back), in id order, summed up by a Merkle root, and chained to the
    previous batch by `batch_hash` (an HMAC). `kind` "chain" is the historical chain of entries written
    before batches existed: its `merkle_root` is that chain's last entry hash.
    """

    MERKLE, CHAIN = "merkle", "chain"

    kind = models.CharField(max_length=10, default=MERKLE)
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField(unique=True)
    entry_count = models.IntegerField()
    gaps = models.JSONField(default=list, blank=True)  # [[first, last], …] ids never committed
    merkle_root = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    batch_hash = models.CharField(max_length=64, unique=True)
    sealed_at = models.DateTimeField()

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Le journal ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal ne s'efface pas.")

    def compute_hash(self, key: bytes | None = None) -> str:
        return batch_hash(key or journal_key(), kind=self.kind, first_id=self.first_id, last_id=self.last_id,
                          entry_count=self.entry_count, gaps=self.gaps, merkle_root=self.merkle_root,
                          previous_hash=self.previous_hash, sealed_at=self.sealed_at)


def batch_hash(key: bytes, *, kind, first_id, last_id, entry_count, gaps, merkle_root, previous_hash,
               sealed_at) -> str:
    content = json.dumps([kind, first_id, last_id, entry_count, gaps, merkle_root, previous_hash,
                          sealed_at.isoformat()], separators=(",", ":"))
    return keyed_hash("batch:" + content, key)


class JournalHead(models.Model):
    """Single row (pk=1) describing what is sealed: the last batch's hash, the last sealed id and the
    number of sealed entries. Only the sealer locks and updates it (appends never touch it); every
    entry whose id is at most `last_id` is committed (or was rolled back), none can still appear.
    """

    last_hash = models.CharField(max_length=64, default=GENESIS)
    last_id = models.BigIntegerField(null=True, blank=True)
    entry_count = models.BigIntegerField(default=0)
