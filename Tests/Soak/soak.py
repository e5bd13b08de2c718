#!/usr/bin/env python3
"""Bounded soak test of `derive serve` over real HTTP on loopback (Python 3 standard library only).

It uploads a few originals with the CLI, starts the server as a child process, and for a fixed time runs
client threads that mix valid delivery requests, hostile requests, signed and wrongly signed URLs and
garbage, while one thread overwrites and deletes some of the same public ids through the CLI. Every
response is checked (see `Checker`), the server's RSS is sampled every second, and the run fails (exit
status 1, with a summary and the first failing requests of each kind) when:

- the server exits or crashes, or `GET /health` does not answer 200 at the end. After a crash the server
  is restarted and each request that was in flight is replayed alone; one that crashes it again is
  reported with the runtime's fatal error and the crashed thread's frames, and requests of the same shape
  are not sent again, so one run names every crashing request class and still soaks the rest;
- a response is 5xx other than 503, or a 503 lacks `Retry-After`;
- a response is not one of: a correct image (200, `Content-Type: image/*` matching the body's magic bytes
  and the requested format, `Content-Length` equal to the body, `Cache-Control` and `ETag` present), a 304
  to a conditional request, or a 4xx with a JSON body `{"error":{"message":"<non-empty>"}}`; every response
  must carry `X-Request-Id`; hostile requests must get 400/401/404; 404 is accepted only for the ids the
  churn thread deletes; a correctly signed URL must answer 200 and a wrongly signed one 401; `If-None-Match`
  with the current ETag of a stable derivative must answer 304;
- the CLI's uploads fail, or a CLI command is killed by a signal;
- memory grows: after the warm-up (the first quarter), the median RSS of the last quarter must not exceed
  the median of the second quarter by more than max(--rss-slack-mib, --rss-slack-percent). Medians, not
  maxima: a leak lifts the level the server returns to, while a burst of concurrent large renders is a
  short spike that is released again (one such 2-second spike failed a max-based check in CI). Spikes
  are bounded separately: no sample may exceed --rss-peak-mib.

Usage: soak.py [--bin PATH] [--seconds N] [--threads N] [--seed N] [--mix valid=45,hostile=30,...] [--keep]
(`Scripts/soak.sh [SECONDS]` runs it against `.build/debug/derive`; `DERIVE_BIN` and `SOAK_SECONDS` work too.
`--seed` makes the request sequence of each thread repeatable; `--keep` keeps the data and server logs.)
"""

from __future__ import annotations

import argparse
import atexit
import base64
import collections
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
IMAGES = REPO / "TestImages"
SECRET = "soak-secret"
CLOUD = "demo"
REQUEST_TIMEOUT = 45.0

# Originals. Stable ids are never deleted (404 on them is a failure); churn ids are overwritten with
# alternating sources and deleted by the churn thread while clients request them.
STABLE = {
    "soak/photo": "photo_1600_progressive.jpg",
    "soak/logo": "alpha_logo_skimage.png",
    "soak/big": "photo_12mp.jpg",
}
CHURN = {
    "soak/churn-a": ["photo_coffee.png", "photo_chelsea.png"],
    "soak/churn-b": ["anim_chelsea_8frames.gif", "photo_coffee_q80.webp"],
}
# Weights of the ids in valid requests (the 12 MP one is costly, so it is rarer).
ID_WEIGHTS = {"soak/photo": 5, "soak/logo": 3, "soak/big": 1, "soak/churn-a": 3, "soak/churn-b": 2}

MIME = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif", "avif": "image/avif"}
EXT_WEIGHTS = {"jpg": 6, "webp": 4, "png": 3, "gif": 1, "avif": 1}

# Transformations every original renders (the churn originals are at least 240x160).
VALID_TRANSFORMATIONS = {
    "fill": ["c_fill,h_200,w_300", "c_fill,g_auto,h_160,w_160", "ar_16:9,c_fill,w_320", "c_thumb,h_120,w_120"],
    "fit": ["c_fit,h_250,w_250", "c_limit,w_400", "c_pad,h_300,w_300,b_rgb:00ff00", "c_scale,w_0.25",
            "c_mfit,w_200", "c_crop,g_north_west,h_120,w_160"],
    "effect": ["c_scale,w_200/e_grayscale", "c_scale,w_200/e_sepia:50", "c_scale,w_200/e_blur:300",
               "e_sharpen,w_200", "e_pixelate:8,w_200", "c_scale,w_200/e_vignette:40", "e_negate,w_180",
               "e_brightness:-20,w_220", "c_fill,h_150,w_150/e_improve", "q_50,w_240", "fl_progressive,q_auto,w_260"],
    "rotate": ["a_90,w_200", "a_45,b_white,w_200", "a_hflip,w_200", "c_scale,w_150/a_180", "a_vflip.90,w_210"],
    "border": ["bo_5px_solid_red,w_200", "r_20,w_200", "c_fill,h_200,r_max,w_200", "bo_3px_solid_rgb:00ff00,r_10,w_190"],
    "text-layer": ["c_fill,h_200,w_300/co_red,l_text:Arial_20:Hi",
                   "w_300/l_text:Arial_20_bold:Hello%20soak/fl_layer_apply,g_south_east,x_10,y_10"],
    "image-layer": ["c_fill,h_200,w_300/l_soak:logo,w_60/fl_layer_apply,g_north_east,x_5,y_5"],
    "conditional": ["if_w_gt_1000/c_scale,w_500/if_else/c_scale,w_100/if_end", "$size_200/w_$size",
                    "w_iw_mul_0.1_add_10"],
}

# Hostile requests: every one must be answered 400, 401 or 404 with a JSON error.
HOSTILE_TRANSFORMATIONS = {
    "huge-number": ["w_100000000000000000000.0", "h_99999999999999999999", "c_scale,w_20000",
                    "bo_99999999999px_solid_red", "x_99999999999999999999,c_crop,w_10,h_10", "q_1000",
                    "o_1000", "dpr_100.0,w_1000", "c_pad,h_16384,w_16384"],
    "expression": ["w_iw_pow_100", "h_ih_pow_100", "r_iw_pow_100", "$v_iw_pow_1000/w_$v",
                   "w_iw_mul_1000000000000", "w_iw_div_0", "w_0_sub_iw"],
    "effect-arg": ["e_blur:999999", "e_pixelate:999999999999", "e_sharpen:99999999999", "e_vignette:-9999999999"],
    "unknown-param": ["zz_100", "wd_100", "c_fil,w_100", "e_nosuchthing", "t_no_such_named", "g_face,c_thumb,w_100",
                      "w_100,w_200"],
}
HINT_CASES = [("DPR", "dpr_auto,w_100", v) for v in ["nan", "inf", "-1", "1e300", "abc", "0", "-inf"]] + \
    [("Sec-CH-DPR", "dpr_auto,c_scale,w_120", v) for v in ["NaN", "1e999"]] + \
    [("Width", "w_auto:100,c_scale", v) for v in ["nan", "-5", "1e20", "x", "inf", "0"]] + \
    [("Sec-CH-Width", "c_scale,w_auto", v) for v in ["-inf", "99999999999999999999"]]


def path_tricks(rng: random.Random) -> list[str]:
    """Paths that must never be an image: traversal, NUL, ~8 KB paths, bad escapes, wrong types."""
    long_id = "".join(rng.choice(string.ascii_lowercase) for _ in range(8000))
    return [
        "/demo/image/upload/../../etc/passwd",
        "/demo/image/upload/w_100/v1/..%2f..%2fetc%2fpasswd.jpg",
        "/demo/image/upload/v1/../../../etc/passwd.jpg",
        "/demo/image/upload/v1/soak/photo%00.jpg",
        "/demo/image/upload/w_100%00/v1/soak/photo.jpg",
        "/demo/image/upload/%00",
        f"/demo/image/upload/v1/{long_id}.jpg",
        f"/demo/image/upload/zz_{long_id}/v1/soak/photo.jpg",
        "/demo/image/upload/" + "w_1,h_1," * 1000 + "c_scale/v1/soak/photo.jpg",
        "/demo/image/upload/w_100/v1/soak/photo.exe",
        "/demo/image/upload/w_100/v1/soak/%ZZphoto.jpg",
        "/demo/image/upload/w_100/v1/",
        "/demo/image/upload/",
        "/demo/image/upload/s--AAAAAAAA--/w_100/v1/soak/photo.jpg",
        "/demo/image/upload/s--AAAAAAAA--/v1/soak/photo.jpg",
        "/demo/image/upload/s--x--/w_100/v1/soak/photo.jpg",
        "/demo/image/upload/s----/w_100/v1/soak/photo.jpg",
        "/demo/image/upload/d_no_such_default.png,w_100/v1/soak/nonexistent.jpg",
        "/demo/image/upload/w_100/v1/soak/nonexistent.jpg",
        "/demo/video/upload/w_100/v1/soak/photo.mp4",
        "/demo/image/upload/l_no:such:layer/v1/soak/photo.jpg",
        "/demo/image/upload/l_text:Arial_99999999:Hi/v1/soak/photo.jpg",
        "/otherc/image/upload/w_100/v1/soak/photo.jpg",
    ]


GARBAGE_ALPHABET = string.ascii_letters + string.digits + "_,:.$!~-%/" + "@*()+;=&'"


def garbage_path(rng: random.Random) -> str:
    """Random segments ending in a public id that does not exist (so a 200 is impossible)."""
    def segment(n: int) -> str:
        raw = "".join(rng.choice(GARBAGE_ALPHABET) for _ in range(n))
        return urllib.parse.quote(raw, safe=string.ascii_letters + string.digits + "_,:.$!~-@*()+;=&'%")
    segs = [segment(rng.randint(1, 40)) for _ in range(rng.randint(1, 5))]
    tail = "nope-" + "".join(rng.choice(string.ascii_lowercase) for _ in range(12)) + rng.choice([".jpg", ".png", ""])
    prefix = rng.choice(["/demo/image/upload/", "/demo/", "/demo/image/", "/demo/image/upload/v1/", "/"])
    return prefix + "/".join(segs) + "/" + tail


def url_signature(to_sign: str, secret: str = SECRET, long: bool = False) -> str:
    """Cloudinary's s--SIG--: 8 chars of base64url(SHA1(to_sign + secret)), or 32 of the SHA-256 form."""
    if long:
        return base64.urlsafe_b64encode(hashlib.sha256((to_sign + secret).encode()).digest()).decode()[:32]
    return base64.urlsafe_b64encode(hashlib.sha1((to_sign + secret).encode()).digest()).decode()[:8]


# Test vectors: shared/cloudinary-api.md section 2.7 (with the secret the README says it comes from), and the
# SDK's `/demo/image/upload/s--zsPFVs3M--/c_scale,w_100/v1/folder/sample.jpg` (the version is not signed).
assert url_signature("sample.png", "abcd") == "8u3FOpeL"
assert url_signature("c_scale,w_100/folder/sample.jpg", "abcd_secret") == "zsPFVs3M"


@dataclass
class Request:
    cls: str  # valid, hostile, signed-good, signed-bad, garbage
    label: str  # finer grouping for the report
    path: str
    headers: dict = field(default_factory=dict)
    method: str = "GET"
    public_id: str | None = None
    expect_types: set | None = None  # acceptable image content types for a 200
    conditional: bool = False  # If-None-Match sent
    strict_304: bool = False  # the ETag is for a stable derivative, so 304 is the only right answer
    etag_key: tuple | None = None
    template: str | None = None  # what the request is made of, minus the id/extension (crash blocklist key)

    def describe(self) -> str:
        p = self.path if len(self.path) <= 160 else self.path[:120] + f"...({len(self.path)} chars)..." + self.path[-30:]
        h = "".join(f" -H '{k}: {v}'" for k, v in self.headers.items())
        return f"{self.method} {p}{h}"


class Generator:
    def __init__(self, rng: random.Random, etags: dict, etag_lock: threading.Lock, mix: dict):
        self.mix = mix
        self.rng = rng
        self.etags = etags
        self.etag_lock = etag_lock
        self.ids = list(ID_WEIGHTS)
        self.id_weights = list(ID_WEIGHTS.values())

    def pick_ext(self) -> str:
        return self.rng.choices(list(EXT_WEIGHTS), weights=list(EXT_WEIGHTS.values()))[0]

    def next(self) -> Request:
        kind = self.rng.choices(list(self.mix), weights=list(self.mix.values()))[0]
        if kind == "garbage":
            return Request("garbage", "garbage", garbage_path(self.rng))
        return getattr(self, kind)()

    def next_allowed(self, blocked: set) -> Request:
        """The next request whose template is not a known crasher (after a few tries, any request)."""
        for _ in range(50):
            req = self.next()
            if req.template is None or req.template not in blocked:
                return req
        return req

    def valid(self) -> Request:
        rng = self.rng
        pid = rng.choices(self.ids, weights=self.id_weights)[0]
        ext = self.pick_ext()
        kind = rng.choice(list(VALID_TRANSFORMATIONS) + ["f_auto", "dpr_auto", "w_auto", "plain"])
        headers: dict = {}
        types = {MIME[ext]}
        if kind == "f_auto":
            accept = rng.choice(["image/avif,image/webp,image/*,*/*;q=0.8", "image/webp,*/*", "*/*",
                                 "image/png,image/jpeg", "text/html"])
            headers["Accept"] = accept
            t = rng.choice(["f_auto,w_200", "c_fill,f_auto,h_150,w_150", "f_auto,q_auto,w_180"])
            types = {m for m in MIME.values() if m in accept} | {"image/jpeg", "image/png"}
        elif kind == "dpr_auto":
            headers[rng.choice(["DPR", "Sec-CH-DPR"])] = rng.choice(["1", "1.5", "2", "2.625", "3"])
            t = rng.choice(["dpr_auto,w_100", "c_fill,dpr_auto,h_80,w_80"])
        elif kind == "w_auto":
            headers[rng.choice(["Width", "Sec-CH-Width"])] = str(rng.choice([50, 200, 320, 640, 999]))
            t = rng.choice(["c_scale,w_auto:100", "c_scale,w_auto", "c_limit,w_auto:50:400"])
        elif kind == "plain":
            t = ""
            if pid == "soak/big":
                if rng.random() < 0.5:
                    # The 2 MB original itself, streamed from the store: many of these at once must
                    # keep the server's memory bounded (the memory check below).
                    ext = "jpg"
                    types = {MIME[ext]}
                else:  # a full 12 MP re-encode is costly: keep it small
                    t = "c_scale,w_300"
        else:
            t = rng.choice(VALID_TRANSFORMATIONS[kind])
        path = f"/{CLOUD}/image/upload/" + (t + "/" if t else "") + f"v1/{pid}.{ext}"
        req = Request("valid", kind, path, headers, public_id=pid, expect_types=types,
                      template=f"valid:{kind}:{t}:{sorted(headers.items())}")
        req.etag_key = (path, tuple(sorted(headers.items())))
        if rng.random() < 0.2:
            with self.etag_lock:
                etag = self.etags.get(req.etag_key)
            if etag:
                req.headers = dict(headers, **{"If-None-Match": etag})
                req.conditional = True
                req.strict_304 = pid in STABLE
        if not req.conditional and pid in STABLE and rng.random() < 0.07:
            req.method = "HEAD"
        return req

    def hostile(self) -> Request:
        rng = self.rng
        r = rng.random()
        pid = rng.choice(list(STABLE))
        if r < 0.45:
            label = rng.choice(list(HOSTILE_TRANSFORMATIONS))
            t = rng.choice(HOSTILE_TRANSFORMATIONS[label])
            return Request("hostile", label, f"/{CLOUD}/image/upload/{t}/v1/{pid}.{self.pick_ext()}", public_id=pid,
                           template=f"hostile:{t}")
        if r < 0.75:
            name, t, value = rng.choice(HINT_CASES)
            return Request("hostile", "hint-header", f"/{CLOUD}/image/upload/{t}/v1/{pid}.jpg", {name: value},
                           public_id=pid, template=f"hint:{t}:{name}:{value}")
        tricks = path_tricks(rng)
        i = rng.randrange(len(tricks))
        return Request("hostile", "path-trick", tricks[i], template=f"path-trick:{i}")

    def signed(self) -> Request:
        rng = self.rng
        pid = rng.choice(["soak/photo", "soak/photo", "soak/logo", "soak/big"])
        ext = rng.choice(["jpg", "webp", "png"])
        t = rng.choice(["c_fill,h_100,w_100", "e_grayscale,w_150", "a_90,w_120", "c_fit,h_90,w_160/e_sepia:50",
                        "c_scale,w_200/co_blue,l_text:Arial_20:Hi", ""])
        if pid == "soak/big" and not t:
            t = "c_scale,w_200"
        source = f"{pid}.{ext}"
        to_sign = f"{t}/{source}" if t else source
        long = rng.random() < 0.15
        good = rng.random() < 0.6
        if good:
            sig, label = url_signature(to_sign, long=long), "signed-sha256" if long else "signed-sha1"
        else:
            how = rng.choice(["flipped", "wrong-secret", "other-transformation", "with-version", "unsigned-text"])
            label = "bad-" + how
            if how == "flipped":
                sig = url_signature(to_sign, long=long)
                i = rng.randrange(len(sig))
                sig = sig[:i] + ("B" if sig[i] != "B" else "C") + sig[i + 1:]
            elif how == "wrong-secret":
                sig = url_signature(to_sign, secret="not-" + SECRET, long=long)
            elif how == "other-transformation":
                sig = url_signature(f"c_scale,w_1/{source}", long=long)
            elif how == "with-version":  # the version is not signed; signing it is wrong
                sig = url_signature(f"{t}/v1/{source}" if t else f"v1/{source}")
            else:  # a well-formed signature that signs nothing
                sig = "AAAAAAAA"
        path = f"/{CLOUD}/image/upload/s--{sig}--/" + (t + "/" if t else "") + f"v1/{source}"
        return Request("signed-good" if good else "signed-bad", label, path, public_id=pid, expect_types={MIME[ext]},
                       template=f"{label}:{t}")


@dataclass
class Crash:
    when: float  # seconds into the run
    code: str  # how the process ended
    flight: list  # [(Request, seconds in flight)]
    start: int  # which server start crashed
    summary: str  # fatal error line and the crashed thread's first frames
    replays: list = field(default_factory=list)  # [(Request, verdict)]


def magic_type(body: bytes) -> str | None:
    if body.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if body.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if body[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    if body[4:8] == b"ftyp":
        brand = body[8:12]
        if brand in (b"avif", b"avis"):
            return "image/avif"
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heis"):
            return "image/heic"
    if body[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return None


class Stats:
    """Thread-safe counters, failures grouped by (reason, label) with the first few examples."""

    MAX_EXAMPLES = 4

    def __init__(self):
        self.lock = threading.Lock()
        self.by_class: dict = collections.defaultdict(collections.Counter)
        self.by_label: dict = collections.defaultdict(collections.Counter)
        self.latency: dict = collections.defaultdict(list)
        self.failures: dict = collections.OrderedDict()
        self.failure_count = 0

    def record(self, req: Request, status, seconds: float):
        with self.lock:
            self.by_class[req.cls][status] += 1
            self.by_label[(req.cls, req.label)][status] += 1
            self.latency[req.cls].append(seconds)

    def fail(self, reason: str, label: str, example: str, shape: str | None = None):
        """Counts a failed check; keeps the first examples of distinct request shapes."""
        with self.lock:
            self.failure_count += 1
            entry = self.failures.setdefault((reason, label), [0, [], set()])
            entry[0] += 1
            key = shape or example
            if len(entry[1]) < self.MAX_EXAMPLES and key not in entry[2]:
                entry[2].add(key)
                entry[1].append(example)


def header(resp, name: str) -> str | None:
    return resp.getheader(name)


class Checker:
    """The response contract. Returns the failure reasons (empty when the response is right)."""

    def __init__(self, churn_ids: set):
        self.churn_ids = churn_ids

    def check(self, req: Request, status: int, resp, body: bytes) -> list[str]:
        reasons = []
        if not header(resp, "X-Request-Id"):
            reasons.append("missing X-Request-Id header")
        if status >= 500:
            if status != 503:
                reasons.append(f"{status} (only 503 is allowed among 5xx)")
            elif not header(resp, "Retry-After"):
                reasons.append("503 without Retry-After")
            return reasons
        if status == 200:
            if req.cls in ("hostile", "garbage", "signed-bad"):
                reasons.append(f"{req.cls} request answered 200 (expected {self.expected(req)})")
            reasons += self.check_image(req, resp, body)
        elif status == 304:
            if not req.conditional:
                reasons.append("304 to a request without If-None-Match")
        elif 400 <= status < 500:
            reasons += self.check_json_error(req, resp, body)
            if req.cls == "valid" or req.cls == "signed-good":
                if status == 404 and req.public_id in self.churn_ids:
                    pass  # deleted by the churn thread
                else:
                    reasons.append(f"{req.cls} request refused with {status}")
            elif req.cls == "signed-bad":
                if status != 401:
                    reasons.append(f"wrongly signed URL answered {status}, not 401")
            elif status not in (400, 401, 404):
                reasons.append(f"{req.cls} request answered {status} (expected 400/401/404)")
        else:
            reasons.append(f"unexpected status {status}")
        if req.strict_304 and status == 200:
            reasons.append("200 instead of 304 for If-None-Match with the current ETag of a stable derivative")
        return reasons

    @staticmethod
    def expected(req: Request) -> str:
        return {"hostile": "400/401/404", "garbage": "400/401/404", "signed-bad": "401"}.get(req.cls, "200")

    def check_image(self, req: Request, resp, body: bytes) -> list[str]:
        reasons = []
        ctype = (header(resp, "Content-Type") or "").split(";")[0].strip().lower()
        if not ctype.startswith("image/"):
            reasons.append(f"200 with Content-Type {ctype!r}")
        length = header(resp, "Content-Length")
        if length is None:
            reasons.append("200 without Content-Length")
        if not header(resp, "Cache-Control"):
            reasons.append("200 without Cache-Control")
        if not header(resp, "ETag"):
            reasons.append("200 without ETag")
        if req.method == "HEAD":
            if length is not None and int(length) <= 0:
                reasons.append(f"HEAD 200 with Content-Length {length}")
            return reasons
        if length is not None and int(length) != len(body):
            reasons.append(f"Content-Length {length} but {len(body)} body bytes")
        magic = magic_type(body)
        if magic is None:
            reasons.append("200 body is not a recognised image")
        elif magic != ctype:
            reasons.append(f"200 body is {magic} but Content-Type says {ctype}")
        if req.expect_types and ctype not in req.expect_types:
            reasons.append(f"200 with {ctype}, expected {'/'.join(sorted(req.expect_types))}")
        return reasons

    @staticmethod
    def check_json_error(req: Request, resp, body: bytes) -> list[str]:
        if req.method == "HEAD":
            return []
        try:
            doc = json.loads(body)
            message = doc["error"]["message"]
            if not isinstance(message, str) or not message.strip():
                return ["4xx error message empty"]
        except (ValueError, KeyError, TypeError):
            return ["4xx without a JSON {\"error\":{\"message\":…}} body"]
        return []


class Server:
    """The `derive serve` child: started, watched and stopped only through its own Popen handle."""

    def __init__(self, binary: str, data: Path, env: dict, log_dir: Path):
        self.binary, self.data, self.env, self.log_dir = binary, data, env, log_dir
        self.proc: subprocess.Popen | None = None
        self.backtrace = False
        self.port = 0
        self.starts = 0

    # Swift's backtracer symbolicates a debug binary for seconds while the crashed process holds every
    # connection, so the soak runs without it (the runtime still prints the fatal error) and the replays
    # of crashing requests run with a short one (the crashed thread only). SWIFT_BACKTRACE overrides both.
    QUIET = "enable=no"
    BACKTRACE = "enable=yes,interactive=no,color=no,threads=crashed,registers=none,images=none,limit=24"

    def start(self, timeout: float = 60.0, backtrace: bool = False):
        env = dict(self.env)
        env.setdefault("SWIFT_BACKTRACE", self.BACKTRACE if backtrace else self.QUIET)
        # The delivery cache grows by design until its bounds (64 MiB of images, 20,000 URLs by
        # default); a small cache fills within the warm-up, so what the memory check sees after it
        # is a leak, not the cache filling (one CI run's median rose 44 MiB while the cache filled).
        env.setdefault("DERIVE_DELIVERY_CACHE_MB", "4")
        env.setdefault("DERIVE_DELIVERY_CACHE_URLS", "500")
        self.backtrace = backtrace
        self.port = free_port()
        cmd = [self.binary, "serve", "--data", str(self.data), "--host", "127.0.0.1", "--port", str(self.port)]
        if shutil.which("setpriv"):  # the server gets SIGTERM if this script dies without cleaning up
            cmd = ["setpriv", "--pdeathsig", "TERM", "--"] + cmd
        self.starts += 1
        self.log_path = self.log_dir / f"server-{self.starts}.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {describe_exit(self.proc.returncode)} while starting:\n"
                                   + self.log_tail())
            try:
                status, _, _ = simple_get(self.port, "/health", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"GET /health did not answer 200 within {timeout:.0f} s:\n" + self.log_tail())

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def rss_kib(self) -> int | None:
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except (OSError, ValueError):
            return None
        return None

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n".join("    | " + l for l in text[-lines:])

    def crash_summary(self, frames: int = 6) -> str:
        """The runtime's `Fatal error` line and the first frames of the crashed thread in derive's own code."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        out, in_crashed, kept = [], False, 0
        for line in text:
            if "Fatal error" in line or "Program crashed" in line or "error:" in line.lower()[:40]:
                out.append(line.strip())
            elif " crashed:" in line:
                in_crashed = True
            elif in_crashed and kept < frames and " in derive at " in line and "<compiler-generated>" not in line:
                m = re.search(r"0x[0-9a-f]+ (.*?) \+ \d+ in derive at (.*)$", line)
                if m:
                    where = m.group(2).strip().replace(str(REPO) + "/", "").replace(self.binary_root(), "")
                    out.append(f"  at {m.group(1).strip()} ({where})")
                    kept += 1
            elif in_crashed and line.startswith("Thread "):
                in_crashed = False
        return "\n".join(out) if out else "(no crash report in the server log; last lines:)\n" + self.log_tail(8)

    def binary_root(self) -> str:
        # The source root of the binary (a worktree's path when it was built elsewhere).
        p = Path(self.binary).resolve()
        for parent in p.parents:
            if parent.name == ".build":
                return str(parent.parent) + "/"
        return "\0"


def describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"status {code}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def simple_get(port: int, path: str, timeout: float = 5.0, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp, resp.read()
    finally:
        conn.close()


def run_cli(binary: str, args: list, env: dict, timeout: float = 60.0) -> subprocess.CompletedProcess:
    return subprocess.run([binary] + args, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class Soak:
    def __init__(self, args):
        self.args = args
        self.binary = str(Path(args.bin).resolve())
        self.stats = Stats()
        self.checker = Checker(set(CHURN))
        self.stop = threading.Event()
        self.down = threading.Event()  # set while the server is being restarted
        self.etags: dict = {}
        self.etag_lock = threading.Lock()
        self.in_flight: dict = {}  # worker index -> (Request, start time)
        self.crashes: list[Crash] = []
        self.fatal = ""
        self.health_ok, self.health_detail = False, "not checked"
        self.rss: list = []  # (seconds since start, KiB, server start number)
        self.churn_ops = collections.Counter()
        self.tmp = Path(tempfile.mkdtemp(prefix="derive-soak."))
        self.data = self.tmp / "data"
        self.env = dict(os.environ, DERIVE_API_SECRET=SECRET, DERIVE_CLOUD_NAME=CLOUD)
        # A short backtrace (crashed thread, symbolicated) unless the caller chose otherwise.
        self.server = Server(self.binary, self.data, self.env, self.tmp)
        self.blocked: dict = {}  # template -> (example Request, crash summary): requests that crash the server alone
        self.blocked_lock = threading.Lock()
        self.t0 = 0.0
        self.elapsed = 0.0
        self.cleaned = False

    # --- setup -----------------------------------------------------------------------------------
    def upload(self, source: str, public_id: str) -> subprocess.CompletedProcess:
        return run_cli(self.binary, ["upload", str(IMAGES / source), "--public-id", public_id, "--data", str(self.data)],
                       self.env)

    def setup(self):
        for pid, source in list(STABLE.items()) + [(p, s[0]) for p, s in CHURN.items()]:
            r = self.upload(source, pid)
            if r.returncode != 0:
                raise RuntimeError(f"derive upload {source} --public-id {pid} failed ({describe_exit(r.returncode)}):\n"
                                   f"{r.stdout}{r.stderr}")
        self.server.start()

    # --- client threads --------------------------------------------------------------------------
    def worker(self, index: int):
        rng = random.Random(self.args.seed * 1000 + index)
        gen = Generator(rng, self.etags, self.etag_lock, self.args.mix)
        conn = None
        while not self.stop.is_set():
            if self.down.is_set() or not self.server.alive():
                conn = close(conn)
                time.sleep(0.05)
                continue
            try:
                conn = self.exchange(index, rng, gen, conn)
            except Exception as error:  # a bug in this script: report it and keep the thread going
                conn = close(conn)
                self.in_flight.pop(index, None)
                self.stats.fail(f"soak client error {type(error).__name__}: {str(error)[:120]}", "client", "")
                time.sleep(0.1)
        close(conn)

    def exchange(self, index: int, rng: random.Random, gen: Generator, conn):
        """Sends one request and checks the answer; returns the connection to reuse (or None)."""
        with self.blocked_lock:
            blocked = set(self.blocked)
        req = gen.next_allowed(blocked)
        if conn is None or rng.random() < 0.05:
            close(conn)
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=REQUEST_TIMEOUT)
        start = time.monotonic()
        starts = self.server.starts
        self.in_flight[index] = (req, start, starts)
        try:
            conn.request(req.method, req.path, headers=req.headers)
            resp = conn.getresponse()
            body = resp.read()
            status = resp.status
            if resp.will_close:
                conn = close(conn)
        except (OSError, http.client.HTTPException) as error:
            conn = close(conn)
            # A dead server explains the error: the crash report names this request instead.
            time.sleep(0.3)
            if self.down.is_set() or not self.server.alive() or self.server.starts != starts or self.stop.is_set():
                self.in_flight.pop(index, None)
                return None
            seconds = time.monotonic() - start
            self.in_flight.pop(index, None)
            kind = "timeout" if isinstance(error, TimeoutError) else "no response"
            self.stats.record(req, kind, seconds)
            self.stats.fail(f"{kind} ({type(error).__name__}: {str(error)[:80]})", f"{req.cls}:{req.label}",
                            f"{req.describe()} after {seconds:.1f} s", shape=req.template)
            return None
        seconds = time.monotonic() - start
        self.in_flight.pop(index, None)
        self.stats.record(req, status, seconds)
        if status == 200 and req.etag_key and header(resp, "ETag"):
            with self.etag_lock:
                self.etags[req.etag_key] = header(resp, "ETag")
        for reason in self.checker.check(req, status, resp, body):
            if 200 <= status < 300:
                excerpt = f"{header(resp, 'Content-Type')}, {len(body)} bytes"
            else:
                excerpt = body[:300].decode("utf-8", "replace")
            rid = header(resp, "X-Request-Id")
            self.stats.fail(reason, f"{req.cls}:{req.label}",
                            f"{req.describe()} -> {status} {excerpt!r}" + (f" [request id {rid}]" if rid else ""),
                            shape=req.template)
        return conn

    def churn(self):
        rng = random.Random(self.args.seed * 1000 + 999)
        turn = collections.Counter()
        while not self.stop.wait(0.5):
            pid = rng.choice(list(CHURN))
            try:
                if rng.random() < 0.6:
                    source = CHURN[pid][turn[pid] % len(CHURN[pid])]
                    turn[pid] += 1
                    r = self.upload(source, pid)
                    op = "upload"
                    ok = r.returncode == 0
                else:
                    r = run_cli(self.binary, ["delete", pid, "--data", str(self.data)], self.env)
                    op = "delete"
                    ok = r.returncode == 0 or (r.returncode == 1 and "not found" in r.stdout + r.stderr)
            except subprocess.TimeoutExpired:
                self.churn_ops["timeout"] += 1
                self.stats.fail("CLI command took over 60 s", "churn", pid)
                continue
            self.churn_ops[op] += 1
            if not ok:
                self.churn_ops[op + " failed"] += 1
                self.stats.fail(f"derive {op} failed ({describe_exit(r.returncode)})", "churn",
                                f"derive {op} {pid}: {(r.stdout + r.stderr).strip()[:300]!r}")

    # --- main loop: watch the server, sample memory -----------------------------------------------
    def run(self):
        seconds = self.args.seconds
        threads = [threading.Thread(target=self.worker, args=(i,), daemon=True) for i in range(self.args.threads)]
        threads.append(threading.Thread(target=self.churn, daemon=True))
        self.t0 = time.monotonic()
        self.replay_budget = self.args.replay_seconds
        for t in threads:
            t.start()
        next_sample = self.t0
        while (now := time.monotonic()) < self.t0 + seconds:
            if not self.server.alive():
                self.down.set()
                try:
                    self.on_crash(now)
                    if self.args.stop_on_crash or len(self.crashes) > self.args.max_restarts:
                        break
                    self.server.start(backtrace=True)
                    self.replay(self.crashes[-1])
                    self.server.stop()
                    self.server.start()
                except RuntimeError as error:
                    self.fatal = f"could not restart the server: {error}"
                    break
                finally:
                    self.down.clear()
                continue
            if now >= next_sample:
                kib = self.server.rss_kib()
                if kib is not None:
                    self.rss.append((now - self.t0, kib, self.server.starts))
                next_sample += 1.0
            time.sleep(0.05)
        self.elapsed = time.monotonic() - self.t0
        self.stop.set()
        for t in threads:
            t.join(timeout=REQUEST_TIMEOUT + 15)
        self.final_health()
        if not self.server.alive() and (not self.crashes or self.crashes[-1].start != self.server.starts):
            self.on_crash(time.monotonic())
            try:
                self.server.start(backtrace=True)
                self.replay(self.crashes[-1])
            except RuntimeError as error:
                self.fatal = f"could not restart the server: {error}"

    def final_health(self):
        self.health_ok, self.health_detail = False, "server not running"
        if self.server.alive():
            try:
                status, _, body = simple_get(self.server.port, "/health", timeout=10)
                self.health_ok, self.health_detail = status == 200, f"{status} {body[:200]!r}"
            except (OSError, http.client.HTTPException) as error:
                self.health_detail = f"no answer ({error})"
        else:
            self.health_detail = f"server not running ({describe_exit(self.server.proc.returncode)})"

    def on_crash(self, now: float):
        time.sleep(0.2)  # let the workers whose requests died leave them in `in_flight`
        flight = [(req, now - start) for req, start, starts in list(self.in_flight.values())
                  if starts == self.server.starts]
        crash = Crash(now - self.t0, describe_exit(self.server.proc.returncode), flight, self.server.starts,
                      self.server.crash_summary())
        self.crashes.append(crash)
        print(f"!! server exited ({crash.code}) at {crash.when:.1f} s with {len(flight)} requests in flight; "
              f"{crash.summary.splitlines()[0][:160]}", flush=True)

    def replay(self, crash: Crash):
        """Sends each request that was in flight at `crash` alone to the restarted server. One that crashes it
        is a crasher: its template is blocked for the rest of the run so that the soak goes on finding others."""
        seen, found = set(), False
        order = {"hostile": 0, "garbage": 1, "signed-bad": 2, "signed-good": 3, "valid": 4}
        for req, _ in sorted(crash.flight, key=lambda f: order.get(f[0].cls, 5)):
            key = (req.method, req.path, tuple(sorted(req.headers.items())))
            if key in seen:
                continue
            seen.add(key)
            with self.blocked_lock:
                known = req.template in self.blocked
            if known:
                crash.replays.append((req, "a known crasher"))
                found = True
                continue
            if found:
                crash.replays.append((req, "not replayed (a crasher was found first)"))
                continue
            if self.replay_budget <= 0 or len(seen) > self.args.replay_max:
                crash.replays.append((req, "not replayed (replay budget spent)"))
                continue
            started = time.monotonic()
            conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=REQUEST_TIMEOUT)
            try:
                conn.request(req.method, req.path, headers={k: v for k, v in req.headers.items() if k != "If-None-Match"})
                resp = conn.getresponse()
                outcome = f"answered {resp.status}"
                resp.read()
            except (OSError, http.client.HTTPException) as error:
                outcome = f"no response ({type(error).__name__})"
            finally:
                conn.close()
            deadline = time.monotonic() + (30 if outcome.startswith("no response") else 0.3)
            while self.server.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            if self.server.alive():
                crash.replays.append((req, f"does not crash it alone ({outcome})"))
            else:
                summary = self.server.crash_summary()
                with self.blocked_lock:
                    self.blocked[req.template or req.path] = (req, summary, describe_exit(self.server.proc.returncode))
                crash.replays.append((req, "CRASHES THE SERVER ALONE"))
                print(f"!! crasher: [{req.cls}:{req.label}] {req.describe()}", flush=True)
                found = True
                self.server.start(backtrace=True)
            self.replay_budget -= time.monotonic() - started

    def memory_verdict(self) -> tuple[bool, str]:
        samples = self.rss
        if not samples:
            return False, "no RSS samples"
        lines = []
        per_start = collections.Counter(g for _, _, g in samples)
        if len(per_start) > 1:
            # Restarted: judge the longest-lived server alone, over its own lifetime, if it lived long enough.
            start = per_start.most_common(1)[0][0]
            samples = [s for s in samples if s[2] == start]
            if samples[-1][0] - samples[0][0] < self.elapsed / 2:
                return True, "  memory check skipped: the server was restarted and no start lived half the run"
            lines.append(f"  (restarted: judging server start {start} alone, "
                         f"{samples[0][0]:.0f}-{samples[-1][0]:.0f} s)")
        t0 = samples[0][0] if len(per_start) > 1 else 0.0
        T = (samples[-1][0] - t0) if len(per_start) > 1 else self.elapsed
        q = [[kib for t, kib, _ in samples if i * T / 4 <= t - t0 < (i + 1) * T / 4 or (i == 3 and t - t0 >= T)]
             for i in range(4)]
        for i, part in enumerate(q):
            if part:
                srt = sorted(part)
                lines.append(f"  quarter {i + 1}: {len(part):3d} samples, min {srt[0] / 1024:7.1f} MiB, "
                             f"median {median(part) / 1024:7.1f} MiB, max {srt[-1] / 1024:7.1f} MiB")
        step = max(1, len(samples) // 24)
        lines.append("  MiB over time: " + " ".join(f"{t:.0f}s:{kib / 1024:.0f}" for t, kib, _ in samples[::step]))
        if not q[1] or not q[3]:
            return True, "\n".join(lines + ["  memory check skipped: too few samples (run longer)"])
        q2, q4 = median(q[1]), median(q[3])
        slack = max(self.args.rss_slack_mib * 1024, q2 * self.args.rss_slack_percent / 100)
        flat = q4 <= q2 + slack
        peak = max(kib for _, kib, _ in samples)
        bounded = peak <= self.args.rss_peak_mib * 1024
        verdict = (f"  last-quarter median {q4 / 1024:.1f} MiB vs second-quarter median {q2 / 1024:.1f} MiB + slack "
                   f"{slack / 1024:.1f} MiB: {'flat' if flat else 'GROWING'}; peak {peak / 1024:.1f} MiB "
                   f"(limit {self.args.rss_peak_mib:.0f} MiB): {'bounded' if bounded else 'TOO HIGH'}")
        return flat and bounded, "\n".join(lines + [verdict])

    def report(self) -> bool:
        st = self.stats
        total = sum(sum(c.values()) for c in st.by_class.values())
        out = print
        out("")
        out(f"== derive soak: {self.elapsed:.1f} s, {self.args.threads} client threads, seed {self.args.seed}, "
            f"{total} requests ({total / max(self.elapsed, 0.001):.1f} req/s)")
        for cls in ["valid", "signed-good", "signed-bad", "hostile", "garbage"]:
            c = st.by_class.get(cls, collections.Counter())
            lat = sorted(st.latency.get(cls, [0]))
            hist = " ".join(f"{k}:{v}" for k, v in sorted(c.items(), key=lambda kv: str(kv[0])))
            out(f"  {cls:12s} {sum(c.values()):6d} req  p50 {lat[len(lat) // 2] * 1000:6.0f} ms  "
                f"p95 {lat[int(len(lat) * 0.95)] * 1000:6.0f} ms  max {lat[-1] * 1000:6.0f} ms   {hist}")
        out("  by label:")
        for (cls, label), c in sorted(st.by_label.items()):
            hist = " ".join(f"{k}:{v}" for k, v in sorted(c.items(), key=lambda kv: str(kv[0])))
            out(f"    {cls + ':' + label:28s} {sum(c.values()):6d}   {hist}")
        out(f"  churn (CLI): {dict(self.churn_ops)}")
        mem_ok, mem_text = self.memory_verdict()
        out("== memory (VmRSS, sampled every second; warm-up = first quarter)")
        out(mem_text)
        failed = False
        if self.fatal:
            failed = True
            out(f"== FAIL: {self.fatal}")
        unexplained_only = self.crashes and not self.blocked and all(
            not any(v == "CRASHES THE SERVER ALONE" or v == "a known crasher" for _, v in c.replays)
            for c in self.crashes)
        if self.crashes and unexplained_only and len(self.crashes) <= self.args.tolerate_unexplained_crashes:
            # Only when asked (README, "Known problems"): a crash no single request reproduces is reported
            # loudly without failing the run, while it is being investigated.
            out(f"== WARNING: the server exited {len(self.crashes)} time(s) and no single request reproduces it "
                f"(tolerated: --tolerate-unexplained-crashes {self.args.tolerate_unexplained_crashes})")
            for c in self.crashes:
                out(f"  crash at {c.when:.1f} s ({c.code}):")
                out("\n".join("      " + l for l in c.summary.splitlines()))
        elif self.crashes:
            failed = True
            out(f"== FAIL: the server exited {len(self.crashes)} time(s)")
            if self.blocked:
                out("  requests that crash the server on their own (replayed alone after a crash; requests of the "
                    "same shape were not sent again):")
                for req, summary, code in self.blocked.values():
                    out(f"  - [{req.cls}:{req.label}] {req.describe()}   ({code})")
                    out("\n".join("      " + l for l in summary.splitlines()))
            unexplained = [c for c in self.crashes
                           if not any(v == "CRASHES THE SERVER ALONE" or v == "a known crasher" for _, v in c.replays)]
            for c in unexplained[:3]:
                out(f"  crash at {c.when:.1f} s ({c.code}) not reproduced by any single in-flight request:")
                out("\n".join("      " + l for l in c.summary.splitlines()))
                for req, verdict in c.replays[:10] or [(r, "not replayed") for r, _ in c.flight[:10]]:
                    out(f"    - [{req.cls}:{req.label}] {req.describe()} => {verdict}")
        if not self.health_ok:
            failed = True
            out(f"== FAIL: final GET /health: {self.health_detail}")
        if not mem_ok:
            failed = True
            out("== FAIL: memory is not flat or its peak is too high (see above)")
        if st.failures:
            failed = True
            out(f"== FAIL: {st.failure_count} failed checks in {len(st.failures)} groups (reason / class:label, "
                f"distinct examples)")
            by_reason: dict = collections.OrderedDict()
            for (reason, label), (count, examples, _) in sorted(st.failures.items()):
                by_reason.setdefault(reason, []).append((label, count, examples))
            for reason, groups in by_reason.items():
                out(f"  * {reason}: x{sum(c for _, c, _ in groups)}  "
                    f"[{', '.join(f'{label} x{count}' for label, count, _ in groups)}]")
                # Up to 8 examples, taken round-robin across the labels.
                shown, depth = [], 0
                while len(shown) < 10 and depth < Stats.MAX_EXAMPLES:
                    shown += [ex[depth] for _, _, ex in groups if len(ex) > depth][: 10 - len(shown)]
                    depth += 1
                for e in shown:
                    out(f"      {e[:600]}")
        out("== " + ("FAILED" if failed else "PASSED") + f" (wall time {time.monotonic() - self.started:.1f} s)")
        return not failed

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        self.stop.set()
        self.server.stop()
        if self.args.keep:
            print(f"(kept {self.tmp})")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def main(self) -> int:
        self.started = time.monotonic()
        atexit.register(self.cleanup)
        try:
            print(f"derive soak: {self.binary}, {self.args.seconds:.0f} s, data in {self.tmp}, seed {self.args.seed}",
                  flush=True)
            self.setup()
            print(f"server up on 127.0.0.1:{self.server.port} (pid {self.server.proc.pid}); soaking...", flush=True)
            self.run()
            return 0 if self.report() else 1
        except RuntimeError as error:
            print(f"== FAIL: {error}", flush=True)
            return 1
        finally:
            self.cleanup()


def close(conn):
    if conn is not None:
        conn.close()
    return None


def median(values: list[int]) -> float:
    srt = sorted(values)
    return srt[len(srt) // 2]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bin", default=os.environ.get("DERIVE_BIN", str(REPO / ".build/debug/derive")),
                   help="the derive binary (default: $DERIVE_BIN, else .build/debug/derive)")
    p.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", "60")))
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    p.add_argument("--rss-slack-mib", type=float, default=64)
    p.add_argument("--rss-slack-percent", type=float, default=25)
    p.add_argument("--rss-peak-mib", type=float, default=1024,
                   help="no RSS sample may exceed this (default 1024; the server's render concurrency bounds it)")
    p.add_argument("--stop-on-crash", action="store_true", help="end the run at the first crash (no restart)")
    p.add_argument("--max-restarts", type=int, default=30)
    p.add_argument("--replay-max", type=int, default=10, help="in-flight requests replayed alone after a crash")
    p.add_argument("--tolerate-unexplained-crashes", type=int, default=0,
                   help="pass despite up to N crashes that no single in-flight request reproduces (default 0)")
    p.add_argument("--replay-seconds", type=float, default=120, help="total time spent replaying after crashes")
    p.add_argument("--mix", default="valid=45,hostile=30,signed=15,garbage=10",
                   help="weights of the request kinds (valid, hostile, signed, garbage)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (data and server logs)")
    args = p.parse_args()
    try:
        args.mix = {k: float(v) for k, v in (item.split("=") for item in args.mix.split(","))}
        assert args.mix and set(args.mix) <= {"valid", "hostile", "signed", "garbage"} and sum(args.mix.values()) > 0
    except (ValueError, AssertionError):
        p.error("--mix takes kind=weight pairs, kinds valid, hostile, signed, garbage")
    if not os.access(args.bin, os.X_OK):
        print(f"derive soak: no executable at {args.bin} (build it, or pass --bin / DERIVE_BIN)", file=sys.stderr)
        return 2

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    sys.stdout.reconfigure(line_buffering=True)
    return Soak(args).main()


if __name__ == "__main__":
    sys.exit(main())
