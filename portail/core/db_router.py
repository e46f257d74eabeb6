"""Read replica: the supervision, statistics and journal-search pages read from the `replica` database alias.

Configured by `DATABASE_REPLICA_URL` (settings add the `replica` alias and this router). The pages whose URL
namespace is in `REPLICA_READ_NAMESPACES` (supervision, statistics, the Caf's journal search…) run their GET
requests with replica reads switched on (`ReplicaReadsMiddleware`); inside such a request every read goes to
`replica`, except while a transaction is open on `default` (a request that has just written, the journal entry
of a consultation, a `select_for_update`: those read their own writes on the primary). Every write goes to
`default`; migrations run on `default` only (the replica is a copy of it). Everything else reads from `default`.
Those pages' statements are never prepared on the primary either (`unprepared`): their filters want a plan made for
the values at hand.

In the tests `replica` is a test mirror of `default` (same database, its own connection), so these pages run
through the router: outside a test transaction their reads really leave through the `replica` connection.
"""
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections
from django.urls import Resolver404, resolve

REPLICA = "replica"
_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads():
    """Send this block's reads to the replica (when one is configured)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def _reachable(connection) -> bool:
    """Whether the replica can answer: a replica that cannot be reached leaves the reads to the primary (and so
    does a test that did not ask for the replica alias: Django refuses its connections, its mirror answers)."""
    if type(connection.cursor).__name__ == "_DatabaseFailure":
        return False
    if connection.connection is None:
        try:
            connection.ensure_connection()
        except (DatabaseError, AssertionError):  # AssertionError: Django's DatabaseOperationForbidden in tests
            return False
    return True


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _replica_reads.get() or not replica_configured():
            return None
        if model._meta.app_label == "django_cache":
            return "default"  # the database cache holds the rights' version stamps: never a lagging copy
        if connections["default"].in_atomic_block:
            return "default"  # read what this transaction wrote, and what it locked
        if not _reachable(connections[REPLICA]):
            return "default"
        return REPLICA

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of default: same rows, same ids

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return None if db != REPLICA else False


class ReplicaReadsMiddleware:
    """GET and HEAD requests of the namespaces in REPLICA_READ_NAMESPACES read from the replica.

    Last in MIDDLEWARE: the session and the signed-in user are already loaded from the primary (a session
    written a moment ago may not have reached the replica yet); a streamed response (CSV) reads as it streams.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not self._wanted(request):
            return self.get_response(request)
        with _reading_for_analysis():
            response = self.get_response(request)
        if getattr(response, "streaming", False):
            response.streaming_content = _streamed_for_analysis(response.streaming_content)
        return response

    @staticmethod
    def _wanted(request) -> bool:
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return False
        return bool(set(getattr(settings, "REPLICA_READ_NAMESPACES", ())).intersection(match.namespaces))


@contextmanager
def unprepared(alias: str = "default"):
    """This block's statements on `alias` are planned for their values, none prepared: on PostgreSQL a prepared
    statement ends on a plan made for any value, and the journal's histories and the statistics, over a period and
    a scope of any size, were 3 to 8 times slower with it (`make bench`, pages)."""
    connection = connections[alias]
    raw = connection.connection if connection.vendor == "postgresql" else None
    if raw is None or getattr(raw, "prepare_threshold", None) is None:
        yield
        return
    threshold = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = threshold


@contextmanager
def _reading_for_analysis():
    """The pages of REPLICA_READ_NAMESPACES: reads on the replica when there is one, and nothing prepared on the
    primary (whatever they read there: the replica unreachable, or none configured)."""
    with replica_reads() if replica_configured() else nullcontext(), unprepared():
        yield


def _streamed_for_analysis(chunks):
    iterator = iter(chunks)
    while True:
        with _reading_for_analysis():
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk
