"""Créances: an overpayment of a benefit over months it was paid, notified by letter, repaid by
deduction from the same benefit's later payments or by instalments."""
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..models import Benefit, Debt
from .calendar import add_months, month_after, month_end, month_of
from .scales import money

ZERO = Decimal("0.00")
REASONS = (
    "Ressources trimestrielles déclarées en retard",
    "Changement de situation familiale signalé tardivement",
    "Déménagement non signalé",
    "Reprise d'activité non déclarée",
    "Départ d'un enfant du foyer",
)


@dataclass
class DebtPlan:
    benefit: str
    reason: str
    created_on: date
    period: tuple[date, date]  # first and last month overpaid
    amount: Decimal
    mode: str
    monthly_repayment: Decimal
    disputed: bool
    remaining: Decimal = ZERO
    status: str = Debt.Status.ONGOING


def draw_debts(r: random.Random, gross: dict, window: list[date]) -> list[DebtPlan]:
    """`gross`: {(benefit, month): gross amount}. At most one créance per benefit, notified in the
    window after some months paid, never more than what those months paid."""
    if r.random() >= 0.18:
        return []
    candidates = sorted({b for b, _ in gross if b != Benefit.ARS})
    plans = []
    for benefit in r.sample(candidates, min(len(candidates), r.choices((1, 2), weights=(85, 15))[0])):
        months = sorted(m for b, m in gross if b == benefit)
        if len(months) < 3:
            continue
        last_index = r.randint(1, len(months) - 2)
        first_index = max(0, last_index - r.randint(0, 2))
        period = months[first_index: last_index + 1]
        paid = sum((gross[(benefit, m)] for m in period), ZERO)
        amount = money(paid * Decimal(str(round(r.uniform(0.1, 0.6), 3))))
        if amount < 20:
            continue
        notified = month_after(period[-1]) + timedelta(days=r.randint(2, 25))
        mode = r.choice(list(Debt.Mode))
        plans.append(DebtPlan(
            benefit=benefit, reason=r.choice(REASONS), created_on=notified, period=(period[0], period[-1]),
            amount=amount, mode=mode, monthly_repayment=money(max(20, min(float(amount), float(amount) / r.randint(3, 12)))),
            disputed=r.random() < 0.08,
        ))
    return plans


def apply_debts(plans: list[DebtPlan], gross_net: dict, window: list[date]) -> dict:
    """Deductions per (benefit, month) from each month after notification; remaining and status.
    `gross_net`: {(benefit, month): amount left after CRDS}; deductions never exceed it."""
    deductions: dict = {}
    for plan in plans:
        remaining = plan.amount
        first = month_after(plan.created_on)
        if plan.disputed:
            plan.status = Debt.Status.DISPUTED
        elif plan.mode == Debt.Mode.DEDUCTION:
            for month in window:
                key = (plan.benefit, month)
                if month < first or key not in gross_net or remaining <= 0:
                    continue
                available = gross_net[key] - deductions.get(key, ZERO)
                cut = min(plan.monthly_repayment, remaining, available)
                if cut > 0:
                    deductions[key] = deductions.get(key, ZERO) + cut
                    remaining -= cut
        else:
            months = sum(1 for m in window if m >= first)
            remaining = max(ZERO, remaining - plan.monthly_repayment * months)
        plan.remaining = money(remaining)
        if not plan.disputed:
            plan.status = Debt.Status.SETTLED if plan.remaining == 0 else Debt.Status.ONGOING
    return deductions


def debt_row(plan: DebtPlan) -> dict:
    return dict(
        benefit=plan.benefit, reason=plan.reason, created_on=plan.created_on, amount=plan.amount,
        remaining=plan.remaining, mode=plan.mode, monthly_repayment=plan.monthly_repayment, status=plan.status,
        period_start=plan.period[0], period_end=month_end(plan.period[1]),
    )


def notice_subject(benefit: str) -> str:
    return f"Notification d'un trop-perçu ({Benefit(benefit).label})"
