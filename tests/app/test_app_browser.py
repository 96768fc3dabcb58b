"""One real browser (Debian's chromium via Selenium) against the real app on loopback.

Set ``A6_SCREENSHOT_DIR`` to also save the README's screenshots there (chat.png,
citation.png, documents.png).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
QUESTION = "What share of taxable emissions can be offset with international carbon credits?"
SHOTS = os.environ.get("A6_SCREENSHOT_DIR")

# Records every text the last answer bubble shows, so the test can see it grow.
WATCH_ANSWER_JS = """
window.__a6_seen = [];
new MutationObserver(() => {
  const bot = document.querySelectorAll('#a6-chat .message.bot, #a6-chat [data-testid="bot"]');
  if (bot.length) window.__a6_seen.push(bot[bot.length - 1].innerText);
}).observe(document.querySelector('#a6-chat'), {subtree: true, childList: true,
                                                characterData: true});
"""


@pytest.fixture(scope="module")
def app_url(corpus_assistant) -> Iterator[str]:
    import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = corpus_assistant.settings.model_copy(update={"port": port})
    demo = app.build_app(corpus_assistant, settings)
    yield app.launch(demo, settings, block=False, quiet=True)
    demo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail(
            "chromium and chromium-driver are needed: apt-get install chromium chromium-driver"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="a6-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1400,1000", "--force-device-scale-factor=1",
        f"--user-data-dir={profile}",
    ):  # fmt: skip
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def shot(driver, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SHOTS) / name))


def test_ask_stream_and_open_a_citation(app_url: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    wait = WebDriverWait(d, 60)
    d.get(app_url)
    box = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#a6-question textarea")))
    wait.until(ec.text_to_be_present_in_element((By.ID, "a6-footer"), "documents"))
    d.execute_script(WATCH_ANSWER_JS)

    box.send_keys(QUESTION + "\n")
    marker = wait.until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, '#a6-chat a[href="#cite-0-1"]'))
    )
    seen = [t for t in d.execute_script("return window.__a6_seen") if t.strip()]
    final = seen[-1]
    assert re.search(r"five per cent|5%", final)
    # Streamed: the bubble showed a partial answer (with the cursor) before the final one.
    assert any(t.rstrip().endswith("▍") and len(t) < len(final) for t in seen), seen
    assert any(t.rstrip().endswith("▍") and len(t) > 40 for t in seen), seen
    sources = d.find_element(By.ID, "a6-sources").text
    assert re.search(r"Eligibility|Implementation Agreement", sources)  # the cited release
    d.execute_script("document.activeElement.blur()")
    shot(d, "chat.png")

    marker.click()
    mark = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#a6-passage mark")))
    assert re.search(r"offset up to (five per cent|5%) of their taxable emissions", mark.text)
    panel = d.find_element(By.ID, "a6-passage").text
    assert re.search(r"Eligibility|Implementation Agreement", panel)
    assert "Section: " in panel and re.search(r"Published \d{1,2} \w+ 20\d\d", panel)
    assert len(panel) > len(mark.text) + 200  # the passage is shown in its surrounding text
    shot(d, "citation.png")


def test_documents_tab_lists_the_index(app_url: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    wait = WebDriverWait(d, 60)
    if app_url not in d.current_url:
        d.get(app_url)
    tab = wait.until(
        ec.element_to_be_clickable(
            (By.XPATH, "//button[@role='tab' and normalize-space()='Documents']")
        )
    )
    d.set_window_size(1400, 1350)  # room for the upload and remove panels too
    tab.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "a6-documents"), "Peru Overview"))
    table = d.find_element(By.ID, "a6-documents").text
    assert "Singapore Publishes Eligibility List" in table and "eligibility list" in table
    shot(d, "documents.png")
