#!/usr/bin/env python3
"""schema.py — check a JSON answer against a schema of an OpenAPI document.

  schema.py OPENAPI.json METHOD PATH STATUS < answer.json

Standard library only (the machines reach no PyPI). Covers what our
documents use: type (string, integer, number, boolean, object, array,
null), required, properties, additionalProperties false, items, enum,
oneOf, pattern, minimum, minLength, maxLength. Prints "ok" or the first
mismatch with its JSON path; exit 0 or 1.
"""
import json
import re
import sys

TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
         "object": dict, "array": list, "null": type(None)}


def check(v, s, path):
    if "oneOf" in s:
        errs = [check(v, alt, path) for alt in s["oneOf"]]
        ok = [e for e in errs if e is None]
        return None if len(ok) == 1 else f"{path}: matches {len(ok)} of oneOf ({[e for e in errs if e]})"
    t = s.get("type")
    if t:
        if t in ("integer", "number") and isinstance(v, bool):
            return f"{path}: boolean where {t} wanted"
        if t == "integer" and isinstance(v, float) and v.is_integer():
            v = int(v)
        if not isinstance(v, TYPES[t]):
            return f"{path}: {type(v).__name__} where {t} wanted"
    if "enum" in s and v not in s["enum"]:
        return f"{path}: {v!r} not one of {s['enum']}"
    if isinstance(v, str):
        if "pattern" in s and not re.search(s["pattern"], v):
            return f"{path}: {v!r} does not match {s['pattern']}"
        if "minLength" in s and len(v) < s["minLength"]:
            return f"{path}: shorter than {s['minLength']}"
        if "maxLength" in s and len(v) > s["maxLength"]:
            return f"{path}: longer than {s['maxLength']}"
    if isinstance(v, (int, float)) and not isinstance(v, bool) and "minimum" in s and v < s["minimum"]:
        return f"{path}: {v} below {s['minimum']}"
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                return f"{path}: {k} missing"
        props = s.get("properties", {})
        for k, x in v.items():
            if k in props:
                e = check(x, props[k], f"{path}.{k}")
                if e:
                    return e
            elif s.get("additionalProperties") is False:
                return f"{path}: {k} is not in the schema"
    if isinstance(v, list) and "items" in s:
        for i, x in enumerate(v):
            e = check(x, s["items"], f"{path}[{i}]")
            if e:
                return e
    return None


def main():
    doc = json.load(open(sys.argv[1], encoding="utf-8"))
    method, path, status = sys.argv[2].lower(), sys.argv[3], sys.argv[4]
    op = doc["paths"][path][method]
    resp = op["responses"].get(status)
    if not resp:
        print(f"status {status} is not documented for {method.upper()} {path}")
        return 1
    schema = resp["content"]["application/json"]["schema"]
    try:
        v = json.load(sys.stdin)
    except ValueError as e:
        print(f"not JSON: {e}")
        return 1
    e = check(v, schema, "$")
    print(e or "ok")
    return 1 if e else 0


if __name__ == "__main__":
    sys.exit(main())
