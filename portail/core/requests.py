"""The caller's address, for the journal and the login lockout."""
import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return any(address in network for network in networks)


def client_ip(request) -> str | None:
    """REMOTE_ADDR, unless it is one of our own proxies (setting TRUSTED_PROXIES, addresses or networks).

    Then X-Forwarded-For is read from the right: each trusted proxy appended the address it saw, so
    the right-most address that is not one of ours is the client. Anything left of it was written
    by the client himself and is never believed.
    """
    remote = _parse(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    chain = [item for item in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if item.strip()]
    for item in reversed(chain):
        address = _parse(item)
        if address is None:
            # Garbage where a proxy should have written an address: keep what we know for sure.
            return str(remote)
        if not _trusted(address, networks):
            return str(address)
    return str(remote)
