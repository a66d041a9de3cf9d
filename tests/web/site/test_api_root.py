def test_openapi_schema_is_served(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "printhub API"


def test_api_docs_page(client, db):
    assert client.get("/api/docs").status_code == 200
