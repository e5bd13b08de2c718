#!/usr/bin/env python3
"""Browser tests of the web console (`/console`): headless Chromium (Debian's `chromium` and
`chromium-driver`) driven by Selenium against a real `derive serve` on loopback.

Run by `Scripts/console-test.sh` (part of `make test`):

    python console_test.py --bin .build/debug/derive --screenshots .build/console-test/screenshots

It starts a server on a free loopback port over a temporary data folder with a key pair and a read-only
pair, logs in, uploads two images, opens an original, requests a derived URL and sees it appear,
deletes it and sees the invalidation, checks that a read-only login has no delete buttons, bulk-deletes
by tag and checks the counts against the Admin API, and checks that API calls without the session or
without the CSRF token are refused. Screenshots of the main pages are saved. Exit status 1 on failure.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import Select, WebDriverWait

# A view re-renders after its data arrives: an element found a moment earlier can go stale while a
# wait inspects it. Waits retry then, instead of failing the run.
RETRY = (NoSuchElementException, StaleElementReferenceException)


def attributes(driver, selector: str, name: str) -> list:
    """An attribute of every element matching `selector`, read again if the view re-rendered meanwhile."""
    for _ in range(50):
        try:
            return [e.get_attribute(name) for e in driver.find_elements(By.CSS_SELECTOR, selector)]
        except StaleElementReferenceException:
            time.sleep(0.1)
    return [e.get_attribute(name) for e in driver.find_elements(By.CSS_SELECTOR, selector)]

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "TestImages"
KEY, SECRET = "console-key", "console-secret-0123456789"
READER, READER_SECRET = "reader-key", "reader-secret-0123456789"
CLOUD = "demo"
failures: list[str] = []


def check(name: str, condition: bool, detail: str = "") -> None:
    print(("ok    " if condition else "FAIL  ") + name + (f"  ({detail})" if detail and not condition else ""))
    if not condition:
        failures.append(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary: str, root: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DERIVE_API_KEYS=f"{KEY}:{SECRET},{READER}:{READER_SECRET}:read-only",
                   DERIVE_CLOUD_NAME=CLOUD, DERIVE_ADMIN_RATE_LIMIT="100000")
        self.log = open(root / "server.log", "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--data", str(root / "data"), "--host", "127.0.0.1", "--port", str(self.port),
             "--gc-interval", "0"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"derive serve did not come up on port {self.port}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, dict]:
        req = urllib.request.Request(self.base + path, method=method, headers=headers or {}, data=body)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text or b"{}")
            except ValueError:
                return e.code, {}

    def render(self, transformation: str, files: list[str]) -> None:
        for name in files:
            with urllib.request.urlopen(f"{self.base}/{CLOUD}/image/upload/{transformation}/{name}", timeout=60) as r:
                r.read()

    def upload(self, data: bytes, public_id: str, tags: str) -> int:
        """A signed Upload API call (urlencoded, the image as a data URI), as an SDK would make it."""
        params = {"public_id": public_id, "tags": tags, "timestamp": str(int(time.time()))}
        to_sign = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        params["signature"] = hashlib.sha1((to_sign + SECRET).encode()).hexdigest()
        params["api_key"] = KEY
        params["file"] = "data:image/png;base64," + base64.b64encode(data).decode()
        body = urllib.parse.urlencode(params).encode()
        status, _ = self.request("POST", f"/v1_1/{CLOUD}/image/upload",
                                 {"Content-Type": "application/x-www-form-urlencoded"}, body)
        return status

    def admin(self, method: str, path: str, params: dict | None = None) -> tuple[int, dict]:
        auth = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        headers = {"Authorization": auth, "Content-Type": "application/json"}
        body = json.dumps(params).encode() if params is not None else None
        return self.request(method, f"/v1_1/{CLOUD}/{path}", headers, body)


def make_driver() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                 "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(service=service, options=options)


class Console:
    def __init__(self, driver: webdriver.Chrome, server: Server, shots: Path):
        self.d, self.server, self.shots = driver, server, shots
        self.wait = WebDriverWait(driver, 30, ignored_exceptions=RETRY)

    def css(self, selector: str):
        return self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, selector)))

    def visible(self, selector: str):
        return self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, selector)))

    def go(self, hash_: str, ready: str) -> None:
        """Opens a view and waits for `ready` in it (the old view is cleared first, so nothing stale matches)."""
        if self.d.current_url.startswith(self.server.base + "/console") and self.d.find_elements(By.ID, "view"):
            self.d.execute_script("""
                document.getElementById('view').replaceChildren();
                if (location.hash === arguments[0]) window.Derive.route(); else location.hash = arguments[0];""", hash_)
        else:
            self.d.get(self.server.base + "/console" + hash_)
        self.css("#view " + ready if not ready.startswith("#") else ready)

    def images_loaded(self) -> None:
        WebDriverWait(self.d, 60, ignored_exceptions=RETRY).until(
            lambda d: d.execute_script("return Array.from(document.images).every(i => i.complete)"))

    def shot(self, name: str) -> None:
        self.images_loaded()  # let images finish loading before the picture is taken
        path = self.shots / f"{name}.png"
        # The whole page (up to 2400 px high), then back to the usual window.
        height = min(2400, max(900, self.d.execute_script("return document.documentElement.scrollHeight")))
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.d.save_screenshot(str(path))
        self.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        print(f"      screenshot: {path}")

    def login(self, key: str, secret: str) -> None:
        self.d.get(self.server.base + "/console")
        self.css("#api_key").send_keys(key)
        self.d.find_element(By.ID, "api_secret").send_keys(secret)
        self.d.find_element(By.ID, "login-button").click()

    def logout(self) -> None:
        self.visible("#logout").click()
        self.css("#login-form")

    def confirm(self) -> None:
        self.visible("#confirm-ok").click()


def run(args: argparse.Namespace) -> None:
    shots = Path(args.screenshots).resolve()
    shots.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="derive-console-"))
    server = Server(args.bin, root)
    driver = make_driver()
    try:
        c = Console(driver, server, shots)
        # Log in: a wrong secret is refused, the right one opens the console.
        c.login(KEY, "not-the-secret")
        check("a wrong secret is refused", "Invalid API key or secret" in c.css(".error").text)
        c.shot("login")
        c.login(KEY, SECRET)
        check("login opens the console", KEY in c.visible("#who").text)
        cookie = driver.get_cookie("derive_session")
        check("the session cookie is HttpOnly and SameSite=Strict",
              bool(cookie) and cookie.get("httpOnly") is True and cookie.get("sameSite") == "Strict", str(cookie))

        # Upload two images (the file picker feeds the same code as a drop).
        c.go("#/upload", "#upload-input")
        c.d.find_element(By.ID, "upload-tags").send_keys("console-batch")
        # Two images and a file that is not one: that file gets its own error, the others go through.
        files = [IMAGES / "photo_coffee.png", IMAGES / "broken_not_an_image.jpg", IMAGES / "photo_chelsea.png"]
        c.d.find_element(By.ID, "upload-input").send_keys("\n".join(str(f) for f in files))
        WebDriverWait(driver, 60, ignored_exceptions=RETRY).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".upload-status.ok")) == 2
                                        and len(d.find_elements(By.CSS_SELECTOR, ".upload-status.error")) == 1)
        check("two files uploaded", True)
        failed = c.css("tr[data-file='broken_not_an_image.jpg'] .upload-status.error").text
        check("the broken file shows its own error", len(failed) > 5 and "HTTP" not in failed, failed)
        c.shot("upload")
        status, listing = server.admin("GET", "resources/image/upload?tags=true")
        ids = sorted(r["public_id"] for r in listing.get("resources", []))
        check("the API lists both uploads with their tag", ids == ["photo_chelsea", "photo_coffee"] and all(
            "console-batch" in r["tags"] for r in listing["resources"]), str(listing))

        # Browse: both originals in the grid, thumbnails rendered by Derive.
        c.go("#/browse", ".card[data-public-id='photo_coffee']")
        WebDriverWait(driver, 30, ignored_exceptions=RETRY).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".card")) == 2)
        WebDriverWait(driver, 60, ignored_exceptions=RETRY).until(lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('.card img')).every(i => i.complete)"))
        thumbs = driver.execute_script(
            "return Array.from(document.querySelectorAll('.card img')).map(i => i.naturalWidth)")
        check("thumbnails are rendered", thumbs == [160, 160], str(thumbs))

        # Paging with the API's cursor (one original a page), and the filters.
        c.go("#/browse?max=1", ".card")
        first = c.css(".card").get_attribute("data-public-id")
        c.visible("#next-page").click()
        WebDriverWait(driver, 30, ignored_exceptions=RETRY).until(lambda d: d.find_element(By.CSS_SELECTOR, ".card").get_attribute(
            "data-public-id") != first)
        second = c.css(".card").get_attribute("data-public-id")
        check("the next page follows next_cursor", {first, second} == {"photo_coffee", "photo_chelsea"},
              f"{first}, {second}")
        check("the last page has no next link", not driver.find_elements(By.ID, "next-page"))
        c.visible("#first-page").click()
        WebDriverWait(driver, 30, ignored_exceptions=RETRY).until(lambda d: d.find_element(By.CSS_SELECTOR, ".card").get_attribute(
            "data-public-id") == first)
        c.go("#/browse?prefix=photo_ch", ".card")
        names = attributes(driver, ".card", "data-public-id")
        check("the prefix filter", names == ["photo_chelsea"], str(names))
        c.go("#/browse?tag=nope", "#originals")
        check("the tag filter", not driver.find_elements(By.CSS_SELECTOR, ".card"))
        c.go("#/browse", ".card[data-public-id='photo_coffee']")

        # An original: request a derived URL and see it appear.
        driver.find_element(By.CSS_SELECTOR, ".card[data-public-id='photo_coffee']").click()
        check("the original's page opens", c.visible("#resource-title").text == "photo_coffee")
        c.css("#render-transformation").send_keys("c_fill,w_200,h_150")
        Select(driver.find_element(By.ID, "render-format")).select_by_value("webp")
        driver.find_element(By.CSS_SELECTOR, "#render-form button").click()
        row = c.css("#derived tr[data-transformation='c_fill,h_150,w_200']")
        check("the derived image appears", "webp" in row.text and "200×150" in row.text, row.text)
        c.shot("original")
        copy = row.find_element(By.CSS_SELECTOR, ".copy")
        copy.click()
        WebDriverWait(driver, 10, ignored_exceptions=RETRY).until(lambda d: copy.text != "Copy URL")
        check("Copy URL copies", copy.text == "Copied", copy.text)
        c.go("#/browse", ".card[data-public-id='photo_coffee']")
        counts = c.css(".card[data-public-id='photo_coffee'] .derived-stats").text
        check("the grid counts the original's derived images", counts.startswith("2 derived"), counts)
        c.shot("browse")
        c.go("#/resource/upload/photo_coffee", "#derived")
        row = c.css("#derived tr[data-transformation='c_fill,h_150,w_200']")

        # Delete it: confirmation, then the invalidation that followed.
        row.find_element(By.CSS_SELECTOR, ".delete-derived").click()
        check("deleting asks for confirmation", "c_fill,h_150,w_200" in c.visible("#confirm-text").text)
        c.confirm()
        urls = [li.text for li in c.css("#invalidation-urls").find_elements(By.TAG_NAME, "li")]
        check("the invalidation names the derived URL",
              any("c_fill,h_150,w_200" in u and "photo_coffee.webp" in u for u in urls), str(urls))
        check("the derived image is gone",
              not driver.find_elements(By.CSS_SELECTOR, "#derived tr[data-transformation='c_fill,h_150,w_200']"))
        c.shot("invalidation")

        # Edit the tags.
        tags = c.css("#tags-input")
        tags.clear()
        tags.send_keys("console-batch, edited")
        driver.find_element(By.CSS_SELECTOR, "#tag-form button").click()
        c.css("#tags-saved")
        status, resource = server.admin("GET", "resources/image/upload/photo_coffee")
        check("tags are saved through the Upload API", resource.get("tags") == ["console-batch", "edited"],
              str(resource.get("tags")))

        # Delete all derived images of the other original: it stays, its thumbnail's URL is invalidated.
        c.go("#/resource/upload/photo_chelsea", "#delete-all-derived")
        c.visible("#delete-all-derived").click()
        c.confirm()
        urls = [li.text for li in c.css("#invalidation-urls").find_elements(By.TAG_NAME, "li")]
        check("deleting all derived images names their URLs",
              any("c_fill,h_160,w_160" in u and "photo_chelsea" in u for u in urls), str(urls))
        check("the original stays without derived images", bool(driver.find_elements(By.ID, "no-derived"))
              and server.admin("GET", "resources/image/upload/photo_chelsea")[0] == 200)

        # Requests without the session or without the CSRF token are refused.
        status, _ = server.request("GET", f"/v1_1/{CLOUD}/resources/image")
        check("an API call without the session is refused (401)", status == 401, str(status))
        session = driver.get_cookie("derive_session")["value"]
        status, _ = server.request("DELETE", f"/v1_1/{CLOUD}/resources/image/upload",
                                   {"Cookie": f"derive_session={session}", "Content-Type": "application/json"},
                                   json.dumps({"public_ids": ["photo_coffee"]}).encode())
        check("a delete with the session but without the CSRF token is refused (403)", status == 403, str(status))
        in_page = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/v1_1/demo/resources/image/upload', {method: 'DELETE', credentials: 'same-origin',
              headers: {'Content-Type': 'application/json'}, body: JSON.stringify({public_ids: ['photo_coffee']})})
              .then(r => done(r.status), e => done(String(e)));""")
        check("the page's own call without the token is refused (403)", in_page == 403, str(in_page))
        check("nothing was deleted by the refused calls",
              server.admin("GET", "resources/image/upload/photo_coffee")[0] == 200)

        # Derived images across the library: the thumbnails as one transformation (rendered again here:
        # the browser keeps its cached copies); delete all of them.
        server.render("c_fill,h_160,w_160", ["photo_coffee.jpg", "photo_chelsea.jpg"])
        thumbs = "#transformations tr[data-transformation='c_fill,h_160,w_160']"
        c.go("#/derived", thumbs)
        check("the derived page counts a transformation's images", "2" in c.css(thumbs).text.split(), c.css(thumbs).text)
        c.css(thumbs + " .show-derived").click()
        WebDriverWait(driver, 30, ignored_exceptions=RETRY).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".derived-list tr[data-public-id]")) == 2)
        listed = sorted(attributes(driver, ".derived-list tr[data-public-id]", "data-public-id"))
        check("a transformation lists its derived images", listed == ["photo_chelsea", "photo_coffee"], str(listed))
        c.shot("derived")
        c.css(thumbs + " .delete-transformation").click()
        c.confirm()
        urls = [li.text for li in c.css("#invalidation-urls").find_elements(By.TAG_NAME, "li")]
        check("deleting a transformation's images names their URLs",
              len(urls) == 2 and all("c_fill,h_160,w_160" in u for u in urls), str(urls))
        check("the transformation is gone from the list", not driver.find_elements(By.CSS_SELECTOR, thumbs))
        server.render("c_scale,w_50", ["photo_coffee.jpg", "photo_chelsea.jpg", "photo_chelsea.webp"])

        # A read-only key sees the console without delete buttons.
        c.logout()
        c.login(READER, READER_SECRET)
        check("read-only login", "read-only" in c.visible("#who").text)
        c.go("#/resource/upload/photo_chelsea", "#resource-title")
        check("read-only: no delete buttons", not driver.find_elements(By.CSS_SELECTOR, ".delete-derived, #delete-all-derived, #delete-original"))
        check("read-only: no upload or bulk links", not c.d.find_element(By.ID, "nav-upload").is_displayed()
              and not c.d.find_element(By.ID, "nav-bulk").is_displayed())
        c.logout()
        c.login(KEY, SECRET)
        c.visible("#who")

        # Bulk delete by tag: first the derived images only, then the originals with theirs.
        status, listing = server.admin("GET", "resources/image/tags/console-batch?derived_stats=true&max_results=500")
        expected_derived = sum(r["derived_count"] for r in listing["resources"])
        check("there are derived images to delete", expected_derived >= 1, str(expected_derived))
        c.go("#/bulk", "#bulk-form")
        c.d.find_element(By.ID, "bulk-value").send_keys("console-batch")
        c.d.find_element(By.ID, "bulk-preview").click()
        preview = c.visible("#bulk-count").text
        check("the preview counts what will go", f"{expected_derived} derived image{'' if expected_derived == 1 else 's'} of 2 originals" in preview, preview)
        c.visible("#bulk-run").click()
        c.confirm()
        derived = c.visible("#bulk-derived").text
        check("bulk delete (derived only) reports its counts",
              derived == str(expected_derived) and c.d.find_element(By.ID, "bulk-originals").text == "0",
              f"derived={derived}")
        c.shot("bulk")
        status, listing = server.admin("GET", "resources/image/tags/console-batch?derived_stats=true")
        check("the originals stay, their derived images are gone",
              len(listing["resources"]) == 2 and all(r["derived_count"] == 0 for r in listing["resources"]),
              str(listing))

        # Delete an original with everything derived from it, from its page.
        c.go("#/resource/upload/photo_chelsea", "#delete-original")
        c.visible("#delete-original").click()
        check("the original's delete asks first", "cannot be undone" in c.visible("#confirm-text").text)
        c.confirm()
        urls = [li.text for li in c.css("#invalidation-urls").find_elements(By.TAG_NAME, "li")]
        check("deleting the original names its URLs", any("photo_chelsea.png" in u for u in urls), str(urls))
        check("the original is gone", server.admin("GET", "resources/image/upload/photo_chelsea")[0] == 404)

        c.go("#/bulk", "#bulk-form")
        c.d.find_element(By.ID, "bulk-value").send_keys("console-batch")
        Select(c.d.find_element(By.ID, "bulk-what")).select_by_value("originals")
        c.d.find_element(By.ID, "bulk-preview").click()
        WebDriverWait(driver, 30, ignored_exceptions=RETRY).until(lambda d: "1 original and" in d.find_element(By.ID, "bulk-count").text)
        c.visible("#bulk-run").click()
        c.confirm()
        WebDriverWait(driver, 30, ignored_exceptions=RETRY).until(lambda d: d.find_element(By.ID, "bulk-originals").text == "1")
        check("bulk delete of originals by tag reports the count", True)
        status, listing = server.admin("GET", "resources/image/upload")
        check("the library is empty", status == 200 and listing.get("resources") == [], str(listing))

        # Cancel: 1,001 originals take two batches (1,000 a call); cancelling stops after the first.
        tiny = (IMAGES / "tiny_1x1.png").read_bytes()
        statuses = {server.upload(tiny, f"many/{i:04d}", "many") for i in range(1001)}
        check("1,001 originals seeded", statuses == {200}, str(statuses))
        c.go("#/bulk", "#bulk-form")
        c.d.find_element(By.ID, "bulk-value").send_keys("many")
        Select(c.d.find_element(By.ID, "bulk-what")).select_by_value("originals")
        c.d.find_element(By.ID, "bulk-preview").click()
        WebDriverWait(driver, 60, ignored_exceptions=RETRY).until(lambda d: "1001 originals" in d.find_element(By.ID, "bulk-count").text)
        c.visible("#bulk-run").click()
        c.visible("#confirm-ok")
        # Confirm, then press Cancel as soon as the run shows it (while the first batch is in flight).
        driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            document.getElementById('confirm-ok').click();
            const poll = () => {
              const cancel = document.getElementById('bulk-cancel');
              if (!cancel.classList.contains('hidden')) { cancel.click(); done(); } else setTimeout(poll, 1);
            };
            poll();""")
        WebDriverWait(driver, 60, ignored_exceptions=RETRY).until(lambda d: d.find_elements(By.ID, "bulk-originals"))
        result = c.css("#bulk-result").text
        check("cancelling stops after the current batch",
              result.startswith("Cancelled") and c.d.find_element(By.ID, "bulk-originals").text == "1000"
              and c.d.find_element(By.ID, "bulk-batches").text == "1", result)
        status, left = server.admin("GET", "resources/image/tags/many")
        check("one original is left after the cancelled run", len(left.get("resources", [])) == 1, str(left)[:200])
        c.d.find_element(By.ID, "bulk-preview").click()
        WebDriverWait(driver, 30, ignored_exceptions=RETRY).until(lambda d: "1 original and" in d.find_element(By.ID, "bulk-count").text)
        c.visible("#bulk-run").click()
        c.confirm()
        WebDriverWait(driver, 60, ignored_exceptions=RETRY).until(
            lambda d: d.find_elements(By.ID, "bulk-originals") and d.find_element(By.ID, "bulk-originals").text == "1"
            and d.find_element(By.ID, "bulk-result").text.startswith("Done"))
        check("the rest goes in a second run", server.admin("GET", "resources/image/tags/many")[1].get("resources") == [])

        # No Content-Security-Policy violations or script errors in the browser's log.
        errors = [e["message"] for e in driver.get_log("browser")
                  if e["level"] == "SEVERE" and ("Content Security Policy" in e["message"] or "Uncaught" in e["message"])]
        check("no CSP violations or script errors", not errors, str(errors[:3]))
    finally:
        driver.quit()
        server.stop()
        if failures:
            print(f"server log kept: {root / 'server.log'}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--screenshots", default=str(REPO / ".build/console-test/screenshots"))
    args = parser.parse_args()
    try:
        run(args)
    except Exception as error:  # a timeout or a missing element: report it as a failure
        failures.append(f"{type(error).__name__}: {error}")
        print(f"FAIL  {type(error).__name__}: {str(error)[:500]}")
    print(f"console tests: {'FAILED ' + str(len(failures)) if failures else 'all passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
