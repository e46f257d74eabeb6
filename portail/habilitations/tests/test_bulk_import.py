"""Bulk import and export on « Liste des utilisateurs »: the preview is what is written, one bad line writes
nothing, every malformed file or line has its French message, and the scope rules are those of the screens."""
import csv
import io
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portail.access import Seat
from portail.accounts.models import User
from portail.core.clock import today
from portail.habilitations.bulk.apply import apply_import
from portail.habilitations.bulk.models import PendingImport, content_digest
from portail.habilitations.bulk.parse import MAX_LINES, FileRefused, parse_file
from portail.habilitations.bulk.preview import as_json, plan_lines
from portail.habilitations.models import Group, Membership
from portail.journal.models import Action, JournalEntry
from portail.journal.services import journal_verify
from portail.outbox.models import Mail
from portail.testing.auth import sign_in
from portail.testing.world import build_world, rolled_back

from .conftest import field_errors, page_text

pytestmark = pytest.mark.django_db

ACTORS = ("admin1", "admin2", "responsable", "agent1", "partner_b", "t1_user")

HEADER = ["identifiant", "nom", "prénom", "email", "téléphone", "groupes", "date de fin", "action"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The shared world (portail/testing/world.py), built once and rolled back at the end of the module."""
    with django_db_blocker.unblock(), rolled_back():
        w = build_world()
        # One signed-in client per actor, kept for the module (sessions live in the module's transaction).
        w.clients = {name: sign_in(Client(), getattr(w, name)) for name in ACTORS}
        yield w


def as_csv(rows, delimiter=";", bom=False, header=HEADER) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def upload(client, convention, content: bytes, name="personnel.csv"):
    url = reverse("habilitations:users_import", args=[convention.pk])
    file = io.BytesIO(content)
    file.name = name
    response = client.post(url, {"file": file})
    return client, response


def the_plan(user, convention, rows):
    return plan_lines(Seat(user, convention), parse_file("f.csv", as_csv(rows)).rows)


def errors_of(user, convention, rows) -> list[list[str]]:
    return [line.errors for line in the_plan(user, convention, rows)]


def snapshot():
    return (
        tuple(User.objects.order_by("pk").values_list("pk", "username", "last_name", "first_name", "email", "phone",
                                                       "status", "closing_date")),
        tuple(Membership.objects.order_by("pk").values_list("pk", "user_id", "group_id", "ends_on")),
    )


def later(days=60):
    return f"{today() + timedelta(days=days):%d/%m/%Y}"


# ------------------------------------------------------------------------------------------ preview = written


def test_the_preview_is_what_confirming_writes(world, settings, tmp_path):
    settings.JOURNAL_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")  # this test's own anchor, not another test's
    w = world
    end = today() + timedelta(days=60)
    rows = [
        ["", "Nouvelle", "Anne", "anne.nouvelle@exemple.fr", "05 56 00 00 01", "N4|ACCUEIL", later(), "create"],
        ["", "Second", "Bruno", "bruno.second@exemple.fr", "", "", "", ""],
        [w.t1_user.username, "Travailleuse", "Sophie", w.t1_user.email, "", "N5|N6", "", "update"],
        [w.t18_user.username, w.t18_user.last_name, w.t18_user.first_name, w.t18_user.email, "", "", "", "close"],
        [w.two_conventions.username, w.two_conventions.last_name, w.two_conventions.first_name,
         w.two_conventions.email, "", "N4", "", ""],
    ]
    client, response = upload(w.clients["admin1"], w.conv1, as_csv(rows))
    assert response.status_code == 302
    pending = PendingImport.objects.get(owner=w.admin1)
    preview = client.get(response.url)
    text = page_text(preview)
    assert "Création : 2 lignes" in text and "Modification : 1 ligne" in text and "Clôture : 1 ligne" in text
    assert "Inchangé : 1 ligne" in text and "Refusée : 0 ligne" in text
    assert f"Ajout aux groupes N4, ACCUEIL jusqu'au {end:%d/%m/%Y}" in text
    assert "Nom : « Travailleur » → « Travailleuse »" in text and "Ajout au groupe N6" in text
    assert "Clôture du compte" in text
    before_entries = JournalEntry.objects.count()

    response = client.post(reverse("habilitations:users_import_confirm", args=[w.conv1.pk, pending.pk]))
    assert response.status_code == 302, page_text(response)
    anne = User.objects.get(email="anne.nouvelle@exemple.fr")
    assert anne.organisation_id == w.org_a.pk and anne.phone == "05 56 00 00 01" and not anne.has_usable_password()
    assert {(m.group.code, m.ends_on) for m in anne.memberships.select_related("group")} == {("N4", end),
                                                                                           ("ACCUEIL", end)}
    assert not User.objects.get(email="bruno.second@exemple.fr").memberships.exists()
    w.t1_user.refresh_from_db()
    assert w.t1_user.last_name == "Travailleuse"
    assert set(w.t1_user.memberships.values_list("group__code", flat=True)) == {"N5", "N6"}
    assert User.objects.get(pk=w.t18_user.pk).status == User.Status.CLOSED
    assert set(w.two_conventions.memberships.values_list("group__code", flat=True)) == {"N4", "C2"}
    assert Mail.objects.filter(kind="activation", to__in=["anne.nouvelle@exemple.fr", "bruno.second@exemple.fr"]
                               ).count() == 2

    # One journal entry per change, each naming the file; then the counts.
    entries = list(JournalEntry.objects.order_by("pk")[before_entries:])
    by_action = {}
    for entry in entries:
        by_action.setdefault(entry.action, []).append(entry)
    assert len(by_action[Action.USER_CREATED]) == 2
    assert len(by_action[Action.MEMBERSHIP_ADDED]) == 3
    assert len(by_action[Action.USER_UPDATED]) == 1 and len(by_action[Action.USER_CLOSED]) == 1
    applied = by_action[Action.IMPORT_APPLIED][0]
    assert applied.details["counts"] == {"create": 2, "update": 1, "close": 1, "unchanged": 1, "refused": 0}
    for entry in entries:
        assert entry.actor_id == w.admin1.pk
        if entry.action != Action.IMPORT_APPLIED:
            assert entry.details["via"] == "import" and entry.details["file"] == "personnel.csv"
            assert entry.details["sha256"] == pending.file_sha256
    # Inserted together (journal_batch), the entries seal and verify as any others.
    verification = journal_verify(full=True, anchor=False)
    assert verification.ok, verification.problems
    # Confirmed once: a second confirmation writes nothing more.
    count = JournalEntry.objects.count()
    client.post(reverse("habilitations:users_import_confirm", args=[w.conv1.pk, pending.pk]))
    assert User.objects.filter(email="anne.nouvelle@exemple.fr").count() == 1
    assert JournalEntry.objects.filter(action=Action.IMPORT_APPLIED).count() == 1
    assert JournalEntry.objects.count() == count + 1  # the refusal of the second confirmation


def test_one_bad_line_writes_nothing_and_the_error_report_names_it(world):
    w = world
    rows = [["", "Bon", "Jean", "jean.bon@exemple.fr", "", "N4", "", ""],
            ["", "Mauvais", "Luc", "luc.mauvais@exemple.fr", "", "INCONNU", "", ""]]
    before = snapshot()
    client, response = upload(w.clients["admin1"], w.conv1, as_csv(rows))
    pending = PendingImport.objects.get(owner=w.admin1)
    text = page_text(client.get(response.url))
    assert "1 ligne refusée : rien ne sera importé" in text
    assert "Groupe INCONNU inconnu ou hors de votre périmètre." in text
    assert "Confirmer l'import" not in text
    refused = JournalEntry.objects.get(action=Action.IMPORT_REFUSED)
    assert refused.details["lines"] == 1 and refused.details["sha256"] == pending.file_sha256
    # Forcing the confirmation anyway writes nothing either.
    client.post(reverse("habilitations:users_import_confirm", args=[w.conv1.pk, pending.pk]))
    assert snapshot() == before
    report = client.get(reverse("habilitations:users_import_errors", args=[w.conv1.pk, pending.pk]))
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert lines == [["ligne", "identifiant", "nom", "résultat", "motifs du refus"],
                     ["3", "", "Luc Mauvais", "Refusée", "Groupe INCONNU inconnu ou hors de votre périmètre."]]


def test_a_change_between_preview_and_confirmation_refuses_the_whole_file(world):
    w = world
    client, response = upload(w.clients["admin1"], w.conv1, as_csv([["", "Tard", "Eva", "eva.tard@exemple.fr", "", "N6", "", ""]]))
    pending = PendingImport.objects.get(owner=w.admin1)
    Group.objects.filter(pk=w.tree[5].pk).update(status=Group.Status.CLOSED)  # N6 closed meanwhile
    before = snapshot()
    response = client.post(reverse("habilitations:users_import_confirm", args=[w.conv1.pk, pending.pk]), follow=True)
    assert "ont changé depuis l'aperçu : rien n'a été importé" in page_text(response)
    assert snapshot() == before
    assert JournalEntry.objects.filter(action=Action.IMPORT_REFUSED).count() == 1


def test_a_pending_import_is_its_owners_only_and_expires(world):
    w = world
    client, response = upload(w.clients["admin1"], w.conv1, as_csv([["", "Seul", "Max", "max.seul@exemple.fr", "", "", "", ""]]))
    pending = PendingImport.objects.get(owner=w.admin1)
    for name in ("users_import_preview", "users_import_errors"):
        url = reverse(f"habilitations:{name}", args=[w.conv1.pk, pending.pk])
        assert w.clients["responsable"].get(url).status_code == 404
        assert w.clients["agent1"].get(url).status_code == 404
    confirm = reverse("habilitations:users_import_confirm", args=[w.conv1.pk, pending.pk])
    assert w.clients["responsable"].post(confirm).status_code == 404
    # Tampered with in the database: the seal no longer matches.
    PendingImport.objects.filter(pk=pending.pk).update(rows=[{**pending.rows[0], "nom": "Pirate"}])
    response = client.post(confirm, follow=True)
    assert "modifié depuis l'aperçu" in page_text(response)
    assert not User.objects.filter(email="max.seul@exemple.fr").exists()
    client, response = upload(w.clients["admin1"], w.conv1, as_csv([["", "Seul", "Max", "max.seul@exemple.fr", "", "", "", ""]]))
    pending = PendingImport.objects.filter(owner=w.admin1).latest("pk")
    PendingImport.objects.filter(pk=pending.pk).update(expires_at=pending.created_at - timedelta(seconds=1))
    response = client.post(reverse("habilitations:users_import_confirm", args=[w.conv1.pk, pending.pk]), follow=True)
    assert "L'aperçu a expiré" in page_text(response)
    assert not User.objects.filter(email="max.seul@exemple.fr").exists()


# ------------------------------------------------------------------------------------------ malformed files


@pytest.mark.parametrize("content,name,message", [
    ("identifiant;nom;prénom;email;groupes\n;Éléonore;Zoé;z@exemple.fr;N4\n".encode("latin-1"), "f.csv",
     "Le fichier n'est pas encodé en UTF-8"),
    (b"identifiant;nom;email;groupes\n;Dupont;d@exemple.fr;N4\n", "f.csv", "Colonne manquante : « prénom »."),
    (b"identifiant;nom;prenom;email;groupes;service\n;D;M;d@exemple.fr;N4;x\n", "f.csv",
     "Colonne inconnue : « service »."),
    (b"", "f.csv", "Le fichier est vide."),
    (b"identifiant;nom;prenom;email;groupes\n", "f.csv", "Le fichier ne contient aucune ligne sous l'en-tête."),
    (b"\xd0\xcf\x11\xe0 old excel", "f.xls", "Format non pris en charge"),
    (b"PK\x03\x04 not really a workbook", "f.xlsx", "Le classeur XLSX n'a pas pu être lu"),
    (b'identifiant;nom;prenom;email;groupes\n;"Dupont;M;d@exemple.fr;N4\n\x00', "f.csv", "n'est pas un fichier texte"),
])
def test_a_malformed_file_is_refused_whole_with_its_message(content, name, message):
    with pytest.raises(FileRefused) as refusal:
        parse_file(name, content)
    assert message in refusal.value.message


def test_more_than_ten_thousand_lines_are_refused():
    content = b"identifiant;nom;prenom;email;groupes\n" + b";a;b;c;d\n" * (MAX_LINES + 1)
    with pytest.raises(FileRefused) as refusal:
        parse_file("grand.csv", content)
    assert refusal.value.message.startswith("Le fichier compte plus de 10 000 lignes")
    assert len(parse_file("juste.csv", content[:-len(b";a;b;c;d\n")]).rows) == MAX_LINES


def test_the_refusal_of_a_file_shows_next_to_the_field_and_is_journaled(world):
    content = b"identifiant;nom;email;groupes\n;Dupont;d@exemple.fr;N4\n"
    _, response = upload(world.clients["admin1"], world.conv1, content)
    assert response.status_code == 200
    assert field_errors(response, "file")[0].startswith("Colonne manquante : « prénom ».")
    entry = JournalEntry.objects.get(action=Action.IMPORT_REFUSED)
    assert entry.details["reason"].startswith("Colonne manquante") and entry.convention_id == world.conv1.pk


def test_a_large_file_reaches_the_page_and_too_many_lines_are_refused_there(world):
    line = ";Dupont-de-la-Grande-Maison;Marie-Christine;marie-christine.dupont@exemple.fr;;GROUPE01|GROUPE02|SOUSGROUPE03;;\n"
    content = "identifiant;nom;prénom;email;téléphone;groupes;date de fin;action\n".encode() + (
        line.encode() * (MAX_LINES + 1))
    assert len(content) > 1024 * 1024  # above the portal's default limit of a request body
    _, response = upload(world.clients["admin1"], world.conv1, content)
    assert response.status_code == 200
    assert field_errors(response, "file")[0].startswith("Le fichier compte plus de 10 000 lignes")


def test_bom_comma_separated_csv_and_xlsx_are_read_alike(world):
    from openpyxl import Workbook

    rows = [["", "Virgule", "Léa", "lea.virgule@exemple.fr", "0556000002", "N4", later(), ""]]
    comma = parse_file("v.csv", as_csv(rows, delimiter=",", bom=True)).rows
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["", "Virgule", "Léa", "lea.virgule@exemple.fr", 556000002, "N4", today() + timedelta(days=60), None])
    out = io.BytesIO()
    workbook.save(out)
    xlsx = parse_file("v.xlsx", out.getvalue()).rows
    assert comma[0]["nom"] == xlsx[0]["nom"] == "Virgule" and comma[0]["date_fin"] == xlsx[0]["date_fin"]
    assert comma[0]["line"] == xlsx[0]["line"] == 2


# ------------------------------------------------------------------------------------------ refused lines


def test_every_refused_line_says_why(world):
    w = world
    t1 = w.t1_user
    rows = [
        ["", "A", "B", "double@exemple.fr", "", "N4", "", ""],
        ["", "C", "D", "double@exemple.fr", "", "N4", "", ""],
        [t1.username, t1.last_name, t1.first_name, t1.email, "", "N5", "", ""],
        [t1.username, t1.last_name, t1.first_name, t1.email, "", "N5", "", ""],
        ["", "E", "F", "e@exemple.fr", "", "N4", f"{today() - timedelta(days=1):%d/%m/%Y}", ""],
        ["", "G", "H", "g@exemple.fr", "", "N4", "31/02/2030", ""],
        ["", "I", "J", "pas-une-adresse", "", "", "", ""],
        ["ZZZZ9999", "K", "L", "k@exemple.fr", "", "", "", ""],
        [w.t18_user.username, "Autre", "Nom", w.t18_user.email, "", "ACCUEIL", "", ""],  # ok for admin1
        [w.admin2.username, "Pirate", w.admin2.first_name, w.admin2.email, "", "", "", ""],
        [w.plain.username, w.plain.last_name, w.plain.first_name, "nouvelle@exemple.fr", "", "", "", ""],
        ["", "M", "N", "m@exemple.fr", "", "", "", "supprimer"],
        ["", "O", "P", "o@exemple.fr", "", "", later(), ""],
        ["", "Q", "R", w.responsable.email, "", "", "", ""],
        [w.admin1.username, w.admin1.last_name, w.admin1.first_name, w.admin1.email, "", "N1", "", ""],
    ]
    errors = errors_of(w.admin1, w.conv1, rows)
    assert errors[0] == errors[1] == ["Adresse mail en double dans le fichier (lignes 2, 3)."]
    assert errors[2] == errors[3] == [f"Identifiant {t1.username} en double dans le fichier (lignes 4, 5).",
                                      "Adresse mail en double dans le fichier (lignes 4, 5)."]
    assert errors[4] == [f"La date de fin ({today() - timedelta(days=1):%d/%m/%Y}) est passée : elle doit être le "
                         f"{today():%d/%m/%Y} ou plus tard."]
    assert errors[5] == ["Date de fin « 31/02/2030 » invalide : attendu jj/mm/aaaa, par exemple 31/12/2026."]
    assert errors[6] == ["Email : « pas-une-adresse » n'est pas une adresse mail valide."]
    assert errors[7] == ["Identifiant ZZZZ9999 inconnu ou hors de votre périmètre."]
    assert errors[8] == []
    assert errors[9] == ["Vous ne pouvez pas modifier le nom, le prénom ou le téléphone de cette personne : elle "
                         "détient des droits hors de votre périmètre, ou administre une convention."]
    assert errors[10] == ["L'adresse mail ne se change pas par import : utilisez « Modifier l'utilisateur », qui la "
                          "fait confirmer par son titulaire."]
    assert errors[11] == ["Action « supprimer » inconnue : create (créer), update (modifier) ou close (clôturer)."]
    assert errors[12] == ["Une date de fin s'applique aux groupes de la ligne : indiquez au moins un groupe."]
    assert errors[13] == [f"Une personne de l'organisation a déjà cette adresse mail ({w.responsable.username}) : indiquez son "
                          "identifiant pour la modifier."]
    assert errors[14] == ["Vous ne pouvez modifier ni votre propre compte ni vos propres groupes."]


def test_a_responsable_imports_into_his_subtree_only(world):
    w = world
    rows = [["", "Sous", "Arbre", "sous.arbre@exemple.fr", "", "N4", "", ""],
            ["", "Hors", "Arbre", "hors.arbre@exemple.fr", "", "ACCUEIL", "", ""],
            ["", "Autre", "Convention", "autre.convention@exemple.fr", "", "C2", "", ""],
            [w.t18_user.username, w.t18_user.last_name, w.t18_user.first_name, w.t18_user.email, "", "N4", "", ""]]
    lines = the_plan(w.responsable, w.conv1, rows)
    assert lines[0].kind == "create" and lines[0].errors == []
    assert lines[1].errors == ["Groupe ACCUEIL inconnu ou hors de votre périmètre."]
    assert lines[2].errors == ["Groupe C2 inconnu ou hors de votre périmètre."]
    # Accueil's member is no one he sees (R7b): his identifier does not exist for him.
    assert lines[3].errors == [f"Identifiant {w.t18_user.username} inconnu ou hors de votre périmètre."]


def test_a_person_of_two_conventions_changes_groups_but_not_name_here(world):
    w = world
    p = w.two_conventions
    groups = the_plan(w.admin1, w.conv1, [[p.username, p.last_name, p.first_name, p.email, "", "N4|N6", "", ""]])[0]
    assert groups.kind == "update" and groups.changes == ["Ajout au groupe N6"]
    # Removing him from every conv1 group leaves his convention 2 group alone.
    out = the_plan(w.admin1, w.conv1, [[p.username, p.last_name, p.first_name, p.email, "", "", "", ""]])[0]
    assert out.changes == ["Retrait du groupe N4"] and out.remove == [w.group_n4.pk]
    name = the_plan(w.admin1, w.conv1, [[p.username, "Autre", p.first_name, p.email, "", "N4", "", ""]])[0]
    assert name.kind == "refused" and "hors de votre périmètre" in name.errors[0]
    # Under convention 2 its administrator sees the same person with only convention 2's group.
    there = the_plan(w.admin2, w.conv2, [[p.username, p.last_name, p.first_name, p.email, "", "C2", "", ""]])[0]
    assert there.kind == "unchanged"


def test_who_may_open_the_import_page(world):
    w = world
    url = reverse("habilitations:users_import", args=[w.conv1.pk])
    expected = {"admin1": 200, "responsable": 200, "agent1": 403, "admin2": 404, "partner_b": 404, "t1_user": 404}
    assert {a: w.clients[a].get(url).status_code for a in expected} == expected
    # The Caf took the convention's management back: nothing to import.
    type(w.conv1).objects.filter(pk=w.conv1.pk).update(management_taken_back_at=timezone.now())
    assert w.clients["admin1"].get(url).status_code == 403


# ------------------------------------------------------------------------------------------ export


def test_export_is_the_scope_journaled_and_imports_back_unchanged(world):
    w = world
    admin = w.clients["admin1"]
    response = admin.get(reverse("habilitations:users_export", args=[w.conv1.pk, "csv"]) + "?contenu=utilisateurs")
    assert response["Content-Disposition"].startswith("attachment;")
    content = response.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == HEADER
    t1 = next(r for r in rows if r[0] == w.t1_user.username)
    assert t1[5] == "N5"
    entry = JournalEntry.objects.get(action=Action.SCOPE_EXPORTED)
    assert entry.actor_id == w.admin1.pk and entry.details["counts"] == {"utilisateurs": len(rows) - 1}
    # Imported back as it is: nothing to change, nothing refused.
    lines = plan_lines(Seat(w.admin1, w.conv1), parse_file("export.csv", content).rows)
    assert {line.kind for line in lines} == {"unchanged"}

    responsable = w.clients["responsable"]
    response = responsable.get(reverse("habilitations:users_export", args=[w.conv1.pk, "xlsx"]))
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Utilisateurs", "Groupes", "Rôles des groupes", "Appartenances"]
    groups = [row[0] for row in book["Groupes"].iter_rows(min_row=2, values_only=True)]
    assert groups == ["N3", "N4", "N5", "N6"]
    people = [row[0] for row in book["Utilisateurs"].iter_rows(min_row=2, values_only=True)]
    assert w.t18_user.username not in people and w.t1_user.username in people
    assert w.clients["admin2"].get(
        reverse("habilitations:users_export", args=[w.conv1.pk, "xlsx"])).status_code == 404


# ------------------------------------------------------------------------------------------ queries


def _queries(fn) -> tuple[int, int]:
    """(queries, of which the journal's appends) run by `fn`."""
    counted = {"all": 0, "journal": 0}

    def count(execute, sql, params, many, context):
        counted["all"] += 1
        if "journal_journalentry" in sql or "nextval" in sql or "SAVEPOINT" in sql:
            counted["journal"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn()
    return counted["all"], counted["journal"]


def test_preview_and_writes_take_a_constant_number_of_queries(world):
    w = world
    people = [w.t1_user, w.t18_user, w.plain]

    def rows(n):
        created = [["", f"Nom{i}", "P", f"q{n}-{i}@exemple.fr", "", "N4|N5" if i % 2 else "ACCUEIL", later(), ""]
                   for i in range(n)]
        updated = [[p.username, p.last_name + str(n), p.first_name, p.email, "", "N6", "", ""] for p in people]
        return created + updated

    seat = Seat(w.admin1, w.conv1)
    small, large = rows(2), rows(20)
    assert _queries(lambda: the_plan(w.admin1, w.conv1, small)) == _queries(lambda: the_plan(w.admin1, w.conv1,
                                                                                           large))

    def confirmed(content_rows):
        parsed = parse_file("q.csv", as_csv(content_rows))
        plan = as_json(plan_lines(seat, parsed.rows))
        pending = PendingImport.objects.create(owner=w.admin1, convention=w.conv1, file_name="q.csv",
                                               file_sha256=parsed.sha256, rows=parsed.rows, plan=plan,
                                               digest=content_digest(parsed.rows, plan))
        return _queries(lambda: apply_import(actor=w.admin1, pending=pending))

    found = []
    for content_rows in (small, large):
        with transaction.atomic():
            before = JournalEntry.objects.count()
            found.append((confirmed(content_rows), JournalEntry.objects.count() - before))
            transaction.set_rollback(True)
    (few, few_entries), (many, many_entries) = found
    assert many_entries > few_entries  # one entry per change, inserted together
    assert few == many
