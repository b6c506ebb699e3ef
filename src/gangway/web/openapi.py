"""The partner API's OpenAPI document, made exact.

FastAPI's generated document is close; this module fixes what it cannot know:

- every operation declares FastAPI's default ``422 HTTPValidationError`` although validation
  errors are answered ``400 validation_error`` with the envelope: that response (and its two
  schemas) goes; an operation's own ``422 request_blocked`` stays;
- path ids and the ``starting_after`` cursor are UUIDs (``format: uuid``). An id that is not one,
  or that is unknown or another partner's, is a 404 (a malformed cursor is a 400);
- response ``links`` let a client (and Schemathesis' stateful tests) follow an id from the
  response that created or listed it to the operations that take it;
- the OpenAPI 3.1 ``webhooks`` section, given by the caller (``events.schemas``).

The result is checked: every declared error response is the envelope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

# (operationId, {parameter: runtime expression}) or (operationId, {...}, request body)
Link = tuple[str, Mapping[str, str]] | tuple[str, Mapping[str, str], Mapping[str, str]]

ID_OF_BODY = "$response.body#/id"

_DEFAULT_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"


def _links(param: str, *operations: str, source: str = ID_OF_BODY) -> dict[str, Link]:
    return {operation: (operation, {param: source}) for operation in operations}


INDIVIDUAL_OPERATIONS = (
    "getIndividual",
    "updateIndividual",
    "onboardIndividual",
    "simulateIdentityVerification",
    "simulateProofOfAddressVerification",
)
WEBHOOK_OPERATIONS = (
    "getWebhook",
    "updateWebhook",
    "deleteWebhook",
    "rotateWebhookSecret",
    "listWebhookDeliveries",
    "recoverWebhookDeliveries",
)
PENDING_ACTION_OPERATIONS = ("getPendingAction", "simulatePendingActionCompleted")

# operationId -> status -> link name -> (target operationId, parameters)
LINKS: dict[str, dict[str, dict[str, Link]]] = {
    "createIndividual": {
        "201": {
            **_links("individual_id", *INDIVIDUAL_OPERATIONS),
            "listEventsOfIndividual": ("listEvents", {"individual_id": ID_OF_BODY}),
            "listPendingActionsOfIndividual": (
                "listPendingActions",
                {"individual_id": ID_OF_BODY},
            ),
        }
    },
    "getIndividual": {"200": _links("individual_id", "updateIndividual", "onboardIndividual")},
    "onboardIndividual": {
        "200": {
            "simulateOnboardingKyc": (
                "simulateOnboardingKyc",
                {},
                {"individual_id": "$request.path.individual_id"},
            ),
        }
    },
    "updateIndividual": {"200": _links("individual_id", "getIndividual", "onboardIndividual")},
    "listIndividuals": {
        "200": {
            "getFirstIndividual": ("getIndividual", {"individual_id": "$response.body#/data/0/id"}),
            "nextIndividualsPage": (
                "listIndividuals",
                {"starting_after": "$response.body#/data/0/id"},
            ),
        }
    },
    "simulateOnboardingKyc": {
        "200": {
            **_links(
                "individual_id",
                "getIndividual",
                "simulateIdentityVerification",
                "simulateProofOfAddressVerification",
            ),
            "simulateOnboardingStatus": (
                "simulateOnboardingStatus",
                {},
                {"individual_id": ID_OF_BODY, "status": "activated"},
            ),
        }
    },
    "simulateOnboardingStatus": {
        "200": _links(
            "individual_id",
            "getIndividual",
            "simulateIdentityVerification",
            "simulateProofOfAddressVerification",
        )
    },
    "simulateIdentityVerification": {
        "201": {
            **_links("pending_action_id", *PENDING_ACTION_OPERATIONS),
            "getConsent": ("getConsent", {"consent_id": "$response.body#/payload/consent_id"}),
            "openConsent": ("openConsent", {"consent_id": "$response.body#/payload/consent_id"}),
        }
    },
    "simulateProofOfAddressVerification": {
        "201": {
            **_links("pending_action_id", *PENDING_ACTION_OPERATIONS),
            "getConsent": ("getConsent", {"consent_id": "$response.body#/payload/consent_id"}),
            "openConsent": ("openConsent", {"consent_id": "$response.body#/payload/consent_id"}),
        }
    },
    "simulatePendingActionCompleted": {"200": _links("pending_action_id", "getPendingAction")},
    "listPendingActions": {
        "200": {
            "getFirstPendingAction": (
                "getPendingAction",
                {"pending_action_id": "$response.body#/data/0/id"},
            ),
        }
    },
    "getPendingAction": {
        "200": {
            "getConsent": ("getConsent", {"consent_id": "$response.body#/payload/consent_id"}),
            "getIndividual": (
                "getIndividual",
                {"individual_id": "$response.body#/payload/individual_id"},
            ),
        }
    },
    "getConsent": {"200": _links("consent_id", "openConsent")},
    "listEvents": {
        "200": {"getFirstEvent": ("getEvent", {"event_id": "$response.body#/data/0/id"})}
    },
    "createWebhook": {"201": _links("webhook_id", *WEBHOOK_OPERATIONS)},
    "getWebhook": {"200": _links("webhook_id", "updateWebhook", "deleteWebhook")},
    "updateWebhook": {"200": _links("webhook_id", "getWebhook", "rotateWebhookSecret")},
    "rotateWebhookSecret": {"200": _links("webhook_id", "getWebhook", "deleteWebhook")},
    "listWebhooks": {
        "200": {"getFirstWebhook": ("getWebhook", {"webhook_id": "$response.body#/data/0/id"})}
    },
    "listWebhookDeliveries": {
        "200": {
            "retryFirstDelivery": (
                "retryWebhookDelivery",
                {
                    "webhook_id": "$request.path.webhook_id",
                    "delivery_id": "$response.body#/data/0/id",
                },
            ),
        }
    },
}

UUID_PATH_DESCRIPTION = "An id (UUID). Unknown, malformed or another partner's: 404 `not_found`."
CURSOR_DESCRIPTION = (
    "The last `id` of the previous page. Not a UUID: 400 `validation_error`; unknown or another "
    "partner's: 404 `not_found`."
)


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for methods in document.get("paths", {}).values() for op in methods.values()]


def _drop_default_validation_error(document: dict[str, Any]) -> None:
    for operation in _operations(document):
        responses = operation.get("responses", {})
        unprocessable = responses.get("422", {})
        schema = unprocessable.get("content", {}).get("application/json", {}).get("schema", {})
        if schema.get("$ref", "").endswith("/HTTPValidationError"):
            del responses["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for name in _DEFAULT_VALIDATION_SCHEMAS:
        schemas.pop(name, None)


def _declare_uuids(document: dict[str, Any]) -> None:
    for operation in _operations(document):
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            if parameter["in"] == "path" and name.endswith("_id"):
                parameter["schema"] = {"type": "string", "format": "uuid"}
                parameter.setdefault("description", UUID_PATH_DESCRIPTION)
            elif parameter["in"] == "query" and name == "starting_after":
                parameter["schema"] = {"type": "string", "format": "uuid"}
                parameter["description"] = CURSOR_DESCRIPTION


def _add_links(document: dict[str, Any]) -> None:
    by_id = {op["operationId"]: op for op in _operations(document) if "operationId" in op}
    for source, statuses in LINKS.items():
        for status, links in statuses.items():
            response = by_id[source]["responses"][status]
            rendered = response.setdefault("links", {})
            for name, link in links.items():
                target, parameters = link[0], link[1]
                if target not in by_id:
                    raise ValueError(f"link {source}.{name}: no operation {target}")
                rendered[name] = {"operationId": target}
                if parameters:
                    rendered[name]["parameters"] = dict(parameters)
                if len(link) == 3:
                    rendered[name]["requestBody"] = dict(link[2])


def check_error_responses(document: dict[str, Any]) -> None:
    """Raise unless every 4xx/5xx response of every operation is the error envelope."""
    for operation in _operations(document):
        for status, response in operation.get("responses", {}).items():
            if not status.startswith(("4", "5")):
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref") != _ENVELOPE_REF:
                raise ValueError(f"{operation.get('operationId')} {status} is not the envelope")


def install_openapi(
    app: FastAPI,
    *,
    webhooks: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    """Serve the exact document at ``app.openapi_url``. ``webhooks(components)`` returns the
    ``webhooks`` section and may add schemas to ``components``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version=app.openapi_version,
            description=app.description,
            routes=app.routes,
            separate_input_output_schemas=app.separate_input_output_schemas,
        )
        _drop_default_validation_error(document)
        _declare_uuids(document)
        _add_links(document)
        if webhooks is not None:
            components = document.setdefault("components", {})
            document["webhooks"] = webhooks(components)
        check_error_responses(document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
