"""Check release packages against the OCDS 1.1.5 schema shipped in schema/ocds-1.1.5, offline.

- `jsonschema` (Draft 4, as OCDS's schema declares), with the package schema's reference to the release
  schema resolved to the shipped copy, never fetched;
- every closed codelist (`"openCodelist": false` in the schema) checked against its shipped CSV, so a
  code that the schema's `enum` would not catch (or a copy of the schema without enums) is still found.

Used by the tests and bench/bench_ocds.py; `jsonschema` is a test dependency, not a runtime one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent / "schema" / "ocds-1.1.5"


@cache
def load_schema(name: str) -> dict:
    """One of the shipped schema files, parsed (once)."""
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@cache
def _validators():
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    release_schema = load_schema("release-schema.json")
    package_schema = load_schema("release-package-schema.json")
    registry = Registry().with_resources(
        (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        for schema in (release_schema, package_schema)
    )
    checker = Draft4Validator.FORMAT_CHECKER
    return (
        Draft4Validator(package_schema, registry=registry, format_checker=checker),
        Draft4Validator(release_schema, registry=registry, format_checker=checker),
    )


@cache
def closed_codelists() -> dict[str, frozenset[str]]:
    """Codelist file name -> its codes, for the closed codelists the release schema uses."""
    names = {spec["codelist"] for spec in _codelist_fields(load_schema("release-schema.json"))
             if spec.get("openCodelist") is False}  # fmt: skip
    lists = {}
    for name in names:
        with (SCHEMA_DIR / "codelists" / name).open(encoding="utf-8", newline="") as handle:
            lists[name] = frozenset(row["Code"] for row in csv.DictReader(handle))
    return lists


def _codelist_fields(node) -> Iterator[dict]:
    if isinstance(node, dict):
        if "codelist" in node:
            yield node
        for value in node.values():
            yield from _codelist_fields(value)
    elif isinstance(node, list):
        for value in node:
            yield from _codelist_fields(value)


# Where the closed codelists sit in a release: (path, codelist file); "[]" walks an array.
CODELIST_PATHS = (
    (("tag", "[]"), "releaseTag.csv"),
    (("initiationType",), "initiationType.csv"),
    (("tender", "status"), "tenderStatus.csv"),
    (("tender", "procurementMethod"), "method.csv"),
    (("tender", "mainProcurementCategory"), "procurementCategory.csv"),
    (("tender", "value", "currency"), "currency.csv"),
    (("awards", "[]", "status"), "awardStatus.csv"),
    (("awards", "[]", "value", "currency"), "currency.csv"),
    (("contracts", "[]", "status"), "contractStatus.csv"),
    (("contracts", "[]", "value", "currency"), "currency.csv"),
)


def _values_at(node, path: tuple[str, ...]) -> Iterator:
    if not path:
        yield node
        return
    head, rest = path[0], path[1:]
    if head == "[]":
        for item in node if isinstance(node, list) else ():
            yield from _values_at(item, rest)
    elif isinstance(node, dict) and head in node:
        yield from _values_at(node[head], rest)


def codelist_errors(release: dict) -> list[str]:
    lists = closed_codelists()
    errors = []
    for path, name in CODELIST_PATHS:
        for value in _values_at(release, path):
            if value not in lists[name]:
                errors.append(f"{release.get('id')}: {'.'.join(path)} = {value!r} is not in {name}")
    return errors


def release_errors(release: dict) -> list[str]:
    """Every schema and closed-codelist error of one release, as readable lines."""
    _, validator = _validators()
    errors = [
        f"{release.get('id')}: {'/'.join(map(str, e.absolute_path)) or '(release)'}: {e.message}"
        for e in validator.iter_errors(release)
    ]
    return errors + codelist_errors(release)


def package_errors(package: dict, releases: Iterable[dict] | None = None) -> list[str]:
    """Every error of a release package. `releases`, when given, are checked one by one instead of
    `package["releases"]` (a streamed export need not be read whole into memory)."""
    package_validator, _ = _validators()
    skeleton = dict(package)
    if releases is None:
        releases = package.get("releases") or []
    # The package's own fields are checked with a stand-in release; each release is checked below.
    skeleton["releases"] = [{"ocid": "x", "id": "x", "date": "2026-01-01T00:00:00Z", "tag": ["tender"],
                             "initiationType": "tender"}]  # fmt: skip
    errors = [
        f"package: {'/'.join(map(str, e.absolute_path)) or '(package)'}: {e.message}"
        for e in package_validator.iter_errors(skeleton)
    ]
    count = 0
    seen: set[str] = set()
    for release in releases:
        count += 1
        errors += release_errors(release)
        if release.get("id") in seen:
            errors.append(f"{release.get('id')}: the release id is used twice")
        seen.add(release.get("id"))
    if not count:
        errors.append("package: releases: an OCDS package holds at least one release")
    return errors
