def test_home_is_korean_by_default(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "ko"
    page = response.content.decode()
    assert "공공 센터에서 출력하세요" in page
    assert "전주 3D프린팅 융복합센터" in page


def test_browser_language_does_not_override_korean(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "ko"


def test_language_switch_gives_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    page = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "Print it at a public center" in page
    assert "Jeonju 3D Printing Convergence Center" in page


def test_every_page_has_the_language_switch(client, db):
    page = client.get("/").content.decode()
    assert 'name="language" value="ko"' in page and 'name="language" value="en"' in page


def test_health(client, db):
    assert client.get("/health").json() == {"status": "ok"}


def test_language_switch_remembers_a_signed_in_persons_choice(client_for, people):
    client = client_for("citizen")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    people["citizen"].refresh_from_db()
    assert people["citizen"].preferred_language == "en"


def test_saved_language_applies_without_the_cookie(client_for, people):
    people["student"].preferred_language = "en"
    people["student"].save()
    response = client_for("student").get("/")
    assert response["Content-Language"] == "en"
