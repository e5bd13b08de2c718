#!/usr/bin/env python3
"""Cloudinary SDK compatibility suite: drives a real `derive serve` on loopback only through the official
Python SDK (`cloudinary` from PyPI), as an application that moved off Cloudinary would.

Run by `Scripts/sdk-compat.sh` (part of `make test`) once per SDK release: the current one (JSON bodies on
the Admin API) and 1.41.x (query strings with indexed lists, multipart). This file needs the SDK importable:

    python sdk_compat.py --bin .build/debug/derive [--big 1001]

It starts its own servers (a main one, and one with an Admin quota of 3 calls for the 420 check) on free
loopback ports with a generated key pair, and a webhook receiver on loopback, and removes everything at
the end. Each check prints one line; the exit status is 1 when any failed.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import cloudinary
import cloudinary.api
import cloudinary.exceptions
import cloudinary.uploader
import cloudinary.utils

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "TestImages"
KEY, SECRET, CLOUD = "compat-key", "compat-secret-0123456789", "demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary: str, root: Path, name: str, extra_env: dict[str, str] | None = None):
        self.port = free_port()
        self.data = root / name
        env = dict(os.environ, DERIVE_API_KEY=KEY, DERIVE_API_SECRET=SECRET, DERIVE_CLOUD_NAME=CLOUD,
                   DERIVE_ADMIN_RATE_LIMIT="100000")
        env.update(extra_env or {})
        self.log = open(root / f"{name}.log", "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--data", str(self.data), "--host", "127.0.0.1", "--port", str(self.port),
             "--gc-interval", "0"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"derive serve did not come up on port {self.port}")

    def configure(self, secret: str = SECRET) -> None:
        cloudinary.reset_config()
        cloudinary.config(cloud_name=CLOUD, api_key=KEY, api_secret=secret, secure=False,
                          upload_prefix=f"http://127.0.0.1:{self.port}", cname=f"127.0.0.1:{self.port}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Receiver(http.server.BaseHTTPRequestHandler):
    received: list[tuple[bytes, dict[str, str]]] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Receiver.received.append((body, {k.lower(): v for k, v in self.headers.items()}))
        self.send_response(200)
        self.end_headers()

    def do_GET(self):  # noqa: N802 — the origin of remote-URL uploads
        body = (IMAGES / "photo_coffee.png").read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


failures: list[str] = []


def check(name: str, condition: bool, detail: str = "") -> None:
    print(f"{'ok  ' if condition else 'FAIL'} {name}{'' if condition else ': ' + detail}", flush=True)
    if not condition:
        failures.append(name)


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def run_main(server: Server, receiver_url: str, big: int, tiny: str) -> None:
    server.configure()
    photo = str(IMAGES / "photo_coffee.png")

    r = cloudinary.uploader.upload(photo, public_id="shop/item", tags=["sale", "new"],
                                   eager=[{"width": 100, "crop": "scale"}, {"width": 50, "height": 50, "crop": "fill"}])
    check("upload answers public_id, version, type, resource_type",
          r.get("public_id") == "shop/item" and isinstance(r.get("version"), int)
          and r.get("type") == "upload" and r.get("resource_type") == "image", str(r))
    check("upload keeps the tags, sorted", r.get("tags") == ["new", "sale"], str(r.get("tags")))
    expected = cloudinary.utils.api_sign_request({"public_id": "shop/item", "version": r.get("version")}, SECRET)
    check("upload response signature verifies", r.get("signature") == expected)
    eager = r.get("eager") or []
    check("upload renders eager", [e.get("transformation") for e in eager] == ["c_scale,w_100", "c_fill,h_50,w_50"],
          str(eager))
    check("eager URLs deliver", all(fetch(e["url"])[0] == 200 for e in eager))

    url, _ = cloudinary.utils.cloudinary_url("shop/item", width=120, height=80, crop="fill", format="jpg")
    status, ctype, body = fetch(url)
    check("cloudinary_url delivers", status == 200 and ctype == "image/jpeg" and body[:2] == b"\xff\xd8",
          f"{url}: {status} {ctype}")
    signed, _ = cloudinary.utils.cloudinary_url("shop/item", width=90, crop="scale", format="png", sign_url=True)
    check("signed cloudinary_url delivers", fetch(signed)[0] == 200, signed)
    tampered = signed.replace("w_90", "w_91")
    check("a tampered signed URL is refused (401)", fetch(tampered)[0] == 401, tampered)

    details = cloudinary.api.resource("shop/item")
    transformations = {d["transformation"] for d in details.get("derived", [])}
    check("api.resource lists the derived images",
          {"c_scale,w_100", "c_fill,h_50,w_50", "c_fill,h_80,w_120", "c_scale,w_90"} <= transformations,
          str(transformations))

    for i in range(7):
        cloudinary.uploader.upload(tiny, public_id=f"page/{i}", tags=["paged"])
    seen, cursor = [], None
    while True:
        options = {"type": "upload", "prefix": "page/", "max_results": 3}
        if cursor:
            options["next_cursor"] = cursor
        page = cloudinary.api.resources(**options)
        seen += [x["public_id"] for x in page["resources"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    check("api.resources pages with next_cursor", sorted(seen) == [f"page/{i}" for i in range(7)], str(seen))

    kept = cloudinary.api.delete_resources(["shop/item"], keep_original=True)
    check("delete_resources(keep_original) deletes derivatives only",
          kept["deleted"].get("shop/item") == "deleted" and kept["deleted_counts"]["shop/item"]["original"] == 0
          and cloudinary.api.resource("shop/item")["derived"] == [], str(kept))

    by_tag = cloudinary.api.delete_resources_by_tag("paged")
    check("delete_resources_by_tag", len(by_tag["deleted"]) == 7
          and cloudinary.api.resources(prefix="page/", type="upload")["resources"] == [], str(by_tag))

    fetch(cloudinary.utils.cloudinary_url("shop/item", width=33, crop="scale", format="jpg")[0])
    derived_id = cloudinary.api.resource("shop/item")["derived"][0]["id"]
    gone = cloudinary.api.delete_derived_resources([derived_id])
    check("delete_derived_resources", gone["deleted"] == {derived_id: "deleted"}, str(gone))

    ex = cloudinary.uploader.explicit("shop/item", type="upload", eager=[{"width": 30, "crop": "scale"}])
    check("explicit renders eager for an existing original",
          [e.get("transformation") for e in ex.get("eager", [])] == ["c_scale,w_30"], str(ex))

    Receiver.received.clear()
    destroyed = cloudinary.uploader.destroy("shop/item", invalidate=True, notification_url=receiver_url)
    check("destroy(invalidate=True)", destroyed.get("result") == "ok", str(destroyed))
    deadline = time.time() + 30
    while time.time() < deadline and not Receiver.received:
        time.sleep(0.2)
    deadline = time.time() + 30
    verified: list[dict] = []
    while time.time() < deadline:
        verified = [
            json.loads(body) for body, headers in list(Receiver.received)
            if cloudinary.utils.verify_notification_signature(
                body.decode(), int(headers.get("x-cld-timestamp", "0")), headers.get("x-cld-signature", ""))
        ]
        if any(n.get("notification_type") == "delete" for n in verified):
            break
        time.sleep(0.2)
    # Current SDKs send notification_url with destroy, 1.41 does not: the server's webhook
    # (DERIVE_WEBHOOK_URL) points at the same receiver, so either way a delete notification arrives.
    check("the destroy notification arrives signed (the SDK's verifier accepts it)",
          any(n.get("notification_type") == "delete" for n in verified),
          f"{len(Receiver.received)} received, {len(verified)} verified")

    run_metadata(receiver_url)

    try:
        cloudinary.api.resource("missing/one")
        check("api.resource of a missing id raises NotFound", False, "no exception")
    except cloudinary.exceptions.NotFound:
        check("api.resource of a missing id raises NotFound", True)
    server.configure(secret="wrong-secret")
    try:
        cloudinary.api.ping()
        check("a wrong secret on the Admin API raises AuthorizationRequired", False, "no exception")
    except cloudinary.exceptions.AuthorizationRequired:
        check("a wrong secret on the Admin API raises AuthorizationRequired", True)
    # The uploader maps statuses to classes since 1.42; 1.41 raises the base Error with the message.
    try:
        cloudinary.uploader.upload(tiny, public_id="nope")
        check("a wrong secret on the Upload API is refused", False, "no exception")
    except cloudinary.exceptions.Error as error:
        check("a wrong secret on the Upload API is refused",
              isinstance(error, cloudinary.exceptions.AuthorizationRequired) or "Invalid Signature" in str(error),
              f"{type(error).__name__}: {error}")
    server.configure()

    started = time.time()
    for i in range(big):
        cloudinary.uploader.upload(tiny, public_id=f"bulk/{i:05d}")
    uploaded = time.time() - started
    deleted, calls, cursor = 0, 0, None
    while True:
        options = {"next_cursor": cursor} if cursor else {}
        result = cloudinary.api.delete_all_resources(**options)
        calls += 1
        deleted += sum(1 for v in result["deleted"].values() if v == "deleted")
        cursor = result.get("next_cursor")
        if not result.get("partial") or not cursor or calls > 100:
            break
    remaining = cloudinary.api.resources(type="upload", max_results=500)["resources"]
    check(f"delete_all_resources over {big} originals follows next_cursor",
          deleted >= big and calls >= 2 and remaining == [],
          f"{deleted} deleted in {calls} calls, {len(remaining)} left")
    print(f"     ({big} SDK uploads in {uploaded:.1f} s)")


def run_metadata(receiver_url: str) -> None:
    """rename, context, a remote URL upload and eager_async, through the SDK."""
    origin = receiver_url.rsplit("/", 1)[0] + "/coffee.png"
    r = cloudinary.uploader.upload(origin, public_id="remote/one", context={"alt": "a|b", "k": "v"})
    check("upload of a remote URL on the allow-list", r.get("public_id") == "remote/one" and r.get("width", 0) > 0, str(r))
    check("upload keeps context (escaped |)", (r.get("context") or {}).get("custom") == {"alt": "a|b", "k": "v"},
          str(r.get("context")))
    renamed = cloudinary.uploader.rename("remote/one", "remote/two", invalidate=True)
    check("uploader.rename", renamed.get("public_id") == "remote/two", str(renamed))
    status, _, _ = fetch(cloudinary.utils.cloudinary_url("remote/two", width=40, crop="scale", format="png")[0])
    check("the renamed id delivers", status == 200, str(status))
    try:
        cloudinary.uploader.rename("remote/one", "remote/three")
        check("rename of a missing id raises NotFound", False, "no exception")
    except cloudinary.exceptions.Error as error:
        check("rename of a missing id raises NotFound",
              isinstance(error, cloudinary.exceptions.NotFound) or "Resource not found" in str(error), repr(error))
    added = cloudinary.uploader.add_context({"caption": "hello"}, ["remote/two"])
    check("uploader.add_context", added.get("public_ids") == ["remote/two"], str(added))
    details = cloudinary.api.resource("remote/two")
    check("api.resource shows the context", (details.get("context") or {}).get("custom", {}).get("caption") == "hello",
          str(details.get("context")))
    cloudinary.uploader.remove_all_context(["remote/two"])
    check("uploader.remove_all_context", "context" not in cloudinary.api.resource("remote/two"))
    before = len(Receiver.received)
    r = cloudinary.uploader.upload(str(IMAGES / "photo_coffee.png"), public_id="later", eager=[{"width": 30, "crop": "scale"}],
                                   eager_async=True, eager_notification_url=receiver_url)
    check("eager_async answers processing", [e.get("status") for e in r.get("eager", [])] == ["processing"], str(r))
    deadline = time.time() + 30
    eager_notes: list[dict] = []
    while time.time() < deadline and not eager_notes:
        eager_notes = [json.loads(body) for body, _ in list(Receiver.received)[before:]
                       if json.loads(body).get("notification_type") == "eager"]
        time.sleep(0.2)
    check("eager_notification_url receives the eager notification",
          bool(eager_notes) and eager_notes[0].get("public_id") == "later", str(eager_notes))


def run_quota(server: Server) -> None:
    server.configure()
    for _ in range(3):
        cloudinary.api.ping()
    try:
        cloudinary.api.ping()
        check("the Admin quota raises RateLimited (420)", False, "no exception")
    except cloudinary.exceptions.RateLimited:
        check("the Admin quota raises RateLimited (420)", True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", default=str(REPO / ".build/debug/derive"))
    parser.add_argument("--big", type=int, default=1001, help="originals for the delete_all_resources walk")
    args = parser.parse_args()
    print(f"cloudinary SDK {cloudinary.VERSION} against {args.bin}", flush=True)
    root = Path(tempfile.mkdtemp(prefix="derive-compat-"))
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    servers: list[Server] = []
    try:
        tiny = str(root / "tiny.png")
        subprocess.run([args.bin, "render", str(IMAGES / "photo_coffee.png"), "-t", "c_fill,w_8,h_8", "-o", tiny],
                       check=True, capture_output=True)
        hook = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
        main_server = Server(args.bin, root, "main", {
            "DERIVE_WEBHOOK_URL": hook, "DERIVE_REMOTE_HOSTS": "127.0.0.1", "DERIVE_REMOTE_ALLOW_PRIVATE": "1"})
        servers.append(main_server)
        run_main(main_server, hook, args.big, tiny)
        quota = Server(args.bin, root, "quota", {"DERIVE_ADMIN_RATE_LIMIT": "3"})
        servers.append(quota)
        run_quota(quota)
    except Exception as error:  # a crash of the suite is a failure, with the reason
        check("the suite ran to the end", False, repr(error))
    finally:
        for server in servers:
            server.stop()
        receiver.shutdown()
        if failures:
            for server in servers:
                print(f"--- {server.data.name} server log (tail)")
                print("".join(open(root / f"{server.data.name}.log").readlines()[-20:]))
        shutil.rmtree(root, ignore_errors=True)
    print(f"== {'FAILED: ' + ', '.join(failures) if failures else 'all checks passed'} (SDK {cloudinary.VERSION})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
