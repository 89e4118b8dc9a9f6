"""A real OpenID Connect provider for the tests: `oidc-provider` (npm, package.json; installed by
`make test` through node_modules/.installed) run with node from tests/oidc/provider.mjs, on a free
port of 127.0.0.1, once per test session. Registered in tests/conftest.py (`pytest_plugins`).

`oidc_provider` starts and stops it; `oidc` (per test) points Paragraf's settings at it. The test
accounts (ACCOUNTS) have the claims an e-ID broker gives: a pseudonymous `sub`, the name, a
verified e-mail (the matching claim) and the assurance level of the login (`acr`). The tests log
in on its login page, by Playwright or by `OidcProvider.log_in` (HTTP, for the Django test client).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROVIDER_SCRIPT = PROJECT_DIR / "tests" / "oidc" / "provider.mjs"
START_TIMEOUT = 30  # seconds until the provider must answer its discovery document

LOA2 = "http://id.elegnamnden.se/loa/1.0/loa2"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
PASSWORD = "idp-password"
CLIENT_ID = "paragraf-test"
CLIENT_SECRET = "paragraf-test-secret-0123456789"


def _account(sub, name, email, acr=LOA3, verified=True):
    given, family = name.split(" ", 1)
    return {
        "password": PASSWORD,
        "acr": acr,
        "claims": {
            "sub": sub,
            "name": name,
            "given_name": given,
            "family_name": family,
            "email": email,
            "email_verified": verified,
        },
    }


# Logins at the test provider. The e-mail addresses are those of the people the tests create.
ACCOUNTS = {
    "anna": _account("idp-3f9a-anna", "Anna Gäst", "anna.gast@example.org"),
    "anna-loa2": _account("idp-3f9a-anna", "Anna Gäst", "anna.gast@example.org", acr=LOA2),
    "rachel": _account("idp-71c2-rachel", "Rachel De Basso", "rachel@example.org"),
    "josefine": _account("idp-0d4e-josefine", "Josefine Colliander", "josefine@example.org"),
    "mallory": _account("idp-9999-mallory", "Mallory Okänd", "mallory@example.org"),
    "unverified": _account("idp-5555-unverified", "Anna Gäst", "anna.gast@example.org", verified=False),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class OidcProvider:
    issuer: str
    process: subprocess.Popen
    log_path: Path

    def settings(self) -> dict:
        return {
            "PARAGRAF_OIDC_ISSUER": self.issuer,
            "PARAGRAF_OIDC_CLIENT_ID": CLIENT_ID,
            "PARAGRAF_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "PARAGRAF_OIDC_SCOPES": "openid email profile",
            "PARAGRAF_OIDC_MATCH_CLAIM": "email",
            "PARAGRAF_OIDC_MATCH_FIELD": "email",
            "PARAGRAF_OIDC_SIGNING_ACR": LOA3,
            "PARAGRAF_OIDC_ACR_ORDER": [LOA2, LOA3, "http://id.elegnamnden.se/loa/1.0/loa4"],
            "PARAGRAF_OIDC_PROVIDER_NAME": "Test-e-legitimation",
        }

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no provider log)"

    def log_in(self, authorize_url: str, login: str, password: str = PASSWORD) -> str:
        """Follow the provider's redirects and its login page as a browser would, over HTTP;
        return the URL it finally sends the browser to (Paragraf's callback, not fetched)."""
        import requests

        assert authorize_url.startswith(self.issuer + "/"), authorize_url
        http = requests.Session()
        url, response = authorize_url, None
        for _ in range(10):
            response = http.get(url, allow_redirects=False, timeout=10)
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["Location"])
                if not url.startswith(self.issuer + "/"):
                    return url
                continue
            break
        assert response.status_code == 200 and 'id="login"' in response.text, response.text[:500]
        url = urljoin(url, urlsplit(url).path)  # the login form posts to its own page
        response = http.post(url, data={"login": login, "password": password}, allow_redirects=False)
        for _ in range(10):
            assert response.status_code in (302, 303), response.text[:500]
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(self.issuer + "/"):
                return url
            response = http.get(url, allow_redirects=False, timeout=10)
        raise AssertionError("the provider did not send the browser back")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """The running test provider (skipped when node or the npm package is missing)."""
    node = shutil.which("node")
    if node is None or not (PROJECT_DIR / "node_modules" / "oidc-provider").exists():
        pytest.skip("node and node_modules/oidc-provider are needed (make test runs npm ci)")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("oidc") / "provider.log"
    env = {
        **os.environ,
        "OIDC_TEST_PORT": str(port),
        "OIDC_TEST_CLIENT": json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}),
        "OIDC_TEST_ACCOUNTS": json.dumps(ACCOUNTS),
        "OIDC_TEST_ACR": json.dumps([LOA2, LOA3]),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [node, str(PROVIDER_SCRIPT)], cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    provider = OidcProvider(issuer=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        _wait_until_answering(provider)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(provider: OidcProvider) -> None:
    import requests

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if provider.process.poll() is not None:
            raise RuntimeError(f"the OIDC provider exited:\n{provider.log_tail()}")
        try:
            answer = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=2)
            if answer.ok and answer.json()["issuer"] == provider.issuer:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the OIDC provider did not answer in {START_TIMEOUT} s:\n{provider.log_tail()}")


@pytest.fixture
def oidc(oidc_provider, settings):
    """Paragraf configured for the test provider, for one test."""
    for name, value in oidc_provider.settings().items():
        setattr(settings, name, value)
    return oidc_provider
