"""The OpenAPI schema is generated without a fault: every component and operation has a name
of its own, stable from one schema to the next (no hashed enum names, no numbered ids)."""

from __future__ import annotations

import re

from drf_spectacular.generators import SchemaGenerator


def test_every_name_in_the_schema_is_its_own(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    names = list(schema["components"]["schemas"])
    hashed = [n for n in names if re.search(r"[0-9a-f]{3}Enum$", n)]
    assert not hashed, hashed
    operations = [op["operationId"] for path in schema["paths"].values()
                  for op in path.values() if isinstance(op, dict) and "operationId" in op]
    assert len(operations) == len(set(operations))
    assert not [o for o in operations if re.search(r"_[0-9]+$", o)]
    assert {"v1_sras_move", "v1_plans_move"} <= set(operations)
    assert {"DutyStationKindEnum", "PersonStatusEnum", "AccountStatusEnum"} <= set(names)
