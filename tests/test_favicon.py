"""Every page names its icon, served from the package (no console error for /favicon.ico)."""
import re


def test_pages_link_an_icon_that_is_served(client):
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)"', page)
    assert href, "the login page links no icon"
    icon = client.get(href.group(1))
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data
