"""Rate limits, counted in the default cache (shared by every server when it is Redis or Memcached).

- refused tokens per address (`address` rate, API_ADDRESS_FAILURE_RATE): beyond it the address gets 429
  before its token is even checked, so guessing tokens is slow and cannot flood the journal with refusals;
- calls per token (`token` rate, API_THROTTLE_RATE).
The address is the one the journal and the sign-in lockout use (portail/core/requests.py: X-Forwarded-For
is believed only from TRUSTED_PROXIES), not DRF's own guess.
"""
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from portail.core.requests import client_ip

from .models import ApiToken


class _Throttle(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # read at each call: settings may change

    def get_ident(self, request):
        return client_ip(request) or "unknown"


class TokenRateThrottle(_Throttle):
    scope = "token"

    def get_cache_key(self, request, view):
        token = request.auth
        ident = f"token-{token.pk}" if isinstance(token, ApiToken) else f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AddressFailureThrottle(_Throttle):
    """Counts refused tokens only: a working token costs one cache read here."""

    scope = "address"

    def get_cache_key(self, request, view=None):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked(self, request) -> bool:
        if self.rate is None:
            return False
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def record_failure(self) -> None:
        if self.rate is None:
            return
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)
