"""Route keys: the ``METHOD /path`` grammar, path parameters, and API Gateway's rule that a path
position has one parameter name across all routes."""

from __future__ import annotations

import re
from typing import Final

from .fields import _Problems

# HTTP API route methods (AWS "Working with routes for HTTP APIs").
HTTP_METHODS: Final = ("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

# Patterns end in \Z, not $: $ also matches before a final newline, which a YAML block scalar (|) adds.
_ROUTE = re.compile(r"^(?P<method>[A-Z]+) (?P<path>/\S*)\Z")
_ANY_CASE_ROUTE = re.compile(r"^(?P<method>[A-Za-z]+) (?P<path>/\S*)\Z")
# Express-style path parameters (/posts/:id): valid literal text to API Gateway, never what was meant.
_COLON_PARAMETER = re.compile(r"^:([A-Za-z0-9_]+)\Z")
_SEGMENT = re.compile(r"^(\{[A-Za-z0-9_]+\}|\{[A-Za-z0-9_]+\+\}|[A-Za-z0-9._~!$&'()*,;=:@-]+)\Z")


def route_key_problem(route_key: str) -> str | None:
    """What is wrong with a route key (``METHOD /path``), or ``None``: the grammar the program
    validates ``api.routes`` with, for anything else that reads route keys (``verify``)."""
    m = _ROUTE.match(route_key)
    methods = ", ".join(HTTP_METHODS)
    if not m:
        lower = _ANY_CASE_ROUTE.match(route_key)
        if lower and lower.group("method").upper() in HTTP_METHODS:
            fixed = f"{lower.group('method').upper()} {lower.group('path')}"
            return f"{route_key!r} has its method in lowercase: methods are uppercase, {fixed!r} (valid: {methods})"
        if lower:
            return f"{route_key!r} has an unknown method {lower.group('method')!r} (uppercase; valid: {methods})"
        return f"{route_key!r} is not 'METHOD /path' (e.g. 'GET /posts' or 'GET /posts/{{id}}')"
    method, path = m.group("method"), m.group("path")
    if method not in HTTP_METHODS:
        return f"{route_key!r} has an unknown method {method!r} (valid: {methods})"
    if path != "/":
        segments = path[1:].split("/")
        colons = [seg for seg in segments if _COLON_PARAMETER.match(seg)]
        if colons:
            fixed = "/".join(_COLON_PARAMETER.sub(r"{\1}", seg) for seg in segments)
            return (
                f"{route_key!r} writes the path parameter {colons[0]!r} Express-style, which API Gateway takes as "
                f"literal text: write {{{colons[0][1:]}}}, as in {f'{method} /{fixed}'!r}"
            )
        for i, seg in enumerate(segments):
            if not _SEGMENT.match(seg) or (seg.endswith("+}") and i != len(segments) - 1):
                return (
                    f"{route_key!r} has an invalid path segment {seg!r} (segments are literal text, "
                    "{name}, or a greedy {name+} as the last segment; no empty segments or trailing '/')"
                )
    return None


def _check_route_key(route_key: str, key: str, p: _Problems) -> bool:
    problem = route_key_problem(route_key)
    if problem is not None:
        p.add(key, problem)
    return problem is None


def _route_shape(route_key: str) -> str:
    """A route key with its path parameter names blanked: two keys of one shape match the same requests."""
    return re.sub(r"\{[A-Za-z0-9_]+(\+?)\}", r"{\1}", route_key)


def _path_parameters(route_key: str) -> list[tuple[str, str, str, bool]]:
    """Each path parameter of a route key: (the path before it with parameter names blanked, the
    same path as written, its name, greedy or not)."""
    segments = route_key.split(" ", 1)[1].split("/")[1:]
    found = []
    for i, seg in enumerate(segments):
        if seg.startswith("{"):
            before = "/" + "".join(f"{s}/" for s in segments[:i])
            found.append((_route_shape(before), before, seg.strip("{}+"), seg.endswith("+}")))
    return found


def _renamed_parameter(route_key: str, seen: dict[tuple[str, bool], tuple[str, str]]) -> str | None:
    """What is wrong if ``route_key`` names a path position differently from an earlier route;
    otherwise records its names in ``seen`` ((blanked path before, greedy) -> (name, route key)).

    API Gateway keeps one parameter name per path position across all routes, whatever their
    methods: ``DELETE /posts/{postId}`` beside ``GET /posts/{id}`` fails CreateRoute with
    ConflictException ("has a conflicting variable on the same hierarchical level"; reported by
    users, not in AWS's docs). A greedy and a plain parameter at one position are left alone."""
    params = _path_parameters(route_key)
    for shape, before, name, greedy in params:
        first = seen.get((shape, greedy))
        if first is not None and first[0] != name:
            plus = "+" if greedy else ""
            return (
                f"{route_key!r} calls the path parameter after {before} {{{name}{plus}}} where {first[1]!r} calls "
                f"it {{{first[0]}{plus}}}: API Gateway allows one name per path position across all routes and "
                "methods (ConflictException), so use one name"
            )
    for shape, _, name, greedy in params:
        seen.setdefault((shape, greedy), (name, route_key))
    return None
