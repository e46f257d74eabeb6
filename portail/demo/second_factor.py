"""Demo accounts that need a second factor are enrolled with one fixed, documented, NOT secret key,
so the demo stays usable: `manage.py demo_totp DEMO0001` prints the current code (or add the key
below to any authenticator app)."""
import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portail.access.second_factor import requires_second_factor
from portail.accounts.models import User
from portail.accounts.second_factor import TOTP_NAME

DEMO_TOTP_KEY = "506f727461696c44656d6f32303236544f545021"  # hex of « PortailDemo2026TOTP! »
DEMO_TOTP_SECRET = "KBXXE5DBNFWEIZLNN4ZDAMRWKRHVIUBB"  # the same key in base32, as apps take it


def enrol_demo_users(usernames) -> list[str]:
    """Give every demo user who needs a second factor the demo key (already enrolled: left as is)."""
    enrolled = []
    for user in User.objects.filter(username__in=usernames).order_by("username"):
        if not requires_second_factor(user):
            continue
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None or device.key != DEMO_TOTP_KEY:
            TOTPDevice.objects.filter(user=user).delete()
            StaticDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(user=user, name=TOTP_NAME, key=DEMO_TOTP_KEY, confirmed=True)
        enrolled.append(user.username)
    return enrolled


def demo_code(username: str, *, at: float | None = None) -> str | None:
    """The current code of a demo user enrolled with the demo key; None for anyone else."""
    device = TOTPDevice.objects.filter(user__username=username, confirmed=True, key=DEMO_TOTP_KEY).first()
    if device is None:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():0{device.digits}d}"
