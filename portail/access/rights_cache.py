"""A shared cache of each user's consultation rights, that never serves a removed right.

What is cached: for one user and one day, his Cdap grants at every Caf (`rights.cdap_rights_by_caf`),
the answer behind `consultation_rights` and `cafs_for_consultation`. Where: Django's cache framework
(`settings.RIGHTS_CACHE`, default alias: Redis when `REDIS_URL` is given, else a table of the database),
so every worker process sees the same entries and the same invalidations.

Validity: three version stamps live in the cache beside the entries — the whole portal's, the user's
organisation's and the user's own. An entry records the stamps it was computed under and is used only
while all three still hold. Any change that can move a right replaces a stamp with a new random token:

- a membership of the user (added, removed, end date changed): the user's stamp;
- the user himself (status, dates, organisation): the user's stamp;
- a group, a group role (assigned, removed, approved, refused), a convention (state, dates, services),
  an organisation, in the user's organisation: the organisation's stamp (a user's rights only ever
  come from his own organisation's conventions, R5);
- the role catalogue, a service, a Caf: the portal's stamp.

The stamps move from model signals (`post_save`, `post_delete`, `m2m_changed`: every service and the
demo loader save through the models), and after a bulk load that bypasses them (`update()`, `bulk_create`,
COPY) from an explicit `invalidate_everything()` / `invalidate_users()` / `invalidate_organisations()`.
Inside a transaction a stamp moves when it commits (`transaction.on_commit`): until then only this
transaction sees the change, and it bypasses the cache for what it changed. Entries are keyed by day,
so a right that opens or closes at midnight (a date of a convention, group, user or membership) is
computed again the next day. A missing stamp (never set, or evicted) gets a fresh random token, so an
entry older than it can never match again.

Reading: with Redis, the stamps come from this process's mirror, kept exact by pub/sub (`_Mirror`): no
round trip when the process already holds the entry, one otherwise. With the database cache: one query
for the stamps, one more for the entry. Within one request the answer is kept on the side (the menu
reuses what the page computed), and dropped as soon as this thread changes anything that moves a right.
Rights are always computed on the primary database, never on a read replica.
"""
import hashlib
import os
import secrets
import select
import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis import exceptions as redis_errors
from django.core.signals import request_finished, request_started, setting_changed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

_namespaces: dict[str, str] = {}


def _ns() -> str:
    """The database the rights come from: two databases sharing one Redis never read each other's entries."""
    db = settings.DATABASES["default"]
    name = f"{db.get('HOST', '')}:{db.get('PORT', '')}/{db.get('NAME', '')}"
    if name not in _namespaces:
        _namespaces[name] = hashlib.sha256(name.encode()).hexdigest()[:10]
    return _namespaces[name]


def global_key() -> str:
    return f"rights:{_ns()}:v:all"
# An entry is kept at most this long in the process's own memory (it is checked against the stamps anyway).
LOCAL_ENTRIES_MAX = 20_000
# User fields a right depends on (R4, R5): a save that touches none of them moves nothing.
USER_FIELDS = frozenset({"status", "opening_date", "closing_date", "organisation", "organisation_id", "is_active"})


def org_key(organisation_id) -> str:
    return f"rights:{_ns()}:v:org:{organisation_id}"


def user_key(user_id) -> str:
    return f"rights:{_ns()}:v:user:{user_id}"


# Bumped whenever the shape of what is cached changes: entries of an older release are never read.
FORMAT = 2


def entry_key(user_id, day: date) -> str:
    return f"rights:{_ns()}:e{FORMAT}:{user_id}:{day.isoformat()}"


# Bumped when the settings of the cache change (tests), in a forked child and when the mirrors are dropped: each
# thread resolves its cache and mirror again.
_generation = 0


def _resolve_again(**_) -> None:
    global _generation
    _generation += 1


def _on_setting_changed(setting=None, **_):
    if setting in ("CACHES", "RIGHTS_CACHE", "RIGHTS_CACHE_MIRROR", "DATABASES"):
        _resolve_again()


os.register_at_fork(after_in_child=_resolve_again)


def _resolved() -> tuple:
    """(generation, cache, its mirror or None) for this thread: `caches[…]` and the settings cost a fifth of a
    cached read, and give this thread the same object each time (Django keeps one per thread)."""
    found = getattr(_local, "resolved", None)
    if found is None or found[0] != _generation:
        cache = caches[getattr(settings, "RIGHTS_CACHE", "default")]
        mirrored = isinstance(cache, RedisCache) and getattr(settings, "RIGHTS_CACHE_MIRROR", True)
        found = _local.resolved = (_generation, cache, _mirror(cache) if mirrored else None)
    return found


def _cache():
    return _resolved()[1]


def _token() -> int:
    # An integer: stored as is by the Redis backend (no pickling), compared in a tuple.
    return secrets.randbits(62)


_local = threading.local()
# (user id, day) → (stamps, payload): entries this process already unpickled, checked against the stamps.
_entries: dict[tuple[int, date], tuple[tuple, object]] = {}


# ---------------------------------------------------------------- moving stamps


def _write_stamps(keys, cache=None) -> None:
    """New tokens for `keys`; with Redis, in the same round trip, a message to every process's mirror."""
    if not keys:
        return
    cache = cache or _cache()
    if isinstance(cache, RedisCache):
        dumps = cache._cache._serializer.dumps
        pipe = _redis_client(cache).pipeline(transaction=False)
        for k in keys:
            pipe.set(cache.make_key(k), dumps(_token()))
        pipe.publish(_channel(cache), "\n".join(keys))
        pipe.execute()
        return
    cache.set_many({k: _token() for k in keys}, timeout=None)


class _Pending:
    """The stamps this thread's open transaction will move when it commits."""

    def __init__(self, outer):
        self.outer = outer
        self.keys: set[str] = set()
        self.callback = None

    def flush(self):
        if getattr(_local, "pending", None) is self:
            _local.pending = None  # committed: the next transaction starts afresh (a decorator reuses its Atomic)
        _write_stamps(self.keys)


def _outer(connection):
    """The outermost atomic block: its commit is the one that counts."""
    return connection.atomic_blocks[0] if connection.atomic_blocks else connection


def _pending_in_transaction():
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _local.pending = None
        return None, connection
    pending = getattr(_local, "pending", None)
    if pending is None or pending.outer is not _outer(connection):
        return None, connection
    return pending, connection


def bump(*keys: str) -> None:
    """Move these stamps: now outside a transaction, when it commits inside one."""
    keys = {k for k in keys if k}
    if not keys:
        return
    _forget_request()
    pending, connection = _pending_in_transaction()
    if not connection.in_atomic_block:
        _write_stamps(keys)
        return
    if pending is None:
        pending = _Pending(_outer(connection))
        _local.pending = pending
    pending.keys |= keys
    # A callback registered in a savepoint that was rolled back is gone: register it again.
    if pending.callback is None or not any(func is pending.callback for _, func, _ in connection.run_on_commit):
        pending.callback = pending.flush
        transaction.on_commit(pending.callback)


def invalidate_users(user_ids) -> None:
    bump(*(user_key(u) for u in user_ids))


def invalidate_organisations(organisation_ids) -> None:
    bump(*(org_key(o) for o in organisation_ids if o is not None))


def invalidate_everything() -> None:
    """After a bulk load (COPY, `bulk_create`, `update()`) or a migration: every entry is computed again."""
    _forget_ids()
    bump(global_key())


def _pending_covers(keys: tuple[str, ...]) -> bool:
    if getattr(_local, "pending", None) is None:
        return False  # this thread changed nothing that moves a right (the common case: no connection asked)
    pending, _ = _pending_in_transaction()
    return pending is not None and (global_key() in pending.keys or any(k in pending.keys for k in keys))


# ---------------------------------------------------------------- the request's own answers


def _forget_request(**_) -> None:
    _local.memo = {}


def _request_started(**_) -> None:
    _local.memo = {}
    _local.in_request = True


def _request_finished(**_) -> None:
    _local.memo = {}
    _local.in_request = False


def request_memo(key, compute: Callable[[], object]):
    """`compute()` once per request for `key` (outside a request: every time). Dropped when this thread
    changes anything that moves a right."""
    if not getattr(_local, "in_request", False):
        return compute()
    memo = getattr(_local, "memo", None)
    if memo is None:
        memo = _local.memo = {}
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def settle() -> None:
    """Tests only: take this thread's open transaction as committed (its stamps move now). A test's data
    lives in a transaction that never commits; without this the cache is bypassed for all of it."""
    pending = getattr(_local, "pending", None)
    _local.pending = None
    if pending is not None:
        pending.flush()


# ---------------------------------------------------------------- reading


def _redis_client(cache):
    """The cache's Redis client: `portail.core.redis_cache.RedisCache` (the settings' backend) keeps one per
    process; Django's own backend would build one per call."""
    return cache._cache.get_client(None)


def _get_many(cache, keys: list[str]) -> dict:
    if isinstance(cache, RedisCache):
        # Stamps are integers, stored as is by Django's Redis serializer: one MGET, no pickling,
        # and no per-character key check (our keys are known to be valid).
        values = _redis_client(cache).mget([cache.make_key(k) for k in keys])
        loads = cache._cache._serializer.loads
        return {k: loads(v) for k, v in zip(keys, values) if v is not None}
    return cache.get_many(keys)


def _channel(cache) -> str:
    return cache.make_key(f"rights:{_ns()}:stamps")


class _Mirror:
    """This process's copy of the stamps it read from Redis, kept exact by Redis pub/sub.

    Every stamp written (`_write_stamps`) is announced on a channel in the same round trip. Before each read
    the process drains, without waiting, what its subscription received, and forgets the stamps announced.
    Redis writes the announcement to every subscriber's socket in the event-loop turn that answers the writer,
    so a change whose service has returned is drained by any read that starts afterwards. Any error on the
    subscription drops the copy and falls back to reading the stamps from Redis, until subscribed again; so does
    a connection that redis-py silently made again (the announcements of the gap are lost).
    """

    def __init__(self):
        self.values: dict[str, int] = {}
        self.pubsub = None
        self.sock = None
        self.poller = None
        self.lock = threading.Lock()

    def reset(self):
        self.values.clear()
        if self.pubsub is not None:
            try:
                self.pubsub.close()
            except Exception:  # noqa: BLE001 (a broken connection is why we are here)
                pass
        self.pubsub = self.sock = self.poller = None

    def _subscribe(self, cache):
        pubsub = _redis_client(cache).pubsub()
        pubsub.subscribe(_channel(cache))
        confirmation = pubsub.get_message(timeout=1.0)
        if not confirmation or confirmation.get("type") != "subscribe":
            pubsub.close()
            raise redis_errors.ConnectionError("pas de confirmation d'abonnement")
        self.values.clear()  # only what is read from now on is kept exact by the messages
        self.pubsub = pubsub
        self._watch()

    def _watch(self):
        """A drain ends only when the client's buffer is empty and the socket has nothing to read: until the
        socket is readable again (a message, or the connection closing), the next drain has nothing to do. One
        poll of the socket says so in a microsecond, where redis-py's non-blocking read costs twenty."""
        sock = self.pubsub.connection._sock
        if sock is None:
            raise redis_errors.ConnectionError("abonnement sans connexion")
        self.sock = sock
        self.poller = select.poll()
        self.poller.register(sock.fileno(), select.POLLIN)

    def _drain(self):
        if not self.poller.poll(0):
            return  # nothing arrived, and nothing read from the socket since the last drain
        while True:
            message = self.pubsub.get_message(timeout=0)
            if message is None:
                break
            if message.get("type") == "message":
                data = message["data"]
                for key in (data.decode() if isinstance(data, bytes) else data).split("\n"):
                    self.values.pop(key, None)
        if self.pubsub.connection._sock is not self.sock:
            # redis-py met a closed connection, connected again and subscribed again, without a word: what was
            # announced in between is lost, so no stamp kept from before can be trusted.
            self.values.clear()
            self._watch()

    def stamps(self, cache, keys: list[str]) -> tuple:
        with self.lock:
            try:
                if self.pubsub is None:
                    self._subscribe(cache)
                self._drain()
                missing = [k for k in keys if k not in self.values]
                if not missing:
                    return tuple(self.values[k] for k in keys)
                fetched = dict(zip(missing, _stamps(cache, missing)))
                self.values.update(fetched)
                self._drain()  # announcements that crossed the read: forget them (the read itself stands)
                return tuple(self.values.get(k, fetched.get(k)) for k in keys)
            except redis_errors.RedisError:
                self.reset()
        return _stamps(cache, keys)


_mirrors: dict = {}


def _mirror(cache) -> _Mirror:
    # Per process (a forked worker subscribes on its own), per server and key prefix; each thread keeps the one it
    # found (`_resolved`).
    key = (os.getpid(), cache._cache._servers[0] if hasattr(cache._cache, "_servers") else "", cache.key_prefix)
    mirror = _mirrors.get(key)
    if mirror is None:
        mirror = _mirrors[key] = _Mirror()
    return mirror


def _read_stamps(cache, keys: list[str], mirror: _Mirror | None) -> tuple:
    return mirror.stamps(cache, keys) if mirror is not None else _stamps(cache, keys)


def _stamps(cache, keys: list[str]) -> tuple:
    found = _get_many(cache, keys)
    missing = [k for k in keys if k not in found]
    if missing:
        for k in missing:
            cache.add(k, _token(), timeout=None)
        found.update(_get_many(cache, missing))
    return tuple(found.get(k) for k in keys)


def _seconds_to_midnight() -> int:
    moment = timezone.localtime()
    midnight = datetime.combine(moment.date() + timedelta(days=1), time.min, tzinfo=moment.tzinfo)
    return int((midnight - moment).total_seconds()) + 60


# (namespace, organisation id, user id) → the three stamps' keys: formatting them was a tenth of a cached read.
_version_keys: dict[tuple, tuple[str, str, str]] = {}


def _keys_of(user) -> tuple[str, str, str]:
    found_key = (_ns(), user.organisation_id, user.pk)
    keys = _version_keys.get(found_key)
    if keys is None:
        if len(_version_keys) >= LOCAL_ENTRIES_MAX:
            _version_keys.clear()
        keys = _version_keys[found_key] = (global_key(), org_key(user.organisation_id), user_key(user.pk))
    return keys


def cached(user, day: date, compute: Callable[[], object]):
    """`compute()` for (user, day), from the request, this process or the shared cache when still valid."""
    version_keys = _keys_of(user)
    memo_key = (user.pk, user.organisation_id, day)
    in_request = getattr(_local, "in_request", False)
    if in_request:
        memo = getattr(_local, "memo", None)
        if memo is None:
            memo = _local.memo = {}
        if memo_key in memo:  # dropped whenever this thread changes a right
            return memo[memo_key]
    if _pending_covers(version_keys):
        payload = compute()  # this transaction changed it: only the database knows, nothing is stored
        if in_request:
            _local.memo[memo_key] = payload
        return payload
    _, cache, mirror = _resolved()
    try:
        stamps = _read_stamps(cache, list(version_keys), mirror)
        local = _entries.get((user.pk, day))
        if local is not None and local[0] == stamps:
            payload = local[1]
        else:
            stored = cache.get(entry_key(user.pk, day))
            if stored is not None and stored[0] == stamps:
                payload = stored[1]
            else:
                payload = compute()
                cache.set(entry_key(user.pk, day), (stamps, payload), timeout=_seconds_to_midnight())
            if len(_entries) >= LOCAL_ENTRIES_MAX:
                _entries.clear()
            _entries[(user.pk, day)] = (stamps, payload)
    except redis_errors.RedisError:
        # Redis unreachable: the database answers (the truth, only slower); nothing is kept meanwhile.
        _entries.pop((user.pk, day), None)
        payload = compute()
    if in_request:
        _local.memo[memo_key] = payload
    return payload


def forget_local() -> None:
    """Drop this process's own copies (tests, benchmarks): the shared cache still answers."""
    _forget_ids()
    _entries.clear()
    for mirror in _mirrors.values():
        mirror.reset()
    _mirrors.clear()
    _resolve_again()
    _forget_request()


# ---------------------------------------------------------------- what moves which stamp


# Which organisation a convention, which convention a group belongs to: fixed for a row's life, so kept; but a
# database emptied or reloaded (tests' flush, a rebuilt benchmark) can give the same id to another row, whose
# changes would then move another organisation's stamp: forgotten with everything else (`_forget_ids`).
_org_of_convention: dict[int, int] = {}
_convention_of_group: dict[int, int] = {}


def _forget_ids() -> None:
    _org_of_convention.clear()
    _convention_of_group.clear()


def _organisation_of_convention(convention_id) -> int | None:
    from portail.conventions.models import Convention

    if convention_id is None:
        return None
    if convention_id not in _org_of_convention:
        org = Convention.objects.filter(pk=convention_id).values_list("organisation_id", flat=True).first()
        if org is None:
            return None
        _org_of_convention[convention_id] = org
    return _org_of_convention[convention_id]


def _organisation_of_group(group_id, group=None) -> int | None:
    from portail.habilitations.models import Group

    if group is not None and Group.convention.is_cached(group):
        return group.convention.organisation_id
    convention_id = group.convention_id if group is not None else _convention_of_group.get(group_id)
    if convention_id is None:
        convention_id = Group.objects.filter(pk=group_id).values_list("convention_id", flat=True).first()
    if convention_id is None:
        return None
    _convention_of_group[group_id] = convention_id
    return _organisation_of_convention(convention_id)


def _bump_organisation(org_id) -> None:
    bump(org_key(org_id) if org_id is not None else global_key())


def _on_membership(sender, instance, **_):
    bump(user_key(instance.user_id))


def _on_group(sender, instance, **_):
    _bump_organisation(_organisation_of_group(instance.pk, instance))


def _on_group_role(sender, instance, **_):
    from portail.habilitations.models import GroupRole

    group = instance.group if GroupRole.group.is_cached(instance) else None
    _bump_organisation(_organisation_of_group(instance.group_id, group))


def _on_convention(sender, instance, **_):
    _org_of_convention[instance.pk] = instance.organisation_id
    _bump_organisation(instance.organisation_id)


def _on_convention_services(sender, instance, reverse=False, action="", **_):
    if not action.startswith("post_"):
        return
    if reverse:
        bump(global_key())  # a service's conventions changed: rare, from the service's side
    else:
        _bump_organisation(instance.organisation_id)


def _on_administrators(sender, instance, reverse=False, action="", **_):
    """Administrators change what a person sees (« sees a convention », kept with his rights)."""
    if not action.startswith("post_"):
        return
    if reverse:
        bump(user_key(instance.pk))
    else:
        _bump_organisation(instance.organisation_id)


def _on_user(sender, instance, update_fields=None, **_):
    if update_fields is not None and not (set(update_fields) & USER_FIELDS):
        return
    bump(user_key(instance.pk))


def _on_organisation(sender, instance, **_):
    _bump_organisation(instance.pk)


def _on_catalogue(sender, instance, **_):
    bump(global_key())


def connect() -> None:
    """Called once by an application's `ready()`."""
    from portail.accounts.models import User
    from portail.conventions.models import Caf, Convention, Organisation, Role, Service
    from portail.habilitations.models import Group, GroupRole, Membership

    for model, receiver in [
        (Membership, _on_membership), (Group, _on_group), (GroupRole, _on_group_role), (Convention, _on_convention),
        (User, _on_user), (Organisation, _on_organisation), (Role, _on_catalogue), (Service, _on_catalogue),
        (Caf, _on_catalogue),
    ]:
        uid = f"rights-cache-{model._meta.label}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=uid + "-delete")
    m2m_changed.connect(_on_convention_services, sender=Convention.services.through, dispatch_uid="rights-cache-services")
    m2m_changed.connect(_on_administrators, sender=Convention.administrators.through,
                        dispatch_uid="rights-cache-administrators")
    setting_changed.connect(_on_setting_changed, dispatch_uid="rights-cache-settings")
    request_started.connect(_request_started, dispatch_uid="rights-cache-request-started")
    request_finished.connect(_request_finished, dispatch_uid="rights-cache-request-finished")
