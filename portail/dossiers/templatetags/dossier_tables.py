"""The long tables of the payments tab, built row by row in Python: a year of payments is a few hundred cells,
which Django's template loop renders several times slower. The markup is the one the template had (tested
against it). Every text is escaped; amounts and dates are our own formatting of numbers and dates (digits,
separators, month names), which hold nothing to escape."""
from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString

from portail.core.templatetags.dates_fr import jour, mois
from portail.core.templatetags.montants import montant

from ..models import Benefit, Payee

register = template.Library()
ARREAR = ' <span class="fr-badge fr-badge--sm fr-badge--info">Rappel</span>'
BENEFITS = dict(Benefit.choices)
PAYEES = dict(Payee.choices)


def _cell(cell) -> str:
    return f'<td class="pp-num">{montant(cell.amount)}</td>' if cell else '<td class="pp-num">—</td>'


@register.simple_tag
def payment_grid_rows(grid) -> SafeString:
    """One row per month: the net of each benefit, then brut, CRDS, retenue, net and who was paid."""
    return SafeString("\n    ".join(
        f'<tr><th scope="row">{mois(row["month"])}</th>\n'
        f'        {"".join(_cell(cell) for cell in row["cells"])}\n'
        f'        <td class="pp-num">{montant(row["gross"])}</td><td class="pp-num">{montant(row["crds"])}</td>'
        f'<td class="pp-num">{montant(row["deduction"])}</td>\n'
        f'        <td class="pp-num"><strong>{montant(row["net"])}</strong></td>\n'
        f'        <td>{"Allocataire et bailleur" if row["to_landlord"] else "Allocataire"}</td></tr>'
        for row in grid.rows))


@register.simple_tag
def payment_detail_rows(payments) -> SafeString:
    """One row per payment: month (and « Rappel »), benefit, payee, date, brut, CRDS, retenue, net."""
    return SafeString("\n    ".join(
        f'<tr><td>{mois(p.month)}{ARREAR if p.arrear else ""}</td>'
        f'<td>{escape(BENEFITS.get(p.benefit, p.benefit))}</td><td>{escape(PAYEES.get(p.payee, p.payee))}</td>'
        f'<td>{jour(p.paid_on)}</td><td class="pp-num">{montant(p.gross)}&nbsp;€</td>'
        f'<td class="pp-num">{montant(p.crds)}&nbsp;€</td><td class="pp-num">{montant(p.deduction)}&nbsp;€</td>'
        f'<td class="pp-num">{montant(p.amount)}&nbsp;€</td></tr>'
        for p in payments))
