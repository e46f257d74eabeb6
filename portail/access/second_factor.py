"""Who must sign in with a second factor (TOTP code or recovery code) after the password.

Those who hand out rights or supervise them, whatever the state of their conventions:
- an administrator of any convention (R6), a responsable des habilitations of any open group (R7);
- a Caf agent, a national administrator, a technical superuser;
and every member of a group of a convention whose Caf asks it of all its partners' users
(`Caf.requires_second_factor`). Decided in one query.
"""
from django.db.models import Exists, OuterRef, Q

from portail.accounts.models import User
from portail.conventions.models import Convention
from portail.habilitations.models import Group, Membership


def requires_second_factor(user) -> bool:
    if getattr(user, "pk", None) is None:  # anonymous
        return False
    if user.caf_id is not None or user.is_national_admin or user.is_superuser:
        return True
    administers = Convention.administrators.through.objects.filter(user_id=OuterRef("pk"))
    leads = Group.objects.filter(responsable_id=OuterRef("pk"), status=Group.Status.OPEN)
    member_of_demanding_caf = Membership.objects.filter(
        user_id=OuterRef("pk"), group__convention__caf__requires_second_factor=True
    )
    return User.objects.filter(
        Q(Exists(administers)) | Q(Exists(leads)) | Q(Exists(member_of_demanding_caf)), pk=user.pk
    ).exists()
