"""« Consulter documents »: who lists, uploads and downloads; bad uploads; the journaled download."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfWriter

from portail.journal import events
from portail.journal.models import Action, JournalEntry
from portail.journal.services import JournalUnavailable
from portail.supervision.models import Document
from portail.testing import factories as f
from portail.testing.auth import sign_in
from portail.testing.world import build_world

pytestmark = pytest.mark.django_db


def real_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = real_pdf()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            w.national = f.UserFactory(organisation=None, caf=None, is_national_admin=True, last_name="National")
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def rollback(world):
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def client_for(user):
    return sign_in(Client(), user) if user is not None else Client()


def upload_body(content=PDF, name="convention.pdf", content_type="application/pdf", title="Convention signée 2026",
                kind="convention"):
    return {"kind": kind, "title": title, "file": SimpleUploadedFile(name, content, content_type=content_type)}


# columns: who, then the expected status for: list page, upload (POST), download, of Convention 1
MATRIX = [
    ("agent1", 200, 302, 200),
    ("national", 200, 302, 200),
    ("agent2", 404, 404, 404),
    ("admin1", 200, 403, 200),
    ("responsable", 200, 403, 200),
    ("admin2", 404, 404, 404),  # administrator of another convention
    ("t1_user", 404, 404, 404),  # a plain user of the convention
    ("plain", 404, 404, 404),
]


@pytest.mark.parametrize("who, page, upload, download", MATRIX)
def test_permission_matrix(world, rollback, who, page, upload, download):
    w = world
    client = client_for(getattr(w, who))
    assert client.get(reverse("documents:convention", args=[w.conv1.pk])).status_code == page
    count = Document.objects.count()
    response = client.post(reverse("documents:upload", args=[w.conv1.pk]), upload_body())
    assert response.status_code == upload
    assert Document.objects.count() == count + (1 if upload == 302 else 0)
    assert client.get(reverse("documents:download", args=[w.document1.pk])).status_code == download


def test_anonymous_is_sent_to_login(world):
    w = world
    for url in (reverse("documents:index"), reverse("documents:convention", args=[w.conv1.pk]),
                reverse("documents:download", args=[w.document1.pk])):
        response = Client().get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert Client().post(reverse("documents:upload", args=[w.conv1.pk]), upload_body()).status_code == 302
    assert not Document.objects.filter(title="Convention signée 2026").exists()


def test_upload_then_partner_downloads_journaled(world, rollback):
    w = world
    response = client_for(w.agent1).post(reverse("documents:upload", args=[w.conv1.pk]), upload_body(), follow=True)
    assert "est déposé" in response.content.decode()
    document = Document.objects.get(title="Convention signée 2026")
    assert (document.convention, document.kind, document.size, document.uploaded_by) == (
        w.conv1, "convention", len(PDF), w.agent1)
    assert JournalEntry.objects.filter(action=Action.DOCUMENT_UPLOADED, actor=w.agent1,
                                       details__document=document.pk).exists()

    admin = client_for(w.admin1)
    listing = admin.get(reverse("documents:convention", args=[w.conv1.pk])).content.decode()
    assert "Convention signée 2026" in listing and "Déposer un document" not in listing
    response = admin.get(reverse("documents:download", args=[document.pk]))
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Convention-sign" in response["Content-Disposition"]
    entry = JournalEntry.objects.filter(action=Action.DOCUMENT_DOWNLOADED).latest("id")
    assert (entry.actor_id, entry.convention_id, entry.caf_id, entry.details["document"]) == (
        w.admin1.pk, w.conv1.pk, w.caf1.pk, document.pk)


def test_no_journal_no_file(world, rollback, monkeypatch):
    w = world

    def broken(**kwargs):
        raise JournalUnavailable

    monkeypatch.setattr(events, "document_downloaded", broken)
    response = client_for(w.admin1).get(reverse("documents:download", args=[w.document1.pk]))
    assert response.status_code == 503
    assert b"%PDF" not in response.content


@pytest.mark.parametrize("body, field, message", [
    (upload_body(content=b"Bonjour, ceci est un texte."), "file", "pas un vrai document PDF"),
    (upload_body(content=b"%PDF-1.7\nce n'est pas un PDF"), "file", "endommagé ou illisible"),
    (upload_body(name="convention.docx", content_type="application/msword"), "file", "document PDF"),
    (upload_body(content=PDF + b"0" * (10 * 1024 * 1024)), "file", "10 Mo"),
    (upload_body(content=b""), "file", "vide"),
    (upload_body(title=""), "title", "Indiquez le titre"),
    (upload_body(title="   "), "title", "Indiquez le titre"),
    (upload_body(kind=""), "kind", "Choisissez le type"),
    (upload_body(title="Titre\x00caché"), "title", ""),
])
def test_bad_upload_is_explained_and_nothing_saved(world, rollback, body, field, message):
    w = world
    before = (Document.objects.count(), JournalEntry.objects.count())
    response = client_for(w.agent1).post(reverse("documents:upload", args=[w.conv1.pk]), body)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert (Document.objects.count(), JournalEntry.objects.count()) == before
    assert "Le formulaire contient" in response.content.decode()  # the error summary at the top


def test_body_over_the_limit_is_refused_unread(world):
    w = world
    response = client_for(w.agent1).post(reverse("documents:upload", args=[w.conv1.pk]), b"x",
                                         content_type="application/octet-stream",
                                         CONTENT_LENGTH=str(12 * 1024 * 1024))
    assert response.status_code == 413


def test_index_lists_the_conventions_of_the_scope(world):
    w = world
    agent = client_for(w.agent1).get(reverse("documents:index")).content.decode()
    assert w.conv1.label in agent and w.conv2.label in agent and w.conv_b.label not in agent
    partner = client_for(w.admin1).get(reverse("documents:index"))
    assert partner.status_code == 302 and partner.url == reverse("documents:convention", args=[w.conv1.pk])
    found = client_for(w.agent1).get(reverse("documents:index"), {"q": "CONVDEUXZ"}).content.decode()
    assert w.conv2.label in found and w.conv1.label not in found


def test_query_counts_are_constant(world, rollback):
    w = world
    client = client_for(w.admin1)
    url = reverse("documents:convention", args=[w.conv1.pk])

    def add(n):
        for i in range(n):
            Document.objects.create(convention=w.conv1, kind="guide", title=f"Guide {i}", file="documents/x.pdf",
                                    size=10, uploaded_by=w.agent1, uploaded_at=w.document1.uploaded_at)

    add(2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(27)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    agent = client_for(w.agent1)
    agent.get(reverse("documents:index"))
    with CaptureQueriesContext(connection) as few:
        agent.get(reverse("documents:index"))
    for i in range(27):
        f.ConventionFactory(caf=w.caf1, organisation=w.org_a, label=f"Convention en plus {i}")
    with CaptureQueriesContext(connection) as many:
        agent.get(reverse("documents:index"))
    assert len(many) == len(few)


def test_menu_entries(world):
    w = world
    for who, shown in (("admin1", True), ("responsable", True), ("agent1", True), ("t1_user", False),
                       ("plain", False)):
        html = client_for(getattr(w, who)).get(reverse("home:index")).content.decode()
        assert ("Consulter documents" in html) is shown, who
        assert ("Statistiques d&#x27;usage" in html or "Statistiques d'usage" in html) is shown, who
