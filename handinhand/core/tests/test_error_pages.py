"""With DEBUG off, users get the platform's own Chinese error pages."""


def test_error_pages_are_in_chinese(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
