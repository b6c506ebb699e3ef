from __future__ import annotations

import httpx


async def test_openapi_lists_every_partner_endpoint_with_ids_schemas_and_errors(
    client: httpx.AsyncClient,
) -> None:
    spec = (await client.get("/v3/openapi.json")).json()
    operation_ids = []
    for path, methods in spec["paths"].items():
        assert path.startswith("/v3/"), path
        for method, operation in methods.items():
            operation_ids.append(operation["operationId"])
            assert operation.get("description") or operation.get("summary"), (method, path)
            responses = operation["responses"]
            assert "500" in responses, (method, path)
            assert any(code.startswith("4") for code in responses), (method, path)
            error = responses["500"]["content"]["application/json"]
            assert error["schema"]["$ref"].endswith("/ErrorEnvelope")
    assert len(operation_ids) == len(set(operation_ids))
    for expected in (
        "login",
        "refreshToken",
        "createIndividual",
        "getIndividual",
        "listIndividuals",
        "updateIndividual",
        "listEvents",
        "getEvent",
    ):
        assert expected in operation_ids
    example = spec["components"]["schemas"]["IndividualCreate"]["examples"][0]
    assert example["address"]["street1"] == "Mälarö torg 2"


async def test_docs_page_is_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/v3/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert (await client.get("/v3/docs/static/swagger-ui-bundle.js")).status_code == 200
