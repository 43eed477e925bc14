"""The OpenAPI schema tells the truth: generated without a warning, every error answer
documented, nullable where the data can be null, and each operation's input named apart from
any other's. Regression tests for the faults schemathesis found (issue 17)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest
from django.core.exceptions import FieldDoesNotExist, ValidationError
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework import serializers

import vigil
from vigil.places.demo import area_code
from vigil.places.models import SecurityArea

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        GENERATOR_STATS.reset()
        generated = SchemaGenerator().get_schema(request=None, public=True)
        generated["x-warnings"] = dict(GENERATOR_STATS._warn_cache)
        generated["x-errors"] = dict(GENERATOR_STATS._error_cache)
        GENERATOR_STATS.reset()
    return generated


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in schema["paths"].items()
            for method, op in item.items() if method in METHODS]


def _component(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def test_the_schema_is_generated_without_a_warning_or_an_error(schema):
    # `vigil spectacular --validate --fail-on-warn` counts the same warnings: a new one (two
    # serializers with one name, a field whose type cannot be read) fails here.
    warnings, errors = schema.pop("x-warnings"), schema.pop("x-errors")
    assert not warnings, "\n".join(warnings)
    assert not errors, "\n".join(errors)
    validate_schema(schema)


def test_every_operation_documents_its_error_answers(schema):
    error = "#/components/schemas/ErrorOutput"
    for path, method, op in _operations(schema):
        codes = set(op["responses"])
        assert {"401", "403", "404", "429"} <= codes, (method, path, codes)
        if method in {"post", "put", "patch"}:
            assert {"400", "409"} <= codes, (method, path, codes)
        if any(p["in"] == "query" for p in op.get("parameters", [])):
            assert "400" in codes, (method, path, codes)
        ref = op["responses"]["403"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == error
    body = schema["components"]["schemas"]["ErrorOutput"]
    assert set(body["required"]) == {"code", "message"}
    assert {"field", "code", "message"} <= set(_component(
        schema, body["properties"]["errors"]["items"]["$ref"])["required"])


def test_writes_offer_no_untyped_form_body(schema):
    # A form carries every value as text: an id sent as a form field is refused as "not a
    # number", so the schema offers JSON (or the upload's multipart, or a CAP alert's XML).
    for path, method, op in _operations(schema):
        media = set(op.get("requestBody", {}).get("content", {}))
        assert "application/x-www-form-urlencoded" not in media, (method, path)
        assert media != {"application/json", "multipart/form-data"}, (method, path)


@pytest.mark.parametrize("action", ["approve", "return", "start-review"])
def test_a_security_level_decision_asks_for_the_version_read(schema, action):
    op = schema["paths"][f"/api/v1/security-levels/{{id}}/{action}/"]["post"]
    body = _component(schema, op["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    assert "version" in body["required"]


@pytest.mark.parametrize(("component", "field"), [
    ("CategoryOutput", "category"),
    ("IncidentOutput", "subcategory"),
    ("IncidentOutput", "country"),
    ("LevelReviewOutput", "decided_by"),
])
def test_a_relation_that_may_be_empty_is_nullable_in_the_schema(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True


def _api_modules() -> list[Any]:
    modules = []
    for info in pkgutil.walk_packages(vigil.__path__, "vigil."):
        last = info.name.rsplit(".", 1)[-1]
        if ".tests" not in info.name and (last == "api" or last.endswith("_api")):
            modules.append(importlib.import_module(info.name))
    return modules


def _nullable_path(model: Any, source: str) -> bool | None:
    nullable = False
    for part in source.split("."):
        try:
            field = model._meta.get_field(part)
        except (FieldDoesNotExist, AttributeError):
            return None
        if field.auto_created and not field.concrete:  # a reverse relation: a list
            return None
        nullable = nullable or bool(getattr(field, "null", False))
        model = field.related_model or model
    return nullable


def test_every_read_field_over_a_nullable_column_allows_null():
    """A field declared by hand (a code in place of an id) over a column that may be null says
    so, as DRF's own fields do: the schema then allows the null the API sends."""
    relation_like = (serializers.RelatedField, serializers.CharField)
    faults = []
    for module in _api_modules():
        for name, cls in vars(module).items():
            if not (inspect.isclass(cls) and issubclass(cls, serializers.ModelSerializer)
                    and cls.__module__ == module.__name__):
                continue
            for field_name, field in cls().fields.items():
                if not field.read_only or field.allow_null or not isinstance(field,
                                                                              relation_like):
                    continue
                source = field.source if field.source not in {None, "*"} else field_name
                if _nullable_path(cls.Meta.model, source):
                    faults.append(f"{module.__name__}.{name}.{field_name}")
    assert not faults, faults


@pytest.mark.parametrize(("name", "code"), [
    ("São Paulo", "SAOPAULO"), ("Port-au-Prince", "PORTAUPRINCE"), ("Zürich", "ZURICH"),
    ("Ho Chi Minh City", "HOCHIMINHCITY"), ("Αθήνα", "AREA"),
])
def test_a_demo_area_code_is_ascii_capitals(name, code):
    assert area_code(name) == code


def test_an_area_code_with_a_letter_outside_ascii_is_refused(cast):
    area = SecurityArea(country=cast.kenya, code="SÃOPAULO", name="Greater São Paulo")
    with pytest.raises(ValidationError) as refused:
        area.full_clean()
    assert "code" in refused.value.message_dict


def test_the_api_refuses_an_area_code_outside_ascii(cast, user_with, api):
    from vigil.core.authz import Role

    admin = user_with(Role.ADMINISTRATOR)
    response = api(admin).post("/api/v1/security-areas/", {
        "country": "KE", "code": "SÃOPAULO", "name": "Greater São Paulo"}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["code"]
