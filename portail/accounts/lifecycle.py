"""Daily account lifecycle (HABPPS: no unused account stays open), run by `manage.py accounts_lifecycle`.

- An account past its closing date is closed; an account closing within a month is warned once.
- An account unused for 6 months (last login, or creation when never used) is suspended, but only a month
  after its owner was warned by mail: a first run on old accounts warns them and suspends a month later.
  A reinstated account counts its 6 months again from its reinstatement (or its suspension).
- The administrators of the person's conventions are told of each closing and suspension.

Every step re-reads the account under lock and checks it again, and every mail carries a key
(portail/outbox): running the command twice, or two at once, changes and sends nothing more.
"""
import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from portail.conventions.models import Convention
from portail.core import clock
from portail.journal import events
from portail.journal.models import Action, JournalEntry
from portail.outbox.models import Mail
from portail.outbox.services import mail_queue

from .models import User

DORMANCY_MONTHS = 6
WARNING_DAYS = 30


@dataclass
class Figures:
    closed: int = 0
    suspended: int = 0
    closing_warned: int = 0
    dormancy_warned: int = 0
    administrators_told: int = 0


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (31 March − 1 month = 28/29 February)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def months_after(moment: datetime, months: int) -> datetime:
    return months_before(moment, -months)


def _concerned() -> QuerySet:
    """Open accounts of partner staff and Caf agents (not the technical or national administrators),
    with `last_used`: last login, creation, or the last reinstatement/suspension, whichever is latest."""
    restarted = (JournalEntry.objects.filter(target_user_id=OuterRef("pk"), action__in=[
        Action.ACCOUNT_DORMANT_SUSPENDED, Action.USER_REINSTATED]).order_by().values("target_user_id")
        .annotate(at=Max("created_at")).values("at"))
    return (User.objects.filter(status=User.Status.OPEN, is_active=True, is_superuser=False, is_national_admin=False)
            .filter(Q(organisation__isnull=False) | Q(caf__isnull=False))
            .annotate(last_used=Greatest(
                Coalesce("last_login", "date_joined"),
                Coalesce(Subquery(restarted, output_field=DateTimeField()), "date_joined"),
            )))


def _administrators(user: User) -> list[User]:
    """Administrators of the conventions where `user` is in a group; of his organisation's conventions
    when he is in none. Never himself."""
    conventions = Convention.objects.filter(groups__memberships__user=user)
    if not conventions.exists() and user.organisation_id is not None:
        conventions = Convention.objects.filter(organisation_id=user.organisation_id)
    return list(User.objects.filter(administered_conventions__in=conventions).exclude(pk=user.pk)
                .distinct().order_by("pk"))


def _tell_administrators(user: User, what: str, day: date, template: str, subject: str) -> int:
    told = 0
    for admin in _administrators(user):
        if mail_queue(kind=f"lifecycle_{what}_admin", to=admin.email, subject=subject, template=template,
                      context={"admin": admin, "user": user, "day": day, "months": DORMANCY_MONTHS},
                      key=f"lifecycle:{what}:{user.pk}:{admin.pk}:{day.isoformat()}"):
            told += 1
    return told


def _locked_open(user_id: int) -> User | None:
    return User.objects.select_for_update().filter(pk=user_id, status=User.Status.OPEN).first()


def close_expired(figures: Figures, day: date) -> None:
    ids = _concerned().filter(closing_date__lt=day).values_list("pk", flat=True)
    for user_id in list(ids):
        with transaction.atomic():
            user = _locked_open(user_id)
            if user is None or user.closing_date is None or user.closing_date >= day:
                continue
            user.status = User.Status.CLOSED
            user.save(update_fields=["status"])
            events.account_closed_at_date(user=user)
            figures.closed += 1
            figures.administrators_told += _tell_administrators(
                user, "closed", day, "accounts/email/lifecycle_closed_admin.txt",
                "Portail Partenaires — un compte de votre convention a été clos")


def warn_closing(figures: Figures, day: date) -> None:
    soon = _concerned().filter(closing_date__gte=day, closing_date__lte=day + timedelta(days=WARNING_DAYS))
    for user in soon.iterator(chunk_size=500):
        with transaction.atomic():
            mail = mail_queue(kind="lifecycle_closing_warning", to=user.email,
                              subject="Portail Partenaires — votre compte sera bientôt clos",
                              template="accounts/email/lifecycle_closing_warning.txt",
                              context={"user": user, "closing_date": user.closing_date},
                              key=f"lifecycle:closing-warning:{user.pk}:{user.closing_date.isoformat()}")
            if mail is not None:
                events.account_closing_warned(user=user, closing_date=user.closing_date)
                figures.closing_warned += 1


def _dormancy_key(user_id: int, last_used: datetime) -> str:
    return f"lifecycle:dormancy-warning:{user_id}:{last_used.isoformat()}"


def warn_dormant(figures: Figures, at: datetime) -> None:
    """Warn those whose 6 months end within a month (or have already ended: they get their month)."""
    due = _concerned().filter(last_used__lte=months_before(at + timedelta(days=WARNING_DAYS), DORMANCY_MONTHS))
    for user in due.iterator(chunk_size=500):
        suspension_on = timezone.localdate(max(months_after(user.last_used, DORMANCY_MONTHS),
                                               at + timedelta(days=WARNING_DAYS)))
        login_url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("accounts:login")
        with transaction.atomic():
            mail = mail_queue(kind="lifecycle_dormancy_warning", to=user.email,
                              subject="Portail Partenaires — votre compte sera suspendu faute d'utilisation",
                              template="accounts/email/lifecycle_dormancy_warning.txt",
                              context={"user": user, "suspension_on": suspension_on, "months": DORMANCY_MONTHS,
                                       "link": login_url},
                              key=_dormancy_key(user.pk, user.last_used))
            if mail is not None:
                events.account_dormancy_warned(user=user, last_used=user.last_used, suspension_on=suspension_on)
                figures.dormancy_warned += 1


def suspend_dormant(figures: Figures, at: datetime) -> None:
    """Suspend those unused for 6 months whose warning left at least a month ago."""
    day = timezone.localdate(at)
    for user in _concerned().filter(last_used__lte=months_before(at, DORMANCY_MONTHS)).iterator(chunk_size=500):
        warned = Mail.objects.filter(key=_dormancy_key(user.pk, user.last_used),
                                     created_at__lte=at - timedelta(days=WARNING_DAYS)).exists()
        if not warned:
            continue
        with transaction.atomic():
            locked = _concerned().select_for_update().filter(
                pk=user.pk, last_used__lte=months_before(at, DORMANCY_MONTHS)).first()
            if locked is None:  # signed in, reinstated or changed meanwhile
                continue
            locked.status = User.Status.SUSPENDED
            locked.save(update_fields=["status"])
            events.account_dormant_suspended(user=locked, last_used=user.last_used)
            figures.suspended += 1
            figures.administrators_told += _tell_administrators(
                locked, "suspended", day, "accounts/email/lifecycle_suspended_admin.txt",
                "Portail Partenaires — un compte de votre convention a été suspendu")


def run_lifecycle(at: datetime | None = None) -> Figures:
    at = at or clock.now()
    day = timezone.localdate(at)
    figures = Figures()
    close_expired(figures, day)
    warn_closing(figures, day)
    suspend_dormant(figures, at)
    warn_dormant(figures, at)
    return figures
