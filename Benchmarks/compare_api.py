#!/usr/bin/env python3
"""API benchmark (issue 12): Derive's Upload and Admin API through the official Cloudinary Python SDK,
against the `derive` CLI doing the same work on its own, and delivery while the API is busy.

One command, from the repository root (it installs and builds what is missing, then runs this script):

    Benchmarks/api_bench.sh                               # full run, about 8 minutes on 2 cores
    Benchmarks/api_bench.sh --quick                       # smoke run, under a minute
    Benchmarks/api_bench.sh --markdown out.md             # also write the markdown tables to a file
    Benchmarks/api_bench.sh --derive PATH                 # use this derive binary, do not build

`api_bench.sh` installs `wrk` with apt-get if it is missing, makes a Python venv with the `cloudinary` SDK
in Benchmarks/.venv (DERIVE_BENCH_VENV overrides) if it has none, builds
`swift build -c release --product derive` unless --derive is given, and runs this script in the venv.
This script alone: `Benchmarks/.venv/bin/python Benchmarks/compare_api.py --derive PATH [...]`.

Set-up (all in one temporary directory, removed at the end, also on Ctrl-C and errors):
  - N distinct 64x64 RGB PNGs (N = --uploads, 1,000; about 12.4 KB each, seeded noise, so no two share
    a blob), written once by this script (pure Python, zlib).
  - `derive serve --data DIR --host 127.0.0.1 --port 0 --gc-interval 0` with a generated key pair
    (DERIVE_API_KEY/DERIVE_API_SECRET), DERIVE_ADMIN_RATE_LIMIT=100000000 (the quota never answers 420
    here) and DERIVE_ACCESS_LOG=0. The SDK is pointed at it as Tests/Compat/sdk_compat.py does:
    `cloudinary.config(cloud_name, api_key, api_secret, upload_prefix="http://127.0.0.1:PORT",
    cname="127.0.0.1:PORT", secure=False)`. The data directories are in the temp dir (/tmp, on disk on
    this machine; TMPDIR moves it), so every upload and delete pays real fsyncs.

Measured (in the order 1, 3, 2: part 3 runs on the server of part 1, which then holds about 3,000 originals):
  1. Upload throughput, images/s. The N images are split into --upload-slices slices (5 of 200); each
     slice is uploaded by each of three contenders, in an order that rotates from slice to slice, so each
     contender uploads every image exactly once (under its own public id prefix) and machine noise hits
     all alike. Medians over the slices (min–max), and the total over all N.
       - SDK, sequential: `cloudinary.uploader.upload(path, public_id=...)`, one call after the other.
       - SDK, 4 client threads: the same calls from 4 threads (the SDK's shared urllib3 PoolManager, as
         an application would use it).
       - CLI: `derive upload FILE --public-id ID --data DIR`, one process per file, sequential (the CLI
         takes ONE file per invocation, so this includes a process start, libvips initialisation and
         opening the catalog for every image). Its own data directory (the server keeps its own), on the
         same disk. The library's in-process upload speed is not measured here: there is no way to
         call it without building a Swift program.
  2. Bulk delete, records/s (originals + derivatives deleted, over the wall time). A data set of M
     originals (--delete-originals, 10,000; distinct images) each with 2 derivatives (`eager` at upload:
     `c_scale,w_20` and `c_scale,w_30`) is seeded once through the SDK with 4 threads, the server is
     stopped, and the data directory is copied (`cp -a`) afresh before every measurement, so every
     delete starts from the identical catalog and blobs. Rounds alternate which contender goes first.
       - SDK: `cloudinary.api.delete_all_resources()` then again with `next_cursor=` while the answer has
         one (batches of 1,000 originals on the server), on a server started on the copy (start-up not
         timed; the clock starts at the first call).
       - CLI: `derive delete --all --data COPY` (the library's own bulk delete; it follows the cursor
         itself), the whole process timed.
     Both counts are checked: every original and derivative seeded is reported deleted.
  3. Delivery while the API is under load: `wrk -t2 -c16 -dXs` against a stored derivative (the 12 MP
     photo of the delivery benchmark at c_fill,w_300,h_200, a hit) and `GET /health`, once with the API
     idle and once while a client pool (--load-threads, 4: half uploading small PNGs, half listing
     `cloudinary.api.resources(max_results=100)` pages) runs continuously. The four runs rotate in
     order from round to round; medians of the rounds. Reported: requests/s, ratio hit/health, and how
     many API calls the load pool completed per second during the loaded runs (and any errors).

The load average is printed at start and end; other people's builds on this machine show up there.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as _dt
import itertools
import logging
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TEST_IMAGES = os.path.join(ROOT, "TestImages")

KEY, SECRET, CLOUD = "bench-key", "bench-secret-0123456789", "demo"
HIT_TRANSFORMATION = "c_fill,w_300,h_200"
EAGER = [{"width": 20, "crop": "scale"}, {"width": 30, "crop": "scale"}]


# --------------------------------------------------------------------------------------------------
# Small PNGs

def png_bytes(width: int, height: int, seed: int) -> bytes:
    raw = random.Random(seed).randbytes(width * height * 3)
    rows = b"".join(b"\0" + raw[y * width * 3:(y + 1) * width * 3] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


def make_images(directory: str, count: int, seed_base: int) -> list[str]:
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i in range(count):
        path = os.path.join(directory, f"img{i:05d}.png")
        with open(path, "wb") as f:
            f.write(png_bytes(64, 64, seed_base + i))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------------
# Processes we start, and their clean-up

STARTED: list[subprocess.Popen] = []


def start(cmd, **kw) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, **kw)
    STARTED.append(proc)
    return proc


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc in STARTED:
        STARTED.remove(proc)


def stop_all():
    for proc in list(reversed(STARTED)):
        stop(proc, timeout=10)
    STARTED.clear()


def server_env() -> dict:
    env = dict(os.environ)
    env.update(DERIVE_API_KEY=KEY, DERIVE_API_SECRET=SECRET, DERIVE_CLOUD_NAME=CLOUD,
               DERIVE_ADMIN_RATE_LIMIT="100000000", DERIVE_ACCESS_LOG="0")
    return env


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class Server:
    def __init__(self, derive: str, data: str, log_path: str):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = start([derive, "serve", "--data", data, "--host", "127.0.0.1", "--port", "0",
                           "--gc-interval", "0"], stdout=self.log, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, env=server_env())
        self.port = None
        deadline = time.time() + 60
        while self.port is None and time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"derive serve exited ({self.proc.returncode}): {self.tail()}")
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", open(log_path).read())
            self.port = int(m.group(1)) if m else None
            time.sleep(0.05)
        if self.port is None:
            raise SystemExit(f"derive serve did not report its port: {self.tail()}")
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=10) as r:
            if r.status != 200:
                raise SystemExit(f"/health answered {r.status}")
        configure(self.port)

    def tail(self) -> str:
        self.log.flush()
        return open(self.log_path).read()[-3000:]

    def stop(self):
        stop(self.proc)
        self.log.close()


def configure(port: int) -> None:
    import cloudinary

    cloudinary.reset_config()
    cloudinary.config(cloud_name=CLOUD, api_key=KEY, api_secret=SECRET, secure=False,
                      upload_prefix=f"http://127.0.0.1:{port}", cname=f"127.0.0.1:{port}")


def http_get(port: int, path: str) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


# --------------------------------------------------------------------------------------------------
# SDK calls, with the request and answer kept when one fails (reported, never retried)

FAILURES: list[str] = []


def sdk_error(what: str, error: Exception) -> str:
    text = f"{what}: {type(error).__name__}: {error}"
    FAILURES.append(text)
    return text


def sdk_upload_all(items: list[tuple[str, str]], threads: int, eager=None, failed_items=None) -> tuple[float, int]:
    """Uploads (path, public_id) pairs; returns (seconds, failures). With failed_items (a list), the failed
    pairs and their errors go there instead of into FAILURES."""
    import cloudinary.uploader

    options = {"eager": eager} if eager else {}
    failed = 0

    def one(item):
        path, public_id = item
        try:
            r = cloudinary.uploader.upload(path, public_id=public_id, **options)
            if r.get("public_id") != public_id:
                raise RuntimeError(f"answer names {r.get('public_id')!r}")
            if eager and len(r.get("eager") or []) != len(eager):
                raise RuntimeError(f"answer has {len(r.get('eager') or [])} eager derivatives: {r.get('eager')}")
            return True
        except Exception as error:  # noqa: BLE001 - reported
            if failed_items is not None:
                failed_items.append((item, f"{type(error).__name__}: {error}"))
            else:
                sdk_error(f"upload {path} public_id={public_id}", error)
            return False

    start_t = time.perf_counter()
    if threads == 1:
        ok = [one(item) for item in items]
    else:
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            ok = list(pool.map(one, items))
    seconds = time.perf_counter() - start_t
    failed = ok.count(False)
    return seconds, failed


def cli_upload_all(derive: str, data: str, items: list[tuple[str, str]]) -> tuple[float, int]:
    failed = 0
    start_t = time.perf_counter()
    for path, public_id in items:
        p = subprocess.run([derive, "upload", path, "--public-id", public_id, "--data", data],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            failed += 1
            FAILURES.append(f"derive upload {path} --public-id {public_id}: exit {p.returncode}: {p.stderr.strip()}")
    return time.perf_counter() - start_t, failed


# --------------------------------------------------------------------------------------------------
# wrk

def run_wrk(url: str, seconds: float) -> dict:
    cmd = ["wrk", "-t2", "-c16", f"-d{seconds:g}s", "--latency", url]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()}")
    out = proc.stdout
    errors = [m.group(0) for m in (re.search(r"Non-2xx or 3xx responses: \d+", out),
                                   re.search(r"Socket errors: .*", out)) if m]
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(pct["50"]), "p99": _ms(pct["99"]),
            "errors": f"{url}: {'; '.join(errors)}" if errors else ""}


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNIT[m.group(2)]


class LoadPool:
    """Threads that upload small PNGs and list Admin pages until stopped; counts completed calls."""

    def __init__(self, threads: int, images: list[str]):
        self.threads = threads
        self.images = images
        self.counter = itertools.count()
        self.stop_event = threading.Event()
        self.counts = {"upload": 0, "list": 0, "errors": 0}
        self.lock = threading.Lock()
        self.pool: list[threading.Thread] = []

    def _run(self, kind: str):
        import cloudinary.api
        import cloudinary.uploader

        while not self.stop_event.is_set():
            try:
                if kind == "upload":
                    n = next(self.counter)
                    cloudinary.uploader.upload(self.images[n % len(self.images)], public_id=f"load/{n}")
                else:
                    cloudinary.api.resources(max_results=100)
                with self.lock:
                    self.counts[kind] += 1
            except Exception as error:  # noqa: BLE001 - reported
                with self.lock:
                    self.counts["errors"] += 1
                    if self.counts["errors"] <= 3:
                        sdk_error(f"load pool {kind}", error)

    def start(self):
        self.stop_event.clear()
        kinds = ["upload" if i % 2 == 0 else "list" for i in range(self.threads)]
        self.pool = [threading.Thread(target=self._run, args=(k,), daemon=True) for k in kinds]
        for t in self.pool:
            t.start()

    def snapshot(self) -> dict:
        with self.lock:
            return dict(self.counts)

    def stop(self):
        self.stop_event.set()
        for t in self.pool:
            t.join(timeout=60)


# --------------------------------------------------------------------------------------------------
# Formatting

def med(values):
    return statistics.median(values) if values else None


def spread(values, fmt="{:.0f}"):
    return "" if not values or len(values) < 2 else f" ({fmt.format(min(values))}–{fmt.format(max(values))})"


def ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def machine_facts(derive: str) -> list[str]:
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                    if line.startswith("model name")), platform.processor())
    except OSError:
        cpu = platform.processor()
    facts = [f"CPU: {cpu}; nproc: {os.cpu_count()}; kernel {platform.release()}"]
    try:
        import cloudinary
        import urllib3

        facts.append(f"cloudinary SDK {cloudinary.VERSION}; urllib3 {urllib3.__version__}; "
                     f"Python {platform.python_version()}")
    except Exception as error:  # noqa: BLE001
        facts.append(f"cloudinary: {error}")
    try:
        p = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        facts.append(((p.stdout + p.stderr).strip().splitlines() or ["wrk ?"])[0])
    except OSError:
        facts.append("wrk: not found")
    facts.append(f"derive: {derive}")
    return facts


# --------------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--derive", required=True, help="path to a release derive binary (api_bench.sh builds one when not given)")
    parser.add_argument("--quick", action="store_true", help="smoke run: small counts, 1 s wrk runs")
    parser.add_argument("--uploads", type=int, help="images per upload contender (default 1000; quick 60)")
    parser.add_argument("--upload-slices", type=int, help="interleaved slices of the uploads (default 5; quick 2)")
    parser.add_argument("--delete-originals", type=int, help="originals in the delete data set, each with 2 "
                        "derivatives (default 10000; quick 300)")
    parser.add_argument("--delete-rounds", type=int, help="delete measurements per contender (default 3; quick 1)")
    parser.add_argument("--wrk-seconds", type=float, help="duration of each wrk run (default 8; quick 1)")
    parser.add_argument("--wrk-rounds", type=int, help="rounds of the four wrk runs (default 3; quick 1)")
    parser.add_argument("--load-threads", type=int, default=4, help="API load pool threads (half upload, half list)")
    parser.add_argument("--markdown", help="also write the markdown tables to this file")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the temporary directory (printed)")
    args = parser.parse_args()
    q = args.quick
    args.uploads = args.uploads or (60 if q else 1000)
    args.upload_slices = args.upload_slices or (2 if q else 5)
    args.delete_originals = args.delete_originals or (300 if q else 10000)
    args.delete_rounds = args.delete_rounds or (1 if q else 3)
    args.wrk_seconds = args.wrk_seconds or (1 if q else 8)
    args.wrk_rounds = args.wrk_rounds or (1 if q else 3)
    derive = os.path.abspath(args.derive)
    for what, ok in (("derive", os.access(derive, os.X_OK)), ("wrk", shutil.which("wrk"))):
        if not ok:
            print(f"{what} not found (Benchmarks/api_bench.sh installs and builds what is missing)", file=sys.stderr)
            return 1
    try:
        import cloudinary  # noqa: F401
    except ImportError:
        print("the cloudinary SDK is not importable (Benchmarks/api_bench.sh makes a venv with it)", file=sys.stderr)
        return 1
    # The SDK's urllib3 pool keeps one connection per host; more threads open extra ones and urllib3 logs
    # "Connection pool is full, discarding connection" for each: that is how the SDK behaves, not an error.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))

    load_start = os.getloadavg()
    print("load average (1/5/15 min) at start: {:.2f} {:.2f} {:.2f}".format(*load_start), file=sys.stderr)
    started_at = time.time()
    tmp = tempfile.mkdtemp(prefix="derive-api-")
    try:
        return run(args, derive, tmp, load_start, started_at)
    finally:
        stop_all()
        if args.keep_tmp:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def crash_summary(log_path: str) -> str:
    """The crash line and the crashed thread's first frames from a Swift runtime backtrace."""
    text = open(log_path, errors="replace").read()
    lines = text.splitlines()
    found = [ln.strip() for ln in lines if ln.startswith("*** ")]
    for i, ln in enumerate(lines):
        if ln.rstrip().endswith("crashed:"):
            frames = list(itertools.takewhile(lambda x: not x.startswith("Thread "), lines[i + 1:i + 8]))
            found.append(ln.strip() + " " + " | ".join(x.strip() for x in frames if x.strip()))
            break
    return "; ".join(found) or text[-500:]


def log(started_at: float, text: str) -> None:
    print(f"[{time.time() - started_at:5.0f} s] {text}", file=sys.stderr, flush=True)


def run(args, derive: str, tmp: str, load_start, started_at: float) -> int:
    import cloudinary.api
    import cloudinary.uploader

    images = make_images(os.path.join(tmp, "images"), args.uploads, 0)
    log(started_at, f"{len(images)} PNGs of {os.path.getsize(images[0])} bytes written")

    # ---- 1. uploads
    server = Server(derive, os.path.join(tmp, "data"), os.path.join(tmp, "serve.log"))
    cli_data = os.path.join(tmp, "cli-data")
    warm = make_images(os.path.join(tmp, "warm"), 3, 10_000_000)
    sdk_upload_all([(p, f"warm/{i}") for i, p in enumerate(warm)], 1)
    cli_upload_all(derive, cli_data, [(p, f"warm/{i}") for i, p in enumerate(warm)])
    contenders = ["sdk-1", "sdk-4", "cli"]
    uploads: dict = {c: [] for c in contenders}   # per slice: (seconds, images)
    slices = [images[i::args.upload_slices] for i in range(args.upload_slices)]
    for s, part in enumerate(slices):
        k = s % len(contenders)
        for who in contenders[k:] + contenders[:k]:
            items = [(p, f"{who}/{os.path.basename(p)[:-4]}") for p in part]
            if who == "cli":
                seconds, failed = cli_upload_all(derive, cli_data, items)
            else:
                seconds, failed = sdk_upload_all(items, 1 if who == "sdk-1" else 4)
            uploads[who].append((seconds, len(items) - failed, failed))
        log(started_at, f"upload slice {s + 1}/{len(slices)} done")

    # ---- 3. delivery under API load (on the same server: it holds the uploads above)
    cloudinary.uploader.upload(os.path.join(TEST_IMAGES, "photo_12mp.jpg"), public_id="photo")
    hit_path = f"/{CLOUD}/image/upload/{HIT_TRANSFORMATION}/photo.jpg"
    status, headers, first = http_get(server.port, hit_path)
    if status != 200 or headers.get("x-derive-cache") != "miss":
        raise SystemExit(f"first GET {hit_path}: {status} X-Derive-Cache={headers.get('x-derive-cache')}")
    status, headers, again = http_get(server.port, hit_path)
    if status != 200 or headers.get("x-derive-cache") != "hit" or again != first:
        raise SystemExit(f"second GET {hit_path}: {status} X-Derive-Cache={headers.get('x-derive-cache')}")
    # The cost of one Admin listing page (the load pool's other half), sequential, server CPU from /proc.
    listing = {}
    for max_results in (10, 100):
        n = 10 if args.quick else 40
        cloudinary.api.resources(max_results=max_results)
        ticks0, t0 = cpu_ticks(server.proc.pid), time.perf_counter()
        for _ in range(n):
            page = cloudinary.api.resources(max_results=max_results)
        listing[max_results] = ((time.perf_counter() - t0) * 1000 / n,
                                (cpu_ticks(server.proc.pid) - ticks0) * 1000 / os.sysconf("SC_CLK_TCK") / n,
                                len(page.get("resources", [])))
    load_images = make_images(os.path.join(tmp, "load"), 200 if not args.quick else 20, 20_000_000)
    pool = LoadPool(args.load_threads, load_images)
    urls = {"hit": f"http://127.0.0.1:{server.port}{hit_path}", "health": f"http://127.0.0.1:{server.port}/health"}
    runs = [("idle", "hit"), ("idle", "health"), ("load", "hit"), ("load", "health")]
    wrk: dict = {}
    api_rates: list = []
    wrk_errors: list[str] = []
    for rnd in range(args.wrk_rounds):
        k = rnd % len(runs)
        for state, target in runs[k:] + runs[:k]:
            if state == "load":
                pool.start()
                time.sleep(0.5)  # let the pool get going
                before = pool.snapshot()
                t0 = time.perf_counter()
            result = run_wrk(urls[target], args.wrk_seconds)
            if state == "load":
                after = pool.snapshot()
                elapsed = time.perf_counter() - t0
                pool.stop()
                api_rates.append({kind: (after[kind] - before[kind]) / elapsed for kind in after})
                api_rates[-1]["error_count"] = after["errors"] - before["errors"]
            if result["errors"]:
                wrk_errors.append(f"{state}: {result['errors']}")
            wrk.setdefault((state, target), []).append(result)
        log(started_at, f"delivery round {rnd + 1}/{args.wrk_rounds} done")
    status, headers, _ = http_get(server.port, hit_path)
    if headers.get("x-derive-cache") != "hit":
        wrk_errors.append(f"after the runs {hit_path} answered {status} X-Derive-Cache={headers.get('x-derive-cache')}")
    if server.proc.poll() is not None:
        raise SystemExit(f"derive serve exited during the run: {server.tail()}")
    server.stop()

    # ---- 2. bulk delete: seed, copy per measurement
    seed_data = os.path.join(tmp, "seed-data")
    seed_images = make_images(os.path.join(tmp, "seed-images"), args.delete_originals, 1_000_000)
    # If derive serve dies while seeding (it did: SIGSEGV in liborc, see BENCHMARKS.md), the crash is
    # recorded under Failures with the crashed thread's frames, the server is started again on the same
    # data and the uploads that failed are sent again (at most 5 starts). Nothing else is retried.
    remaining = [(p, f"s/{i}") for i, p in enumerate(seed_images)]
    seed_seconds = 0.0
    for attempt in range(5):
        server = Server(derive, seed_data, os.path.join(tmp, f"seed-{attempt}.log"))
        failed_items: list = []
        seconds, failed = sdk_upload_all(remaining, 4, eager=EAGER, failed_items=failed_items)
        seed_seconds += seconds
        if not failed:
            break
        if server.proc.poll() is None:
            raise SystemExit(f"seeding: {failed} uploads failed with derive serve running; first: "
                             f"{failed_items[0]}; last: {failed_items[-1]}")
        server.proc.wait()
        crash = crash_summary(server.log_path)
        FAILURES.append(f"seeding (SDK upload with eager, 4 threads): derive serve died with status "
                        f"{server.proc.returncode} after {len(remaining) - failed} of {len(remaining)} uploads "
                        f"of this attempt; first failed request: POST /v1_1/{CLOUD}/image/upload "
                        f"public_id={failed_items[0][0][1]} eager=c_scale,w_20|c_scale,w_30 -> "
                        f"{failed_items[0][1]}; server log: {crash}")
        log(started_at, f"seeding: derive serve died ({crash}); starting it again for {failed} uploads")
        server.stop()
        remaining = [item for item, _ in failed_items]
    else:
        raise SystemExit("seeding: derive serve died 5 times")
    usage = cloudinary.api.usage()
    seeded_originals = args.delete_originals
    seeded_derived = 2 * args.delete_originals
    # check the seed through the Admin API (one resource) before stopping
    if (usage.get("resources"), usage.get("derived_resources")) != (seeded_originals, seeded_derived):
        FAILURES.append(f"seeding: usage reports {usage.get('resources')} originals and "
                        f"{usage.get('derived_resources')} derived resources, expected {seeded_originals} and "
                        f"{seeded_derived}")
        seeded_originals, seeded_derived = usage.get("resources"), usage.get("derived_resources")
    derived = cloudinary.api.resource("s/0").get("derived", [])
    if len(derived) != 2:
        raise SystemExit(f"seed: resource s/0 has {len(derived)} derivatives, expected 2: {derived}")
    server.stop()
    shutil.rmtree(os.path.join(tmp, "seed-images"))
    log(started_at, f"seeded {seeded_originals} originals with {seeded_derived} derivatives in {seed_seconds:.1f} s")

    deletes: dict = {"sdk": [], "cli": []}   # (seconds, originals, derived, calls)
    for rnd in range(args.delete_rounds):
        order = ["sdk", "cli"] if rnd % 2 == 0 else ["cli", "sdk"]
        for who in order:
            copy = os.path.join(tmp, f"delete-{who}-{rnd}")
            subprocess.run(["cp", "-a", seed_data, copy], check=True)
            subprocess.run(["sync"], check=True)
            if who == "cli":
                t0 = time.perf_counter()
                p = subprocess.run([derive, "delete", "--all", "--data", copy], capture_output=True, text=True)
                seconds = time.perf_counter() - t0
                m = re.search(r"deleted (\d+) originals and (\d+) derived images in (\d+) transaction", p.stdout)
                if p.returncode != 0 or not m:
                    raise SystemExit(f"derive delete --all --data {copy}: exit {p.returncode}: {p.stdout[-500:]} {p.stderr[-500:]}")
                deletes["cli"].append((seconds, int(m.group(1)), int(m.group(2)), int(m.group(3))))
            else:
                srv = Server(derive, copy, os.path.join(tmp, f"delete-{rnd}.log"))
                originals = derived_n = calls = 0
                cursor = None
                t0 = time.perf_counter()
                while True:
                    options = {"next_cursor": cursor} if cursor else {}
                    try:
                        answer = cloudinary.api.delete_all_resources(**options)
                    except Exception as error:  # noqa: BLE001
                        raise SystemExit(sdk_error(f"delete_all_resources({options})", error))
                    calls += 1
                    for counts in answer.get("deleted_counts", {}).values():
                        originals += counts.get("original", 0)
                        derived_n += counts.get("derived", 0)
                    cursor = answer.get("next_cursor")
                    if not cursor:
                        break
                seconds = time.perf_counter() - t0
                left = cloudinary.api.resources(max_results=10).get("resources", [])
                srv.stop()
                if left:
                    FAILURES.append(f"after delete_all_resources, resources still lists {[x['public_id'] for x in left]}")
                deletes["sdk"].append((seconds, originals, derived_n, calls))
            if deletes[who][-1][1] != seeded_originals or deletes[who][-1][2] != seeded_derived:
                FAILURES.append(f"{who} delete round {rnd + 1}: deleted {deletes[who][-1][1]} originals and "
                                f"{deletes[who][-1][2]} derivatives, seeded {seeded_originals} and {seeded_derived}")
            shutil.rmtree(copy, ignore_errors=True)
        log(started_at, f"delete round {rnd + 1}/{args.delete_rounds} done")

    load_end = os.getloadavg()
    elapsed = time.time() - started_at

    # ---- report
    now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    given = os.environ.get("API_BENCH_ARGS")
    command = ("Benchmarks/api_bench.sh " + given if given is not None
               else "Benchmarks/compare_api.py " + " ".join(sys.argv[1:]))
    header = [
        f"Date: {now} (end of the run); wall time {elapsed / 60:.1f} min",
        f"Command: `{command.strip()}`",
        f"Uploads: {args.uploads} distinct 64x64 PNGs ({os.path.getsize(images[0])} bytes each) per contender, "
        f"in {args.upload_slices} slices, contenders rotating; bulk delete: {seeded_originals} originals x 2 "
        f"derivatives, {args.delete_rounds} round(s) per contender on fresh copies; delivery: wrk -t2 -c16 "
        f"{args.wrk_seconds:g} s, {args.wrk_rounds} round(s), load pool of {args.load_threads} SDK threads",
        "derive serve: default render threads (one per core), --gc-interval 0, DERIVE_ACCESS_LOG=0, "
        "DERIVE_ADMIN_RATE_LIMIT=100000000, data directories on disk in the temp dir",
        *machine_facts(derive),
        "load average (1/5/15 min) at start {:.2f}/{:.2f}/{:.2f}, at end {:.2f}/{:.2f}/{:.2f}".format(
            *load_start, *load_end),
    ]
    md = [*(f"- {h}" for h in header), ""]
    md.append("Uploads: images/s per slice, median of the slices (min–max), and over all images:")
    md.append("")
    md.append("| contender | images/s (median of slices) | images/s (all) | ms per image (all) | failed |")
    md.append("|---|---:|---:|---:|---:|")
    names = {"sdk-1": "SDK `uploader.upload`, sequential", "sdk-4": "SDK `uploader.upload`, 4 threads",
             "cli": "`derive upload` CLI, one process per file, sequential"}
    rates = {}
    for who in contenders:
        per = [n / s for s, n, _ in uploads[who]]
        total_s = sum(s for s, _, _ in uploads[who])
        total_n = sum(n for _, n, _ in uploads[who])
        failed = sum(f for _, _, f in uploads[who])
        rates[who] = med(per)
        md.append(f"| {names[who]} | {med(per):.0f}{spread(per)} | {total_n / total_s:.0f} | "
                  f"{total_s * 1000 / max(1, total_n):.1f} | {failed} |")
    md.append("")
    md.append(f"SDK sequential / CLI: {ratio(rates['sdk-1'], rates['cli'])}; SDK 4 threads / sequential: "
              f"{ratio(rates['sdk-4'], rates['sdk-1'])}. (The CLI takes one file per invocation: every image "
              "pays a process start, libvips initialisation and opening the catalog.)")
    md.append("")
    md.append(f"Bulk delete of {seeded_originals} originals + {seeded_derived} derivatives "
              f"({seeded_originals + seeded_derived} records; seeded through the SDK with 4 threads and eager "
              f"in {seed_seconds:.0f} s = {seeded_originals / seed_seconds:.0f} uploads/s with 2 eager renders each):")
    md.append("")
    md.append("| contender | seconds (median) | records/s (median) | derivative records/s | calls / transactions |")
    md.append("|---|---:|---:|---:|---:|")
    dnames = {"sdk": "SDK `api.delete_all_resources()` + `next_cursor`", "cli": "`derive delete --all` (CLI process)"}
    drate = {}
    for who in ("sdk", "cli"):
        secs = [s for s, _, _, _ in deletes[who]]
        recs = [(o + d) / s for s, o, d, _ in deletes[who]]
        ders = [d / s for s, _, d, _ in deletes[who]]
        drate[who] = med(recs)
        md.append(f"| {dnames[who]} | {med(secs):.2f}{spread(secs, '{:.2f}')} | {med(recs):.0f}{spread(recs)} | "
                  f"{med(ders):.0f} | {deletes[who][0][3]} |")
    md.append("")
    md.append(f"SDK over HTTP / CLI records/s: {ratio(drate['sdk'], drate['cli'])}.")
    md.append("")
    md.append(f"Delivery with wrk -t2 -c16 (requests/s, median of {args.wrk_rounds} round(s), min–max), API idle "
              f"and under load ({args.load_threads} SDK threads: half `uploader.upload` of 64x64 PNGs, half "
              "`api.resources(max_results=100)`):")
    md.append("")
    md.append("| API | hit requests/s | hit p50 / p99 ms | `GET /health` requests/s | health p50 / p99 ms | hit/health |")
    md.append("|---|---:|---:|---:|---:|---:|")
    for state in ("idle", "load"):
        h, g = [r["rps"] for r in wrk[(state, "hit")]], [r["rps"] for r in wrk[(state, "health")]]
        lat = {t: (med([r["p50"] for r in wrk[(state, t)]]), med([r["p99"] for r in wrk[(state, t)]]))
               for t in ("hit", "health")}
        md.append(f"| {state} | {med(h):.0f}{spread(h)} | {lat['hit'][0]:.2f} / {lat['hit'][1]:.1f} "
                  f"| {med(g):.0f}{spread(g)} | {lat['health'][0]:.2f} / {lat['health'][1]:.1f} "
                  f"| {ratio(med(h), med(g))} |")
    md.append("")
    rps = {k: med([r["rps"] for r in v]) for k, v in wrk.items()}
    md.append(f"Under load: hit {ratio(rps[('load', 'hit')], rps[('idle', 'hit')])} of idle, health "
              f"{ratio(rps[('load', 'health')], rps[('idle', 'health')])} of idle. The load pool "
              f"completed (median of the loaded runs) {med([a['upload'] for a in api_rates]):.0f} uploads/s and "
              f"{med([a['list'] for a in api_rates]):.0f} listings/s while wrk ran, "
              f"{sum(a['error_count'] for a in api_rates)} failed calls in all (listed below).")
    md.extend(f"- wrk reported errors: {e}" for e in wrk_errors)
    md.append("")
    md.append("One Admin listing page (`api.resources(max_results=N)`, sequential, on the upload server's catalog "
              f"of about {3 * args.uploads} originals): " + "; ".join(
                  f"N={n}: {w:.1f} ms wall, {c:.1f} ms server CPU per call ({k} resources)"
                  for n, (w, c, k) in listing.items()) + ".")
    if FAILURES:
        md.append("")
        md.append(f"Failures ({len(FAILURES)}; first 10):")
        md.extend(f"- {f}" for f in FAILURES[:10])
    text = "\n".join(md)
    print("\n" + text)
    print("load average (1/5/15 min) at end: {:.2f} {:.2f} {:.2f}".format(*load_end), file=sys.stderr)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; everything it started is stopped and removed", file=sys.stderr)
        sys.exit(130)
