"""The staff web chat at ``/``: its files are served with the right types and meet the
Content-Security-Policy; and, as the acceptance test, a real headless Chromium signs in,
streams a quote, and approves sending a mail against uvicorn and a real database."""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import cast

import httpx
import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as DriverService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from api.app import create_app
from api.auth.tokens import generate_token
from api.hardening.headers import CSP
from api.routes.web import WEB_DIR
from memory.database import Database
from memory.models import Lead, OutboundEmail
from memory.models.enums import LeadSource, LeadStatus, Service, StaffRole
from memory.repositories.staff import StaffRepository
from tests.settings import make_settings

QUOTE = "Hvad koster en flytterengøring på 80 m2?"
DRAFT = "Skriv en mail til mette.hansen@example.dk om at vi kan komme på torsdag"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT_S = 60

# ---------------------------------------------------------------- the files


@dataclass
class _Page(HTMLParser):
    """What the CSP cares about in an HTML page."""

    scripts: list[dict[str, str | None]] = field(default_factory=list)
    inline_scripts: list[str] = field(default_factory=list)
    stylesheets: list[str] = field(default_factory=list)
    style_elements: int = 0
    style_attrs: list[str] = field(default_factory=list)
    handler_attrs: list[str] = field(default_factory=list)
    i18n_keys: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    labels_for: set[str] = field(default_factory=set)
    _in_script: bool = False

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a)
            self._in_script = True
        if tag == "style":
            self.style_elements += 1
        if tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a.get("href") or "")
        if tag == "label" and a.get("for"):
            self.labels_for.add(str(a["for"]))
        for name, value in attrs:
            if name == "style":
                self.style_attrs.append(tag)
            if name.startswith("on"):
                self.handler_attrs.append(f"{tag}[{name}]")
            if name in ("data-i18n", "data-i18n-placeholder") and value:
                self.i18n_keys.add(value)
            if name == "id" and value:
                self.ids.add(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts.append(data.strip())


@pytest.fixture
async def web() -> AsyncIterator[httpx.AsyncClient]:
    """The app without its lifespan: the page's files need no database."""
    app = create_app(make_settings("postgresql://localhost/unused"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_the_page_and_its_files_are_served_with_their_types_and_the_csp(
    web: httpx.AsyncClient,
) -> None:
    page = await web.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.text == (WEB_DIR / "index.html").read_text(encoding="utf-8")

    parsed = _Page()
    parsed.feed(page.text)
    assert [s.get("src") for s in parsed.scripts] == ["/web/app.js"]
    assert parsed.stylesheets == ["/web/app.css"]
    for url, media_type in (("/web/app.js", "text/javascript"), ("/web/app.css", "text/css")):
        resp = await web.get(url)
        assert resp.status_code == 200, url
        assert resp.headers["content-type"] == f"{media_type}; charset=utf-8"
        assert resp.headers["content-security-policy"] == CSP
        assert resp.headers["cache-control"] == "no-cache"
        assert resp.text == (WEB_DIR / url.rsplit("/", 1)[1]).read_text(encoding="utf-8")
    assert (await web.get("/favicon.ico")).status_code == 204
    # The page is not an API route.
    assert "/" not in (await web.get("/openapi.json")).json()["paths"]


def test_the_page_has_no_inline_script_or_style_and_no_external_resources() -> None:
    html = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    script = (WEB_DIR / "app.js").read_text(encoding="utf-8")
    css = (WEB_DIR / "app.css").read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(html)
    assert parsed.inline_scripts == []
    assert parsed.style_elements == 0
    assert parsed.style_attrs == []
    assert parsed.handler_attrs == []  # onclick= and friends are inline script too
    # Same-origin files only: no CDN, no web fonts, no remote images.
    for text in (html, script, css):
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.IGNORECASE)
        assert "@import" not in text
    # Nothing the CSP would block or that would parse server text as HTML.
    for forbidden in ("eval(", "new Function", "innerHTML", "outerHTML", "insertAdjacentHTML"):
        assert forbidden not in script, forbidden
    assert ".style." not in script and 'setAttribute("style"' not in script
    # Every form field has a label; every translated text exists in Danish and English.
    assert {"token-input", "message-input"} <= parsed.labels_for
    for key in parsed.i18n_keys:
        assert script.count(f'"{key}":') == 2, key


# ---------------------------------------------------------------- the browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(db_url: str) -> Iterator[str]:
    """The service in uvicorn on a loopback port (a thread with its own event loop)."""
    config = uvicorn.Config(
        create_app(make_settings(db_url)), host="127.0.0.1", port=_free_port(), log_level="warning"
    )
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not runner.started:
        assert thread.is_alive(), "the server did not start"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{config.port}"
    runner.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(
            f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}); "
            "`apt-get install chromium chromium-driver` (.ci/run installs them)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,900",
        "--lang=da-DK",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=DriverService(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


async def _token(db: Database, email: str) -> str:
    token = generate_token()
    async with db.transaction() as s:
        repo = StaffRepository(s)
        user = await repo.create_user(email=email, name=email.split("@")[0], role=StaffRole.STAFF)
        await repo.add_token(
            user_id=user.id, name="web", token_hash=token.hash, prefix=token.prefix, expires_at=None
        )
    return token.clear


async def _seed_lead(db: Database) -> None:
    async with db.transaction() as s:
        s.add(
            Lead(
                source=LeadSource.WEBSITE,
                status=LeadStatus.NEW,
                name="Mette Hansen",
                email="mette.hansen@example.dk",
                phone="+4520304050",
                address="Skovvej 12, 8000 Aarhus C",
                area_m2=Decimal(80),
                rooms=3,
                service=Service.MOVING_OUT,
                dedup_key=f"test:mette:{uuid.uuid4().hex[:6]}",
                received_at=datetime.now(UTC),
            )
        )


async def test_a_staff_member_quotes_and_approves_a_mail_in_the_browser(
    server: str, browser: webdriver.Chrome, db: Database, tmp_path: Path
) -> None:
    driver = browser
    token = await _token(db, "kasper@rendetalje.dk")

    def wait_for(css: str) -> WebElement:
        def found(d: webdriver.Chrome) -> WebElement | bool:
            hits = [e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]
            return hits[0] if hits else False

        return cast(WebElement, WebDriverWait(driver, WAIT_S).until(found, f"no {css}"))

    def wait_until(check: Callable[[], bool], what: str) -> None:
        WebDriverWait(driver, WAIT_S).until(lambda _: check(), what)

    def send(text: str) -> None:
        box = wait_for("#message-input")
        box.clear()
        box.send_keys(text)
        wait_for("#send-button").click()
        wait_until(lambda: any(t.text == text for t in _all(".msg.user .text")), "own message")
        wait_until(lambda: _one("#log").get_attribute("data-state") == "idle", "end of turn")

    def _all(css: str) -> list[WebElement]:
        return list(driver.find_elements(By.CSS_SELECTOR, css))

    def _one(css: str) -> WebElement:
        return driver.find_element(By.CSS_SELECTOR, css)

    driver.get(f"{server}/")
    assert driver.title == "RenOS Assistent"
    assert _one("html").get_attribute("lang") == "da"

    # A wrong token is refused plainly; the right one signs in.
    wait_for("#token-input").send_keys("renos_wrong")
    _one("#signin-button").click()
    assert "afvist" in wait_for("#signin-error").text
    _one("#token-input").clear()
    _one("#token-input").send_keys(token)
    _one("#signin-button").click()
    wait_for("#app-view")
    assert driver.execute_script("return sessionStorage.getItem('renos.token')") == token
    assert wait_for("#sessions-empty").text == "Ingen samtaler endnu."

    # A quote: the answer streams in, with the draft_quote call as a card.
    send(QUOTE)
    card = wait_for('.tool-card[data-tool="draft_quote"]')
    assert card.get_attribute("data-status") == "succeeded"
    assert "area_m2" in card.text and "udført" in card.text
    reply = _all(".msg.assistant .text")[-1].text
    assert "1.396" in reply and "2.094" in reply
    assert _all(".turn-error") == []
    driver.save_screenshot(str(tmp_path / "quote.png"))

    # A mail to a known lead, in a new session: drafted, then sent after approval.
    await _seed_lead(db)
    wait_for("#new-session").click()
    wait_until(lambda: _all(".msg") == [] and len(_all("#session-list li")) == 2, "new session")
    send(DRAFT)
    assert wait_for('.tool-card[data-tool="draft_email_reply"]').get_attribute("data-status") == (
        "succeeded"
    )
    send("Send udkastet")
    prompt = wait_for('.approval[data-tool="send_email"]')
    assert "Godkendelse påkrævet" in prompt.text
    assert wait_for('.tool-card[data-tool="send_email"]').get_attribute("data-status") == (
        "awaiting_approval"
    )
    driver.save_screenshot(str(tmp_path / "approval.png"))
    # A reload keeps the tab signed in, and reopening the session offers the decision again.
    driver.refresh()
    wait_for("#app-view")
    wait_for("#session-list button").click()
    wait_until(lambda: any(t.text == DRAFT for t in _all(".msg.user .text")), "history")
    prompt = wait_for('.approval[data-tool="send_email"]')
    prompt.find_element(By.CSS_SELECTOR, "button.approve").click()
    wait_until(
        lambda: (
            _one('.tool-card[data-tool="send_email"]').get_attribute("data-status") == "succeeded"
        ),
        "send_email succeeded",
    )
    wait_until(lambda: _one("#log").get_attribute("data-state") == "idle", "end of turn")
    assert prompt.get_attribute("data-decision") == "approve"
    assert "Godkendt" in prompt.text
    assert _all(".turn-error") == []
    driver.save_screenshot(str(tmp_path / "sent.png"))
    async with db.transaction() as s:
        mails = list((await s.execute(select(OutboundEmail.status))).scalars())
    assert mails == ["sent"]

    # Sessions newest first, titled by their first message; the first one opens again.
    titles = [e.text for e in _all("#session-list .session-title")]
    assert titles[0].startswith("Skriv en mail") and titles[1].startswith("Hvad koster"), titles
    _all("#session-list button")[1].click()
    wait_until(lambda: any("1.396" in e.text for e in _all(".msg.assistant .text")), "history")
    assert wait_for('.tool-card[data-tool="draft_quote"]')

    # The language toggle; then sign out forgets the token.
    wait_for("#lang-toggle").click()
    assert _one("#new-session").text == "New session"
    assert _one("html").get_attribute("lang") == "en"
    _one("#lang-toggle").click()
    assert _one("#new-session").text == "Ny samtale"
    _one("#sign-out").click()
    wait_for("#signin-view")
    assert driver.execute_script("return sessionStorage.getItem('renos.token')") is None

    # The CSP blocked nothing: no inline script or style anywhere.
    console: list[dict[str, str]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    blocked = [e["message"] for e in console if "Content Security" in e["message"]]
    assert blocked == []
