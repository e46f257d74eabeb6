"""The demo: a few hundred files per demo Caf, idempotent, and the numbers to try open as the fiche shows."""
from django.urls import reverse

from portail.accounts.models import User
from portail.demo.data import demo_dossier_numbers, load_demo
from portail.dossiers.demo import DEMO_PER_CAF, SHOWCASE
from portail.dossiers.models import Dossier
from portail.testing.auth import sign_in


def test_demo_files_and_numbers_to_try(db, client):
    load_demo()
    assert Dossier.objects.filter(caf__code="751").count() == DEMO_PER_CAF + len(SHOWCASE)
    assert Dossier.objects.filter(caf__code="330").count() == DEMO_PER_CAF + len(SHOWCASE)
    numbers = demo_dossier_numbers()
    load_demo()
    assert Dossier.objects.count() == 2 * (DEMO_PER_CAF + len(SHOWCASE))
    assert demo_dossier_numbers() == numbers
    assert {caf for caf, *_ in numbers} == {"751", "330"} and len(numbers) == 12

    sign_in(client, User.objects.get(username="DEMO0003"))
    for caf_code, _, number, _ in numbers:
        response = client.post(reverse("dossiers:search"), {"caf": caf_code, "number": number}, follow=True)
        assert response.status_code == 200
        assert response.content.decode().count('class="pp-tabs"') == 1
        assert "Dialogue" in response.content.decode() and "Attestation" in response.content.decode()

    # The README's numbers, and its story read tab by tab: the separation of 2604512 at the Caf part 1.
    from portail.dossiers.generation.build import CHANGE_LETTER

    assert [(c, n, w) for c, _, n, w in numbers] == [
        (code, s.numbers[code], s.label) for code in ("751", "330") for s in SHOWCASE]
    tabs = {t: client.get(reverse("dossiers:tab", args=["751", "2604512", t])).content.decode()
            for t in ("famille", "courriers", "droits", "paiements", "ressources")}
    assert "A quitté le foyer le" in tabs["famille"] and CHANGE_LETTER in tabs["courriers"]
    assert "Notification de droit à l&#x27;allocation de soutien familial" in tabs["courriers"]
    assert "Allocation de soutien familial" in tabs["droits"] and "Allocation de soutien familial" in tabs["paiements"]
    assert "Conjoint" in tabs["ressources"] or "conjoint" in tabs["ressources"]

    sign_in(client, User.objects.get(username="DEMO0004"))
    caf_code, _, number, _ = numbers[0]
    page = client.post(reverse("dossiers:search"), {"caf": caf_code, "number": number}, follow=True).content.decode()
    assert "Informations logement" in page and ">Paiements<" not in page and ">Attestation<" not in page
