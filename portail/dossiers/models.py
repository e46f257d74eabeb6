"""Allocataire files (dossiers) as the Cdap tabs show them.

A dossier is found by (Caf, numéro allocataire); everything else hangs off it and is
read tab by tab, each tab in a fixed number of indexed queries.
"""
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

NUMBER_VALIDATOR = RegexValidator(r"^\d{7}$", "Le numéro allocataire comporte exactement 7 chiffres.")


class Benefit(models.TextChoices):
    """Benefit codes (prestations) as a Caf names them."""

    AF = "AF", "Allocations familiales"
    CF = "CF", "Complément familial"
    ARS = "ARS", "Allocation de rentrée scolaire"
    ASF = "ASF", "Allocation de soutien familial"
    PAJE = "PAJE", "Prestation d'accueil du jeune enfant (allocation de base)"
    APL = "APL", "Aide personnalisée au logement"
    ALS = "ALS", "Allocation de logement sociale"
    ALF = "ALF", "Allocation de logement familiale"
    RSA = "RSA", "Revenu de solidarité active"
    PPA = "PPA", "Prime d'activité"
    AAH = "AAH", "Allocation aux adultes handicapés"
    AEEH = "AEEH", "Allocation d'éducation de l'enfant handicapé"


class Payee(models.TextChoices):
    ALLOCATAIRE = "allocataire", "Allocataire"
    BAILLEUR = "bailleur", "Bailleur (tiers payant)"


class Dossier(models.Model):
    class FamilySituation(models.TextChoices):
        SINGLE = "celibataire", "Célibataire"
        MARRIED = "marie", "Marié(e)"
        PACS = "pacse", "Pacsé(e)"
        COHABITING = "concubinage", "Vie maritale"
        SEPARATED = "separe", "Séparé(e)"
        DIVORCED = "divorce", "Divorcé(e)"
        WIDOWED = "veuf", "Veuf(ve)"

    class Status(models.TextChoices):
        ACTIVE = "actif", "Droits ouverts"
        SUSPENDED = "suspendu", "Droits suspendus"
        CLOSED = "radie", "Radié"

    caf = models.ForeignKey("conventions.Caf", on_delete=models.PROTECT, related_name="dossiers", verbose_name="Caf")
    number = models.CharField("numéro allocataire", max_length=7, validators=[NUMBER_VALIDATOR])
    title = models.CharField("civilité", max_length=4, default="M.")
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    birth_date = models.DateField("date de naissance")
    family_situation = models.CharField(
        "situation familiale", max_length=12, choices=FamilySituation.choices, default=FamilySituation.SINGLE
    )
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    opened_on = models.DateField("date d'affiliation")
    family_quotient = models.PositiveIntegerField("quotient familial", default=0)
    # The quotient familial is recomputed from the ressources tab: N-2 income and that month's benefits.
    family_quotient_month = models.DateField("mois de référence du quotient familial", null=True, blank=True)
    family_quotient_income_year = models.PositiveSmallIntegerField("année des revenus retenus", null=True, blank=True)
    status_reason = models.CharField("motif du statut", max_length=200, blank=True)
    email = models.EmailField("adresse mail", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    last_change_on = models.DateField("dernière mise à jour", null=True, blank=True)
    # SHA-256 of the file as last loaded (portail/dossiers/loading): the same file again is skipped.
    content_hash = models.CharField("empreinte du dernier chargement", max_length=64, blank=True, editable=False)
    # What a social worker looks for first (issue « Cdap »): paiements, RSA, résumé tabs.
    next_payment_on = models.DateField("date du prochain paiement", null=True, blank=True)
    next_payment_amount = models.DecimalField("montant du prochain paiement", max_digits=9, decimal_places=2,
                                              null=True, blank=True)
    declaration_quarter = models.DateField("trimestre à déclarer (RSA, prime d'activité)", null=True, blank=True)
    declaration_received_on = models.DateField("déclaration trimestrielle reçue le", null=True, blank=True)
    control_since = models.DateField("contrôle en cours depuis le", null=True, blank=True)
    missing_documents = models.CharField("pièces justificatives manquantes", max_length=200, blank=True)
    missing_documents_since = models.DateField("pièces demandées le", null=True, blank=True)
    pending_request = models.CharField("demande en cours d'instruction", max_length=200, blank=True)
    pending_request_since = models.DateField("demande reçue le", null=True, blank=True)

    class Meta:
        verbose_name = "dossier allocataire"
        ordering = ["caf_id", "number"]
        # The unique constraint is the (caf, number) lookup index: one B-tree, no duplicate.
        constraints = [models.UniqueConstraint(fields=["caf", "number"], name="dossier_number_unique_per_caf")]

    def __str__(self) -> str:
        return f"{self.number} — {self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.title} {self.first_name} {self.last_name}"


# Child tables: the composite (dossier, …) index serves every lookup by dossier, so the
# foreign key gets no index of its own (one less B-tree to fill for millions of rows).


class FamilyMember(models.Model):
    class Relationship(models.TextChoices):
        ALLOCATAIRE = "allocataire", "Allocataire"
        SPOUSE = "conjoint", "Conjoint(e)"
        CHILD = "enfant", "Enfant"
        OTHER = "autre", "Autre personne à charge"

    class Activity(models.TextChoices):
        EMPLOYED = "salarie", "Salarié(e)"
        SELF_EMPLOYED = "independant", "Travailleur indépendant"
        JOBSEEKER = "demandeur", "Demandeur d'emploi"
        RETIRED = "retraite", "Retraité(e)"
        SICK_LEAVE = "arret", "En arrêt maladie"
        INACTIVE = "sans", "Sans activité professionnelle"

    class Protection(models.TextChoices):
        GUARDIANSHIP = "tutelle", "Tutelle"
        CURATORSHIP = "curatelle", "Curatelle"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="members", db_index=False)
    position = models.PositiveSmallIntegerField("rang", default=0)
    relationship = models.CharField("lien", max_length=12, choices=Relationship.choices)
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    sex = models.CharField("sexe", max_length=1, choices=[("F", "Féminin"), ("M", "Masculin")])
    birth_date = models.DateField("date de naissance")
    dependent = models.BooleanField("à charge", default=False)
    activity = models.CharField("situation professionnelle", max_length=12, choices=Activity.choices, blank=True)
    activity_since = models.DateField("situation professionnelle depuis le", null=True, blank=True)
    france_travail_since = models.DateField("inscrit(e) à France Travail depuis le", null=True, blank=True)
    disabled = models.BooleanField("en situation de handicap", default=False)
    shared_custody = models.BooleanField("résidence alternée", default=False)
    protection = models.CharField("mesure de protection", max_length=10, choices=Protection.choices, blank=True)
    expected_birth_on = models.DateField("grossesse : naissance prévue le", null=True, blank=True)
    # A spouse who left the household (separation): kept in the file, no longer counted from the month after.
    left_on = models.DateField("a quitté le foyer le", null=True, blank=True)

    class Meta:
        ordering = ["dossier_id", "position"]
        indexes = [models.Index(fields=["dossier", "position"])]


class Right(models.Model):
    """A benefit (droit) with its period and monthly amount."""

    class Status(models.TextChoices):
        OPEN = "ouvert", "Ouvert"
        SUSPENDED = "suspendu", "Suspendu"
        CLOSED = "clos", "Clos"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="rights", db_index=False)
    benefit = models.CharField("prestation", max_length=5, choices=Benefit.choices)
    start_date = models.DateField("date d'ouverture")
    end_date = models.DateField("date de fin", null=True, blank=True)
    monthly_amount = models.DecimalField("montant mensuel", max_digits=9, decimal_places=2)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.OPEN)
    payee = models.CharField("versé à", max_length=12, choices=Payee.choices, default=Payee.ALLOCATAIRE)
    status_reason = models.CharField("motif de suspension ou de fin", max_length=200, blank=True)

    class Meta:
        ordering = ["dossier_id", "benefit", "start_date"]
        indexes = [models.Index(fields=["dossier", "benefit"])]


class Payment(models.Model):
    """One monthly payment of one benefit."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="payments", db_index=False)
    month = models.DateField("mois de droit")
    benefit = models.CharField("prestation", max_length=5, choices=Benefit.choices)
    amount = models.DecimalField("montant versé", max_digits=9, decimal_places=2)
    # amount = gross − CRDS − deduction; gross is the right's amount for that month (0: not given by the extract).
    gross_amount = models.DecimalField("montant brut", max_digits=9, decimal_places=2, default=0)
    crds = models.DecimalField("CRDS", max_digits=8, decimal_places=2, default=0)
    deduction = models.DecimalField("retenue sur créance", max_digits=8, decimal_places=2, default=0)
    payee = models.CharField("versé à", max_length=12, choices=Payee.choices, default=Payee.ALLOCATAIRE)
    paid_on = models.DateField("date de paiement")
    # A rappel: a month due earlier, paid later (retroactive opening), with a later month's payment.
    arrear = models.BooleanField("rappel", default=False)

    class Meta:
        ordering = ["dossier_id", "-month", "benefit"]
        indexes = [models.Index(fields=["dossier", "month"])]


class Resource(models.Model):
    class Kind(models.TextChoices):
        SALARY = "salaires", "Salaires et traitements"
        UNEMPLOYMENT = "chomage", "Allocations chômage"
        SELF_EMPLOYED = "independant", "Revenus d'activité non salariée"
        PENSION = "pension", "Pensions et retraites"
        SICKNESS = "ij", "Indemnités journalières"
        ALIMONY = "pension_alimentaire", "Pension alimentaire reçue"
        NONE = "aucune", "Aucune ressource"

    class Scope(models.TextChoices):
        ANNUAL = "annuelle", "Ressources annuelles (N-2)"
        QUARTERLY = "trimestrielle", "Déclaration trimestrielle"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="resources", db_index=False)
    person = models.CharField("personne", max_length=12, default="allocataire")
    scope = models.CharField("période de référence", max_length=13, choices=Scope.choices)
    period_start = models.DateField("début de période")
    period_end = models.DateField("fin de période")
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    amount = models.DecimalField("montant", max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["dossier_id", "-period_start", "person", "kind"]
        indexes = [models.Index(fields=["dossier", "period_start"])]


class RsaInfo(models.Model):
    class Orientation(models.TextChoices):
        SOCIAL = "sociale", "Sociale"
        PROFESSIONAL = "professionnelle", "Professionnelle (France Travail)"
        SOCIO_PRO = "socio_pro", "Socio-professionnelle"
        PENDING = "en_attente", "En attente d'orientation"

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rsa")
    orientation = models.CharField("orientation", max_length=16, choices=Orientation.choices)
    referent = models.CharField("organisme référent", max_length=120, blank=True)
    monthly_amount = models.DecimalField("montant mensuel", max_digits=9, decimal_places=2)
    flat_amount = models.DecimalField("montant forfaitaire", max_digits=9, decimal_places=2)
    requested_on = models.DateField("date de demande")
    opened_on = models.DateField("date d'ouverture du droit")
    orientation_on = models.DateField("date d'orientation", null=True, blank=True)
    contract_end_on = models.DateField("fin du contrat d'engagement", null=True, blank=True)
    last_declaration_on = models.DateField("dernière déclaration trimestrielle", null=True, blank=True)
    next_declaration_on = models.DateField("prochaine déclaration trimestrielle", null=True, blank=True)
    sanction = models.CharField("sanction en cours", max_length=200, blank=True)
    sanction_since = models.DateField("sanction depuis le", null=True, blank=True)


class Letter(models.Model):
    class Channel(models.TextChoices):
        POST = "courrier", "Courrier postal"
        ONLINE = "espace", "Espace Mon Compte"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="letters", db_index=False)
    sent_on = models.DateField("date d'envoi")
    subject = models.CharField("objet", max_length=200)
    channel = models.CharField("canal", max_length=10, choices=Channel.choices, default=Channel.POST)

    class Meta:
        ordering = ["dossier_id", "-sent_on"]
        indexes = [models.Index(fields=["dossier", "sent_on"])]


class Housing(models.Model):
    class Kind(models.TextChoices):
        SOCIAL_RENT = "hlm", "Location (logement social)"
        PRIVATE_RENT = "locatif_prive", "Location (parc privé)"
        OWNER = "accedant", "Accession à la propriété"
        HOSTEL = "foyer", "Foyer ou résidence sociale"
        HOSTED = "heberge", "Hébergé(e) à titre gratuit"

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="housing")
    street = models.CharField("adresse", max_length=200)
    postcode = models.CharField("code postal", max_length=5)
    city = models.CharField("commune", max_length=100)
    kind = models.CharField("type de logement", max_length=14, choices=Kind.choices)
    rooms = models.PositiveSmallIntegerField("nombre de pièces", default=1)
    surface = models.PositiveSmallIntegerField("surface (m²)", default=20)
    rent = models.DecimalField("loyer mensuel", max_digits=8, decimal_places=2, default=0)
    charges = models.DecimalField("charges mensuelles", max_digits=8, decimal_places=2, default=0)
    landlord = models.CharField("bailleur", max_length=200, blank=True)
    third_party_payment = models.BooleanField("tiers payant (aide versée au bailleur)", default=False)
    moved_in_on = models.DateField("date d'entrée dans le logement")
    rent_retained = models.DecimalField("loyer retenu pour l'aide", max_digits=8, decimal_places=2, default=0)
    unpaid_rent_since = models.DateField("impayé de loyer depuis le", null=True, blank=True)
    unpaid_rent_amount = models.DecimalField("montant de l'impayé", max_digits=8, decimal_places=2, default=0)
    repayment_plan_monthly = models.DecimalField("plan d'apurement : mensualité", max_digits=8, decimal_places=2,
                                                 default=0)
    non_decent_since = models.DateField("logement non décent constaté le", null=True, blank=True)


class Debt(models.Model):
    """A créance: an overpayment the allocataire repays."""

    class Status(models.TextChoices):
        ONGOING = "en_cours", "En cours de remboursement"
        SETTLED = "soldee", "Soldée"
        DISPUTED = "contestee", "Contestée"

    class Mode(models.TextChoices):
        DEDUCTION = "retenue", "Retenue sur prestations"
        INSTALMENTS = "echeancier", "Échéancier de remboursement"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="debts", db_index=False)
    benefit = models.CharField("prestation", max_length=5, choices=Benefit.choices)
    reason = models.CharField("motif", max_length=200)
    created_on = models.DateField("date de notification")
    amount = models.DecimalField("montant initial", max_digits=9, decimal_places=2)
    remaining = models.DecimalField("reste dû", max_digits=9, decimal_places=2)
    mode = models.CharField("mode de remboursement", max_length=10, choices=Mode.choices)
    monthly_repayment = models.DecimalField("mensualité", max_digits=8, decimal_places=2)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.ONGOING)
    period_start = models.DateField("indu du mois de", null=True, blank=True)
    period_end = models.DateField("au mois de", null=True, blank=True)

    class Meta:
        ordering = ["dossier_id", "-created_on"]
        indexes = [models.Index(fields=["dossier", "created_on"])]

    @property
    def months_left(self) -> int:
        if not self.monthly_repayment:
            return 0
        return int(-(-self.remaining // self.monthly_repayment))


class AttestationRequest(models.Model):
    """« Envoyer par courrier »: a postal attestation the partner asked the Caf to send."""

    class Status(models.TextChoices):
        REQUESTED = "demandee", "Demandée"
        SENT = "envoyee", "Envoyée"

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="attestation_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attestation_requests"
    )
    requested_at = models.DateTimeField("date de la demande")
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.REQUESTED)
    sent_on = models.DateField("date d'envoi", null=True, blank=True)
    reference = models.CharField("référence", max_length=32)
    # Which attestation to post: the same kinds as IssuedAttestation (« paiement » or « droits »).
    kind = models.CharField("attestation demandée", max_length=10, default="paiement",
                            choices=[("paiement", "Attestation de paiement"), ("droits", "Attestation de droits")])

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["requested_by", "requested_at"]), models.Index(fields=["dossier", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="demandee") | Q(sent_on__isnull=False), name="attestation_sent_has_date"
            )
        ]


class IssuedAttestation(models.Model):
    """An attestation the portal issued (PDF printed by a partner or by the Caf for posting).

    The reference is random (60 bits), so it cannot be derived from the file or guessed: « Vérifier une
    attestation » finds it here and compares the issue date; a digest of the figures printed lets the Caf
    check a document it is shown against what was issued.
    """

    class Kind(models.TextChoices):
        PAYMENTS = "paiement", "Attestation de paiement"
        RIGHTS = "droits", "Attestation de droits"

    reference = models.CharField("référence de vérification", max_length=20, unique=True)
    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="issued_attestations",
                                db_index=False)
    issued_at = models.DateTimeField("édité le")
    issued_on = models.DateField("date de l'attestation")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField("premier mois", null=True, blank=True)
    period_end = models.DateField("dernier mois", null=True, blank=True)
    content_digest = models.CharField("empreinte du contenu", max_length=64)

    class Meta:
        verbose_name = "attestation éditée"
        indexes = [models.Index(fields=["dossier", "issued_at"])]


class AttestationCheckCounter(models.Model):
    """« Vérifier une attestation »: answers given to one address in one hour, so references cannot be
    tried in bulk. One row per (address, hour); old rows are worthless and may be deleted."""

    ip_address = models.CharField("adresse", max_length=45)
    window_start = models.DateTimeField("début de l'heure")
    attempts = models.PositiveIntegerField("vérifications", default=0)
    failures = models.PositiveIntegerField("réponses « non valide »", default=0)
    refusals = models.PositiveIntegerField("vérifications refusées (limite atteinte)", default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ip_address", "window_start"], name="attestation_check_window")]
