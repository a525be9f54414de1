"""ARM requests checked against the copies of Microsoft's REST API specifications in ``specs/``.

A request is valid when one of the spec files of its api-version has an operation for its method
and path, and its JSON body validates against that operation's body parameter. Swagger 2.0
definitions are JSON Schema draft 4 plus keywords a validator ignores (``x-ms-*``, ``readOnly``);
``$ref``s across files are resolved by a ``referencing`` registry over the copies. Polymorphic
bodies (``discriminator: kind``) are checked against the definition whose
``x-ms-discriminator-value`` is the body's kind, as AutoRest clients and the service read them.
The specs' ``x-ms-examples`` name about 70 example files that are not copied: they are removed on
loading (no validator needs them).

The emulator checks connector bodies with it (arm.py); tests check every request a run made.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jsonschema
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPECS = Path(__file__).resolve().parent / "specs"
_SECURITY_INSIGHTS = SPECS / "securityinsights/resource-manager/Microsoft.SecurityInsights"
STABLE = "2021-10-01"
PREVIEW = "2025-07-01-preview"
# The spec files of each api-version the emulator serves Microsoft.SecurityInsights at.
STABLE_CONNECTORS = _SECURITY_INSIGHTS / "stable/2021-10-01/DataConnectors.json"
STABLE_ONBOARDING = _SECURITY_INSIGHTS / "stable/2021-10-01/OnboardingStates.json"
PREVIEW_CONNECTORS = _SECURITY_INSIGHTS / "preview/2025-07-01-preview/dataConnectors.json"
# The spec files of each api-version the emulator serves Microsoft.SecurityInsights at (connectors first).
SPEC_FILES = {STABLE: (STABLE_CONNECTORS, STABLE_ONBOARDING), PREVIEW: (PREVIEW_CONNECTORS,)}


def _without_examples(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_examples(value) for key, value in node.items() if key != "x-ms-examples"}
    if isinstance(node, list):
        return [_without_examples(item) for item in node]
    return node


@lru_cache(maxsize=None)
def load(path: Path) -> dict[str, Any]:
    """A spec file as JSON, without its x-ms-examples (do not change the answer: it is shared)."""
    return _without_examples(json.loads(path.read_text()))


def _retrieve(uri: str) -> Resource:
    if not uri.startswith("file://"):
        raise LookupError(f"only the local spec copies are used, not {uri}")
    return Resource(contents=load(Path(uri[len("file://") :])), specification=DRAFT4)


REGISTRY: Registry = Registry(retrieve=_retrieve)


def _uri(path: Path) -> str:
    return path.resolve().as_uri()


def _lookup(path: Path, ref: str) -> tuple[Path, Any]:
    """The file and the JSON a (local or relative) $ref of ``path`` points at."""
    file_part, _hash, pointer = ref.partition("#")
    target_file = (path.parent / file_part).resolve() if file_part else path
    node: Any = load(target_file)
    for part in pointer.strip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return target_file, node


def _absolute_refs(node: Any, base: str) -> Any:
    """A schema taken out of its file, its $refs made absolute so they resolve as in the file."""
    if isinstance(node, dict):
        return {
            key: urljoin(base, value) if key == "$ref" else _absolute_refs(value, base) for key, value in node.items()
        }
    if isinstance(node, list):
        return [_absolute_refs(item, base) for item in node]
    return node


def _template_pattern(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile(
        "^" + "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts) + "/?$", re.IGNORECASE
    )


def operation(method: str, path: str, api_version: str | None) -> tuple[Path, dict[str, Any]] | None:
    """The spec file and operation object for ``method`` on ``path`` at ``api_version``, or None."""
    for spec_file in SPEC_FILES.get(api_version or "", ()):
        for template, operations in load(spec_file)["paths"].items():
            if _template_pattern(template).match(path) and method.lower() in operations:
                return spec_file, operations[method.lower()]
    return None


def _concrete(spec_file: Path, schema: dict[str, Any], body: Any) -> dict[str, Any]:
    """The definition a polymorphic body is checked against: the subtype its discriminator names."""
    ref = schema.get("$ref", "")
    if not ref.startswith("#/definitions/") or not isinstance(body, dict):
        return schema
    base_name = ref.rsplit("/", 1)[1]
    definitions = load(spec_file)["definitions"]
    discriminator = definitions[base_name].get("discriminator")
    if not discriminator:
        return schema
    for name, definition in definitions.items():
        parents = [item.get("$ref") for item in definition.get("allOf", [])]
        if ref in parents and definition.get("x-ms-discriminator-value") == body.get(discriminator):
            return {"$ref": f"#/definitions/{name}"}
    return schema


def schema_violation(spec_file: Path, schema: dict[str, Any], instance: Any) -> str | None:
    """Why ``instance`` breaks ``schema`` (a schema of ``spec_file``, its subtype when polymorphic); None when valid."""
    rooted = _absolute_refs(_concrete(spec_file, schema, instance), _uri(spec_file))
    error = best_match(jsonschema.Draft4Validator(rooted, registry=REGISTRY).iter_errors(instance))
    return None if error is None else describe(error)


def body_violation(spec_file: Path, op: dict[str, Any], body: Any) -> str | None:
    """Why ``body`` breaks the operation's body parameter, naming the property; None when it validates."""
    for parameter in op.get("parameters", []):
        if "$ref" in parameter:
            parameter = _lookup(spec_file, parameter["$ref"])[1]
        if parameter.get("in") != "body":
            continue
        if body is None:
            return "Required body parameter '%s' not found." % parameter["name"] if parameter.get("required") else None
        return schema_violation(spec_file, parameter["schema"], body)
    return None


def describe(error: jsonschema.ValidationError) -> str:
    """A schema failure in the words the service uses for its own ("Required property ... Path ...")."""
    where = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        missing = next(name for name in error.validator_value if name not in error.instance)
        return f"Required property '{missing}' not found in JSON. Path '{where}'."
    return f"{error.message}. Path '{where}'."


def request_violation(method: str, path: str, api_version: str | None, body: Any = None) -> str | None:
    """Why an ARM request is not one the spec copies define (route, api-version, body); None when it is."""
    found = operation(method, path, api_version)
    if found is None:
        return f"no operation {method} {path} at api-version {api_version} in the spec copies"
    return body_violation(*found, body)


def kinds(api_version: str) -> tuple[str, ...]:
    """The data connector kinds of an api-version (its DataConnectorKind enum)."""
    return tuple(load(SPEC_FILES[api_version][0])["definitions"]["DataConnectorKind"]["enum"])


def answer_violation(spec_file: Path, definition: str, answer: Any) -> str | None:
    """Why an answer does not validate against a definition of ``spec_file`` (its subtype when polymorphic)."""
    return schema_violation(spec_file, {"$ref": f"#/definitions/{definition}"}, answer)
