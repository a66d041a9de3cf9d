def test_openapi_schema_is_served(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "printhub API"


def test_api_docs_page(client, db):
    assert client.get("/api/docs").status_code == 200


def test_every_schema_has_its_own_name():
    """OpenAPI components are keyed by class name: two schemas of one name would share a
    component, and one app's responses would be documented with the other's fields."""
    from ninja import Schema

    import printhub.site.api  # noqa: F401  (imports every app's API)

    def descendants(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from descendants(sub)

    ours = [c for c in descendants(Schema) if c.__module__.startswith("printhub.")]
    names = [c.__name__ for c in ours]
    assert ours and len(names) == len(set(names)), sorted(
        f"{c.__module__}.{c.__name__}" for c in ours if names.count(c.__name__) > 1
    )
