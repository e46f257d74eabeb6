"""The demo: a few hundred files per demo Caf, idempotent, and the numbers to try open as the fiche shows."""
from django.urls import reverse

from portail.accounts.models import User
from portail.demo.data import demo_dossier_numbers, load_demo
from portail.dossiers.demo import DEMO_PER_CAF
from portail.dossiers.models import Dossier
from portail.testing.auth import sign_in


def test_demo_files_and_numbers_to_try(db, client):
    load_demo()
    assert Dossier.objects.filter(caf__code="751").count() == DEMO_PER_CAF
    assert Dossier.objects.filter(caf__code="330").count() == DEMO_PER_CAF
    numbers = demo_dossier_numbers()
    load_demo()
    assert Dossier.objects.count() == 2 * DEMO_PER_CAF
    assert demo_dossier_numbers() == numbers
    assert {caf for caf, *_ in numbers} == {"751", "330"} and len(numbers) >= 6

    sign_in(client, User.objects.get(username="DEMO0003"))
    for caf_code, _, number, _ in numbers:
        response = client.post(reverse("dossiers:search"), {"caf": caf_code, "number": number}, follow=True)
        assert response.status_code == 200
        assert response.content.decode().count('class="pp-tabs"') == 1
        assert "Dialogue" in response.content.decode() and "Attestation" in response.content.decode()

    sign_in(client, User.objects.get(username="DEMO0004"))
    caf_code, _, number, _ = numbers[0]
    page = client.post(reverse("dossiers:search"), {"caf": caf_code, "number": number}, follow=True).content.decode()
    assert "Informations logement" in page and ">Paiements<" not in page and ">Attestation<" not in page
