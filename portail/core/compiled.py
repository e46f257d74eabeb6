"""Querysets compiled once per process and database, then run again with other values.

Building a queryset and compiling it to SQL costs the ORM 0.7–1 ms per query on the target machines, three
times what PostgreSQL spends running it; a file's tab makes a handful of such queries on every page. A
`CompiledQuery` is written as an ordinary queryset whose variable values are parameters: it is compiled the
first time, with stand-in values the compiled parameters are searched for, and each later call sends the same
SQL with the real values and builds the model instances the way Django's own `ModelIterable` does (each field's
converters, `select_related` objects). A `values(…).annotate(…)` queryset gives dicts instead, as Django's
`ValuesIterable` does: an aggregate written that way (grouped by the file) is compiled too.

    FILE = CompiledQuery(lambda code, number: Dossier.objects.select_related("caf")
                         .filter(caf__code=code, number=number), str, str)
    FILE.first("101", "1234567")
"""
import threading
from collections.abc import Callable
from itertools import count

from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators

_stand_ins = count(1)


def _stand_in(kind: type):
    """A value no real query uses, of the parameter's type, found again among the compiled parameters."""
    n = next(_stand_ins)
    if kind is int:
        return -7_000_000_000_000 - n
    if kind is str:
        return f"\x1fcompiled-parameter-{n}\x1f"
    raise TypeError(f"CompiledQuery parameters are int or str, not {kind!r}")


class _Compiled:
    """The SQL of one database, where each parameter goes in it, and how its rows become instances."""

    def __init__(self, queryset: QuerySet, stand_ins: list, alias: str):
        compiler = queryset.query.get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        # Each compiled parameter: ("value", constant) or ("arg", position of the call's value).
        self.slots = []
        for param in params:
            found = [i for i, s in enumerate(stand_ins) if type(param) is type(s) and param == s]
            self.slots.append(("arg", found[0]) if found else ("value", param))
        if {i for kind, i in self.slots if kind == "arg"} != set(range(len(stand_ins))):
            # A lookup changed the value on its way (icontains, a cast…): the stand-in is not found as given.
            raise ValueError(f"CompiledQuery: each parameter must reach the SQL unchanged ({self.sql})")
        self.compiler = compiler
        self.alias = alias
        # What `results_iter` works out on every call (a converter lookup per column): once, here.
        columns = [s[0] for s in compiler.select[0:compiler.col_count]]
        self.converters = compiler.get_converters(columns)
        self.composite = compiler.has_composite_fields(columns)
        query = queryset.query
        if queryset._iterable_class is ValuesIterable:  # values(): rows become dicts
            self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
            return
        if queryset._iterable_class is not ModelIterable:
            raise TypeError("CompiledQuery: a queryset of model instances or of values() dicts")
        self.names = None
        klass_info, select = compiler.klass_info, compiler.select
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start:self.end]]
        self.related_populators = get_related_populators(klass_info, select, alias)
        self.annotations = compiler.annotation_col_map

    def run(self, values: tuple) -> list:
        params = [values[x] if kind == "arg" else x for kind, x in self.slots]
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        rows = self._converted(rows)
        if self.names is not None:
            return [dict(zip(self.names, row)) for row in rows]
        out = []
        for row in rows:
            obj = self.model.from_db(self.alias, self.init_list, row[self.start:self.end])
            for populator in self.related_populators:
                populator.populate(row, obj)
            for name, position in (self.annotations or {}).items():
                setattr(obj, name, row[position])
            out.append(obj)
        return out

    def _converted(self, rows: list):
        """The rows as `compiler.results_iter` gives them: each column through its converters."""
        if self.composite:
            return self.compiler.results_iter(results=[rows])
        return self.compiler.apply_converters(rows, self.converters) if self.converters else rows


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], *kinds: type):
        self.build = build
        self.kinds = kinds
        self._by_alias: dict[str, _Compiled] = {}
        self._model = None
        self._lock = threading.Lock()

    def _compiled(self, alias: str | None) -> _Compiled:
        if alias is None:
            if self._model is None:
                self._model = self.build(*(_stand_in(k) for k in self.kinds)).model
            alias = router.db_for_read(self._model)
        compiled = self._by_alias.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._by_alias.get(alias)
                if compiled is None:
                    stand_ins = [_stand_in(k) for k in self.kinds]
                    compiled = self._by_alias[alias] = _Compiled(self.build(*stand_ins), stand_ins, alias)
        return compiled

    def __call__(self, *values, using: str | None = None) -> list:
        if len(values) != len(self.kinds):
            raise TypeError(f"CompiledQuery expects {len(self.kinds)} values, got {len(values)}")
        for value, kind in zip(values, self.kinds, strict=True):
            if type(value) is not kind:
                raise TypeError(f"CompiledQuery parameter {value!r} is not {kind.__name__}")
        return self._compiled(using).run(values)

    def first(self, *values, using: str | None = None):
        found = self(*values, using=using)
        return found[0] if found else None
