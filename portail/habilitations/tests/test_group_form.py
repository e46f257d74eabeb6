"""« Créer un groupe » as each kind of manager sees it."""
from django.urls import reverse

from portail.testing import factories as f


def test_a_responsable_finds_sous_groupe_de_already_ticked(convention, role_t1, make_group, login_as):
    responsable = f.UserFactory(organisation=convention.organisation)
    make_group(convention, "GRP", roles=[role_t1], responsable=responsable)
    form = login_as(responsable).get(reverse("habilitations:group_create", args=[convention.pk])).context["form"]
    assert form["is_subgroup"].value() is True
    assert "Vous ne pouvez créer que des sous-groupes de vos groupes." in form["is_subgroup"].help_text


def test_an_administrator_chooses_whether_it_is_a_sub_group(convention, admin_user, login_as):
    form = login_as(admin_user).get(reverse("habilitations:group_create", args=[convention.pk])).context["form"]
    assert not form["is_subgroup"].value()
