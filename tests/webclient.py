"""A Flask test client that sends the CSRF token like a browser does, and logs in through the form."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

_TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class WebClient(FlaskClient):
    def csrf_token(self) -> str:
        page = self.get("/login").get_data(as_text=True)
        if (match := _TOKEN.search(page)) is None:  # logged in: /login redirects, so ask the home page
            page = self.get("/", follow_redirects=True).get_data(as_text=True)
            match = _TOKEN.search(page)
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token."""
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)

    def login(self, username: str, password: str = "secret-pass-1"):
        return self.submit("/login", {"username": username, "password": password}, follow_redirects=True)
