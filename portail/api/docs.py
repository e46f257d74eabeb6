"""« Documentation de l'API »: a server-rendered DSFR page written from the OpenAPI schema itself (no
script from elsewhere, nothing the CSP would block), so the page and the schema never disagree."""
from functools import lru_cache

from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


@lru_cache(maxsize=1)
def api_schema() -> dict:
    return SchemaGenerator(patterns=None).get_schema(request=None, public=True)


def _resolve(schema: dict, node: dict | None) -> dict:
    while node and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"].get(name, {})
    return node or {}


def _fields(schema: dict, body: dict | None) -> list[dict]:
    node = _resolve(schema, body)
    if node.get("type") == "array":
        node = _resolve(schema, node.get("items"))
    required = set(node.get("required", []))
    rows = []
    for name, prop in (node.get("properties") or {}).items():
        prop = _resolve(schema, prop) if "$ref" in prop else prop
        kind = prop.get("type") or ("objet" if "allOf" in prop or "oneOf" in prop else "")
        if prop.get("format"):
            kind = f"{kind} ({prop['format']})"
        if prop.get("enum"):
            kind = f"{kind} : {', '.join(str(v) for v in prop['enum'] if v is not None)}"
        rows.append({"name": name, "type": kind, "required": name in required,
                     "read_only": prop.get("readOnly", False), "description": prop.get("description", "")})
    return rows


def endpoints() -> list[dict]:
    schema = api_schema()
    rows = []
    for path, operations in schema.get("paths", {}).items():
        for method in METHODS:
            op = operations.get(method)
            if op is None:
                continue
            content = (op.get("requestBody") or {}).get("content", {}).get("application/json", {})
            rows.append({
                "method": method.upper(),
                "path": path,
                "summary": op.get("summary", ""),
                "description": op.get("description", ""),
                "parameters": [{"name": p["name"], "where": p["in"], "required": p.get("required", False),
                                "description": p.get("description", "")} for p in op.get("parameters", [])],
                "body": _fields(schema, content.get("schema")) if content else [],
                "responses": sorted(op.get("responses", {}).keys()),
                "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-"),
            })
    return rows


def documentation(request):
    title = "Documentation de l'API"
    return render(request, "api/documentation.html", {
        "title": title, "breadcrumb": [{"title": title}], "endpoints": endpoints(),
        "info": api_schema().get("info", {}),
    })
