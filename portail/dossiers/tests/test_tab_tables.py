"""The payments tab's tables, built in Python for speed, say exactly what the template loop said (the loop is
kept here as the reference), escape what they show, and show holes in the grid as a dash."""
import re
from datetime import date, timedelta
from decimal import Decimal

from django.template import Context, Template
from django.utils import translation

from portail.dossiers.models import Payment
from portail.dossiers.selectors import tab_paiements
from portail.dossiers.templatetags.dossier_tables import payment_detail_rows, payment_grid_rows

from .test_attestation import paid_dossier

REFERENCE = Template("""{% load montants %}
{% for row in grid.rows %}<tr><th scope="row">{{ row.month|date:"F Y" }}</th>
{% for cell in row.cells %}<td class="pp-num">{% if cell %}{{ cell.amount|montant }}{% else %}—{% endif %}</td>{% endfor %}
<td class="pp-num">{{ row.gross|montant }}</td><td class="pp-num">{{ row.crds|montant }}</td><td class="pp-num">{{ row.deduction|montant }}</td>
<td class="pp-num"><strong>{{ row.net|montant }}</strong></td>
<td>{% if row.to_landlord %}Allocataire et bailleur{% else %}Allocataire{% endif %}</td></tr>{% endfor %}
|
{% for p in payments %}<tr><td>{{ p.month|date:"F Y" }}{% if p.arrear %} <span class="fr-badge fr-badge--sm fr-badge--info">Rappel</span>{% endif %}</td><td>{{ p.get_benefit_display }}</td><td>{{ p.get_payee_display }}</td><td>{{ p.paid_on|date:"d/m/Y" }}</td><td class="pp-num">{{ p.gross|montant }}&nbsp;€</td><td class="pp-num">{{ p.crds|montant }}&nbsp;€</td><td class="pp-num">{{ p.deduction|montant }}&nbsp;€</td><td class="pp-num">{{ p.amount|montant }}&nbsp;€</td></tr>{% endfor %}""")


def squeezed(markup: str) -> str:
    return re.sub(r">\s+<", "><", markup.strip())


def test_the_tables_say_what_the_template_loop_said(db, caf):
    dossier = paid_dossier(caf)
    # A hole (PAJE paid one month only), an arrear and a payment of a benefit code no list knows.
    month = Payment.objects.filter(dossier=dossier).order_by("month").first().month
    Payment.objects.create(dossier=dossier, month=month, benefit="PAJE", gross_amount=Decimal("1234.5"),
                           amount=Decimal("1234.5"), paid_on=month + timedelta(days=70), arrear=True)
    Payment.objects.create(dossier=dossier, month=month, benefit="<b>X", amount=Decimal("-0.004"),
                           paid_on=date(2024, 2, 29))
    with translation.override("fr"):
        data = tab_paiements(dossier)
        expected = REFERENCE.render(Context(data))
        ours = f"{payment_grid_rows(data['grid'])}\n|\n{payment_detail_rows(data['payments'])}"
    assert squeezed(ours) == squeezed(expected)
    assert "&lt;b&gt;X" in ours and "<b>X" not in ours
    assert '<td class="pp-num">—</td>' in ours and "Rappel" in ours and "1\xa0234,50" in ours


def test_the_payments_tab_shows_the_rows(login_as, t1_user, caf, tab_url):
    dossier = paid_dossier(caf)
    page = login_as(t1_user).get(tab_url(dossier, "paiements")).content.decode()
    assert page.count("<td>Allocations familiales</td><td>Allocataire</td>") == 3
    assert page.count("Allocataire et bailleur</td></tr>") == 3
