"""The interchange format « portail-dossiers/1 »: one JSON object per allocataire file (JSON Lines).

The field list below is the single source of the format: the validator, the JSON Schema published in
`docs/dossiers-format.schema.json` and the field tables of `docs/dossiers-format.md` are all derived
from it (a test checks that the published files match). Types, lengths and choices come from the
models, so a database column and its format field cannot disagree; the French text says what each
field means and in which unit.
"""
from dataclasses import dataclass

from django.db import models

from ..models import Debt, Dossier, FamilyMember, Housing, Letter, Payment, Resource, Right, RsaInfo

FORMAT = "portail-dossiers/2"
# Versions read: /1 lacks the members' `activity_since` and `left_on`, which then take their defaults.
READ_FORMATS = ("portail-dossiers/1", FORMAT)
EXTRACTS = ("complete", "incremental")
ACTIONS = ("upsert", "close")
MONTH_FIELDS = {(Dossier, "family_quotient_month"), (Dossier, "declaration_quarter"), (Payment, "month")}


@dataclass(frozen=True)
class Field:
    name: str
    doc: str
    unit: str = ""
    model: type | None = None

    @property
    def column(self) -> models.Field:
        return self.model._meta.get_field(self.name)

    @property
    def kind(self) -> str:
        f = self.column
        if (self.model, self.name) in MONTH_FIELDS:
            return "month"
        if isinstance(f, models.DateField):
            return "date"
        if isinstance(f, models.DecimalField):
            return "decimal"
        if isinstance(f, models.BooleanField):
            return "boolean"
        if isinstance(f, (models.PositiveIntegerField, models.PositiveSmallIntegerField)):
            return "integer"
        return "choice" if f.choices else "text"

    @property
    def required(self) -> bool:
        f = self.column
        return not f.null and not f.has_default() and not f.blank

    @property
    def nullable(self) -> bool:
        return self.column.null

    @property
    def default(self):
        f = self.column
        return None if f.null and not f.has_default() else f.get_default()

    @property
    def choices(self) -> list[str]:
        f = self.column
        # A blank-able code (e.g. no protection measure) also accepts "".
        return [*([""] if f.blank and f.choices else []), *(value for value, _ in f.choices or ())]


@dataclass(frozen=True)
class Table:
    key: str  # the JSON key in a file's object
    model: type
    many: bool  # a list of rows, or one object (or null)
    doc: str
    fields: tuple[Field, ...]


def _fields(model, *specs) -> tuple[Field, ...]:
    return tuple(Field(name, doc, unit, model) for name, doc, *rest in specs for unit in [rest[0] if rest else ""])


EUR = "euros, 2 décimales"
EUR_MONTH = "euros par mois, 2 décimales"

DOSSIER_FIELDS = _fields(
    Dossier,
    ("title", "Civilité de l'allocataire : « M. » ou « Mme »."),
    ("last_name", "Nom de l'allocataire (nom d'usage), tel qu'il s'affiche."),
    ("first_name", "Prénom usuel de l'allocataire."),
    ("birth_date", "Date de naissance de l'allocataire."),
    ("family_situation", "Situation familiale déclarée à la Caf."),
    ("status", "Statut du dossier : droits ouverts, droits suspendus, radié."),
    ("status_reason", "Motif du statut quand il n'est pas « actif » (suspension, radiation)."),
    ("opened_on", "Date d'affiliation à la Caf."),
    ("family_quotient", "Quotient familial du mois de référence, arrondi à l'euro.", "euros"),
    ("family_quotient_month", "Mois de référence du quotient familial.", "mois AAAA-MM"),
    ("family_quotient_income_year", "Année des revenus retenus pour le quotient (N-2 du mois de référence).",
     "année"),
    ("email", "Adresse mail de l'allocataire (vide si inconnue)."),
    ("phone", "Téléphone de l'allocataire (vide si inconnu)."),
    ("last_change_on", "Date de la dernière mise à jour du dossier dans le système de la Caf."),
    ("next_payment_on", "Date du prochain paiement prévu (null si aucun droit ouvert)."),
    ("next_payment_amount", "Montant net du prochain paiement prévu, toutes prestations.", EUR),
    ("declaration_quarter", "Trimestre de ressources à déclarer pour le RSA ou la prime d'activité (null sans "
     "ces droits).", "mois AAAA-MM"),
    ("declaration_received_on", "Date de réception de la déclaration trimestrielle de ce trimestre (null : "
     "manquante)."),
    ("control_since", "Date d'ouverture d'un contrôle en cours (null : aucun contrôle)."),
    ("missing_documents", "Pièces justificatives demandées et non reçues (vide : aucune)."),
    ("missing_documents_since", "Date de la demande de pièces."),
    ("pending_request", "Demande de l'allocataire en cours d'instruction (vide : aucune)."),
    ("pending_request_since", "Date de réception de la demande en cours."),
)

TABLES = (
    Table("members", FamilyMember, True, "Composition de la famille : l'allocataire, son conjoint, les enfants et "
          "autres personnes à charge.", _fields(
              FamilyMember,
              ("position", "Rang d'affichage (0 pour l'allocataire, 1 pour le conjoint, puis les enfants)."),
              ("relationship", "Lien avec l'allocataire."),
              ("last_name", "Nom."),
              ("first_name", "Prénom."),
              ("sex", "Sexe : F ou M."),
              ("birth_date", "Date de naissance."),
              ("dependent", "Personne à charge au sens des prestations familiales."),
              ("activity", "Situation professionnelle d'un adulte (vide pour un enfant)."),
              ("activity_since", "Date du dernier changement de situation professionnelle (emploi perdu ou "
               "retrouvé ; null : inconnue)."),
              ("france_travail_since", "Date d'inscription à France Travail (null : non inscrit)."),
              ("disabled", "Personne en situation de handicap (enfant ouvrant droit à l'AEEH, adulte à l'AAH)."),
              ("shared_custody", "Enfant en résidence alternée."),
              ("protection", "Mesure de protection juridique de la personne (vide : aucune)."),
              ("expected_birth_on", "Grossesse déclarée : date prévue de la naissance."),
              ("left_on", "Conjoint parti du foyer (séparation) : date du départ ; il ne compte plus à partir "
               "du mois suivant (null : présent)."),
          )),
    Table("rights", Right, True, "Droits : une ligne par prestation et période d'ouverture.", _fields(
        Right,
        ("benefit", "Code de la prestation."),
        ("start_date", "Date d'ouverture du droit."),
        ("end_date", "Date de fin du droit (absente ou null : droit en cours)."),
        ("monthly_amount", "Montant mensuel brut du dernier mois dû.", EUR_MONTH),
        ("status", "Statut du droit."),
        ("payee", "Bénéficiaire du versement : l'allocataire ou le bailleur (tiers payant)."),
        ("status_reason", "Motif de la suspension ou de la fin du droit."),
    )),
    Table("payments", Payment, True, "Paiements : une ligne par mois de droit et par prestation. "
          "Le montant versé est égal au brut moins la CRDS moins la retenue.", _fields(
              Payment,
              ("month", "Mois de droit payé.", "mois AAAA-MM"),
              ("benefit", "Code de la prestation."),
              ("gross_amount", "Montant brut du mois (celui du droit ; 0.00 si le système ne le fournit pas).", EUR),
              ("crds", "Contribution au remboursement de la dette sociale prélevée.", EUR),
              ("deduction", "Retenue opérée pour rembourser une créance.", EUR),
              ("amount", "Montant net versé (brut − CRDS − retenue quand le brut est donné).", EUR),
              ("payee", "Bénéficiaire du versement."),
              ("paid_on", "Date du paiement."),
              ("arrear", "Rappel : mois dû plus tôt et payé plus tard, avec le paiement d'un mois suivant."),
          )),
    Table("resources", Resource, True, "Ressources : revenus annuels N-2 de chaque adulte et déclarations "
          "trimestrielles (RSA, prime d'activité).", _fields(
              Resource,
              ("person", "Personne concernée : « allocataire » ou « conjoint »."),
              ("scope", "Période de référence : annuelle (N-2) ou déclaration trimestrielle."),
              ("period_start", "Premier jour de la période."),
              ("period_end", "Dernier jour de la période."),
              ("kind", "Nature de la ressource."),
              ("amount", "Montant sur toute la période.", EUR),
          )),
    Table("rsa", RsaInfo, False, "Onglet RSA (objet, ou null sans droit RSA ouvert) : orientation, "
          "référent, déclarations trimestrielles.", _fields(
              RsaInfo,
              ("orientation", "Orientation du bénéficiaire."),
              ("referent", "Organisme référent (vide tant que l'orientation est en attente)."),
              ("monthly_amount", "Montant mensuel du RSA versé.", EUR_MONTH),
              ("flat_amount", "Montant forfaitaire applicable au foyer.", EUR_MONTH),
              ("requested_on", "Date de la demande de RSA."),
              ("opened_on", "Date d'ouverture du droit au RSA (celle du droit RSA dans « rights »)."),
              ("orientation_on", "Date de la décision d'orientation."),
              ("contract_end_on", "Fin du contrat d'engagement réciproque ou du projet personnalisé."),
              ("last_declaration_on", "Premier jour du trimestre de la dernière déclaration trimestrielle."),
              ("next_declaration_on", "Premier jour du trimestre de la prochaine déclaration."),
              ("sanction", "Sanction en cours (réduction ou suspension du RSA), vide sinon."),
              ("sanction_since", "Date d'effet de la sanction."),
          )),
    Table("housing", Housing, False, "Informations logement (objet, ou null si inconnues).", _fields(
        Housing,
        ("street", "Numéro et voie."),
        ("postcode", "Code postal (5 chiffres)."),
        ("city", "Commune."),
        ("kind", "Type de logement."),
        ("rooms", "Nombre de pièces principales.", "pièces"),
        ("surface", "Surface habitable.", "m²"),
        ("rent", "Loyer mensuel hors charges (ou mensualité d'accession).", EUR_MONTH),
        ("charges", "Charges mensuelles.", EUR_MONTH),
        ("landlord", "Nom du bailleur ou de l'organisme prêteur."),
        ("third_party_payment", "L'aide au logement est versée au bailleur (tiers payant)."),
        ("moved_in_on", "Date d'entrée dans le logement."),
        ("rent_retained", "Loyer retenu pour le calcul de l'aide au logement (plafonné ; 0.00 sans aide).", EUR_MONTH),
        ("unpaid_rent_since", "Impayé de loyer signalé : date du premier terme impayé (null : aucun)."),
        ("unpaid_rent_amount", "Montant de l'impayé de loyer.", EUR),
        ("repayment_plan_monthly", "Plan d'apurement de l'impayé : mensualité (0.00 : pas de plan).", EUR_MONTH),
        ("non_decent_since", "Logement constaté non décent : date du constat (null : aucun)."),
    )),
    Table("debts", Debt, True, "Créances (indus) : montant notifié, reste dû et mode de remboursement.", _fields(
        Debt,
        ("benefit", "Prestation versée à tort."),
        ("reason", "Motif de l'indu."),
        ("created_on", "Date de notification de la créance."),
        ("amount", "Montant initial de la créance.", EUR),
        ("remaining", "Reste dû à la date de l'extrait.", EUR),
        ("mode", "Mode de remboursement."),
        ("monthly_repayment", "Retenue ou échéance mensuelle.", EUR_MONTH),
        ("status", "Statut de la créance."),
        ("period_start", "Premier jour de la période de l'indu."),
        ("period_end", "Dernier jour de la période de l'indu."),
    )),
    Table("letters", Letter, True, "Courriers envoyés à l'allocataire.", _fields(
        Letter,
        ("sent_on", "Date d'envoi."),
        ("subject", "Objet du courrier."),
        ("channel", "Canal : courrier postal ou espace Mon Compte."),
    )),
)
TABLE_BY_KEY = {t.key: t for t in TABLES}
# Fields of the file that are not columns of Dossier (or not given by the Caf).
NOT_IN_FORMAT = {"id", "caf", "number", "content_hash"}


# ---------------------------------------------------------------- JSON Schema (draft 2020-12)


def _field_schema(field: Field) -> dict:
    f = field.column
    kind = field.kind
    if kind == "date":
        out = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    elif kind == "month":
        out = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"}
    elif kind == "decimal":
        whole = f.max_digits - f.decimal_places
        out = {"type": "string", "pattern": rf"^-?\d{{1,{whole}}}\.\d{{{f.decimal_places}}}$"}
    elif kind == "boolean":
        out = {"type": "boolean"}
    elif kind == "integer":
        out = {"type": "integer", "minimum": 0, "maximum": 32767 if isinstance(f, models.PositiveSmallIntegerField)
               else 2147483647}
    elif kind == "choice":
        out = {"type": "string", "enum": field.choices}
    else:
        out = {"type": "string", "maxLength": f.max_length}
    if field.nullable:
        out = {"anyOf": [out, {"type": "null"}]}
    out["description"] = field.doc + (f" Unité : {field.unit}." if field.unit else "")
    return out


def _object(fields, extra: dict | None = None, required=()) -> dict:
    properties = {**(extra or {}), **{f.name: _field_schema(f) for f in fields}}
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": [*required, *(f.name for f in fields if f.required)]}


def json_schema() -> dict:
    """The published schema of one line (a header or a file)."""
    key = {
        "caf": {"type": "string", "pattern": r"^\d{3}$", "description": "Code de la Caf (3 chiffres)."},
        "number": {"type": "string", "pattern": r"^\d{7}$", "description": "Numéro allocataire (7 chiffres)."},
    }
    upsert = _object(DOSSIER_FIELDS, {
        **key, "action": {"const": "upsert", "description": "Fichier complet (défaut)."},
        **{t.key: ({"type": "array", "items": _object(t.fields)} if t.many
                   else {"anyOf": [_object(t.fields), {"type": "null"}]}) | {"description": t.doc} for t in TABLES},
    }, required=("caf", "number"))
    close = {"type": "object", "additionalProperties": False, "required": ["caf", "number", "action", "closed_on"],
             "properties": {**key, "action": {"const": "close"},
                            "closed_on": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$",
                                          "description": "Date de radiation."},
                            "reason": {"type": "string", "maxLength": 200, "description": "Motif de la radiation."}}}
    header = {"type": "object", "additionalProperties": False, "required": ["format", "extract"],
              "properties": {"format": {"enum": list(READ_FORMATS)}, "extract": {"enum": list(EXTRACTS)},
                             "produced_at": {"type": "string", "description": "Date et heure de production (ISO 8601)."},
                             "producer": {"type": "string", "maxLength": 200,
                                          "description": "Système qui a produit l'extrait."}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://portail-partenaires.example/docs/dossiers-format.schema.json",
        "title": f"Extrait de dossiers allocataires ({FORMAT}), une ligne",
        "description": "Première ligne : l'en-tête ; chaque ligne suivante : un dossier (upsert) ou une radiation "
                       "(close, extrait incrémental seulement). Voir docs/dossiers-format.md.",
        "$defs": {"header": header, "file": upsert, "close": close},
        "oneOf": [{"$ref": "#/$defs/header"}, {"$ref": "#/$defs/file"}, {"$ref": "#/$defs/close"}],
    }
