#!/usr/bin/env python3
"""Delivery benchmark (issue 11): Derive's hits and misses over HTTP, against nginx and pyvips.

One command, from the repository root (it installs and builds what is missing, then runs this script):

    Benchmarks/delivery_bench.sh                          # full run, about 7 minutes on 2 cores
    Benchmarks/delivery_bench.sh --quick                  # smoke run, about half a minute
    Benchmarks/delivery_bench.sh --markdown out.md        # also write the markdown tables to a file
    Benchmarks/delivery_bench.sh --derive PATH            # use this derive binary, do not build

`delivery_bench.sh` installs `wrk` and `nginx-light` with apt-get if they are missing, makes a Python venv
with pyvips in Benchmarks/.venv (DERIVE_BENCH_VENV overrides) if it has none, builds
`swift build -c release --product derive` unless --derive is given, and runs this script in the venv.
This script alone: `Benchmarks/.venv/bin/python Benchmarks/compare_delivery.py --derive PATH [...]`.

Set-up (all in one temporary directory, removed at the end, also on Ctrl-C and errors):
  - `derive upload` puts TestImages/photo_12mp.jpg (as `photo`) and TestImages/alpha_magick_logo.png (as
    `logo`) into a fresh data directory, then `derive serve --data DIR --host 127.0.0.1 --port 0
    --gc-interval 0` starts on it (default render threads: one per core; the data directory is in the
    temp dir, /tmp, on disk on this machine, so a miss pays real fsyncs; TMPDIR moves it).
  - `GET /demo/image/upload/c_fill,w_300,h_200/photo.jpg` once (checked `X-Derive-Cache: miss`), then again
    (checked `hit`); the hit's bytes are written to a file that nginx serves.
  - nginx (`nginx -p TMP -c TMP/nginx.conf`, `daemon off`, pid file in TMP, `worker_processes auto` = one
    worker per core = 2 here, as Hummingbird/NIO runs one event loop per core; `access_log off`,
    `sendfile on`, unlimited keep-alive requests) on 127.0.0.1 at a free port picked by the script.
  - one pyvips worker process (Python in the venv), kept running for the whole run like the server.

Measured, in rounds; every round runs every contender, in an order that rotates from round to round, so
machine noise hits all alike. Reported numbers are medians over the rounds (min–max in brackets); the miss
ratios are also given paired by round (each round's Derive/pyvips ratio, then their median), which cancels
drifts of the machine's speed between rounds, and as the geometric mean of those ratios with a 90 %
confidence interval and a verdict against the target: met, not met, or within noise (the interval spans
1.0; more rounds narrow it).

  1. Hits with wrk, `wrk -t2 -cN -dXs --latency URL` for N = 1 and 16 (wrk needs at least one connection per
     thread, so N = 1 runs with -t1): nginx serving the hit's bytes as a static file, Derive's
     `GET /health` (the HTTP stack alone: router, a small JSON body), and the stored derivative (a hit:
     catalog lookup, open the blob, stream it in 64 KiB chunks). Requests/s, latency p50/p99 from wrk,
     and the server's CPU time per request (utime+stime from /proc/PID/stat of the server process, for
     nginx of the master and its workers, over the wrk run, divided by wrk's request count). Ratios
     hit/health and hit/nginx of requests/s at each N. wrk runs on the same 2 cores as the servers.
  2. Misses over HTTP against pyvips in process, four jobs (those of compare_render.py, with e_grayscale in
     the chain): 12 MP JPEG `c_fill,w_300,h_200` -> jpg and -> webp; RGBA PNG `w_800` -> png; 12 MP JPEG
     `w_1000/e_grayscale/a_90` -> jpg. Every Derive request is a new derivative doing the same work: the
     transformation gets a fresh variable component at the END, `c_fill,w_300,h_200/$u_<counter>`, which
     defines an unused variable; each response must say `X-Derive-Cache: miss`, and at the start the
     suffixed output is checked byte-identical to the plain URL's. (Since 2026-11-30's fifth session the
     trailing variable is run while planning and costs nothing; before, in every earlier run, it made
     Derive copy the image to memory after the first component and encode it in a second pass: 1.5 % of
     the JPEG fill's miss and 7–11 % of the PNG's at one request at a time (`variable_cost.py`). A
     variable in front, `$u_1,c_fill,...`, renders the same bytes in the same time as well.)
     A miss is: HTTP request, catalog lookup, render (same libvips pipeline as in-process), the blob (here
     only its time refreshed: every miss renders the same bytes, already stored; a new blob's durable write
     costs about 1.2 ms more, see `miss_overhead.py`), catalog insert, response. The client is Python on the same machine, one
     keep-alive connection per client thread, writing each request whole and reading the response by its
     Content-Length on the raw socket (`--miss-client raw`, the default): it takes about 0.16 ms of CPU
     per miss on the cores the server renders on, where http.client takes about 0.48 ms
     (`--miss-client http.client`, the client of the runs before 2026-11-30's fifth session).
     pyvips does the same work in process from the bytes in memory, as compare_render.py's pyvips path:
     thumbnail_buffer(size=force) to the covering size Derive's planner computes, crop, for grey
     colourspace("b-w") then back to "srgb" (Derive's e_grayscale), for a_90 copy_memory().rot90(); the
     saver with strip, Q80, WebP effort 2; operation cache off and VIPS_CONCURRENCY=1, as in Derive.
     Each measurement renders a fixed number of images (the same for both sides; per job, chosen once
     after the warm-up so that it is about --miss-seconds, 1.5 s, of pyvips work at concurrency 1).
     Concurrency 1: ms per image (Derive: one client thread, sequential requests; pyvips: one thread).
     Concurrency 2: images/s with two client threads for Derive (the server has two render threads) and
     two threads in the one pyvips process. Threads rather than processes for pyvips because libvips runs
     with the GIL released (cffi releases it around every C call; in a side check two threads rendered
     as many images/s as two worker processes, within this machine's noise),
     and one process doing two renders at a time is what the one server process does, so their peak
     RSS compare directly.
  3. Peak RSS: VmHWM from /proc/PID/status of the derive server process at the end of the run (hits,
     misses, everything), of the pyvips worker process (the same renders, at concurrency 1 and 2), and of
     nginx (master + workers, summed) for reference.

The load average is printed at start and end; the other people's builds on this machine show up there.
What stands between Derive's hits and nginx is only stated as far as it is measured here: requests/s,
latency, server CPU per request and response header bytes. (Known from the code, not measured here: nginx
answers from a C event loop and sends the file with sendfile(2); Derive runs Hummingbird on SwiftNIO,
looks the derivative up in SQLite, and copies the blob through user-space buffers in 64 KiB chunks.)
"""

from __future__ import annotations

import argparse
import datetime as _dt
import http.client
import itertools
import math
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TEST_IMAGES = os.path.join(ROOT, "TestImages")
sys.path.insert(0, HERE)
import compare_render as cr  # noqa: E402  (geometry, quality and effort shared with the render comparison)

HIT_TRANSFORMATION = "c_fill,w_300,h_200"

JOBS = {
    "jpeg-fill-jpg": dict(
        title="12 MP JPEG -> c_fill,w_300,h_200 -> JPEG Q80", image="photo_12mp.jpg", public_id="photo",
        src=(4608, 2592), transformation="c_fill,w_300,h_200", ext="jpg", kind="fill", box=(300, 200)),
    "jpeg-fill-webp": dict(
        title="12 MP JPEG -> c_fill,w_300,h_200 -> WebP Q80", image="photo_12mp.jpg", public_id="photo",
        src=(4608, 2592), transformation="c_fill,w_300,h_200", ext="webp", kind="fill", box=(300, 200)),
    "png-alpha-w800": dict(
        title="PNG RGBA 2135x2048 -> w_800 -> PNG", image="alpha_magick_logo.png", public_id="logo",
        src=(2135, 2048), transformation="w_800", ext="png", kind="width", width=800),
    "jpeg-grey-rot": dict(
        title="12 MP JPEG -> w_1000/e_grayscale/a_90 -> JPEG Q80", image="photo_12mp.jpg", public_id="photo",
        src=(4608, 2592), transformation="w_1000/e_grayscale/a_90", ext="jpg", kind="grey-rot", width=1000),
}
DEFAULT_JOBS = list(JOBS)


# --------------------------------------------------------------------------------------------------
# The pyvips worker: one process, kept running; commands and answers are JSON lines on stdin/stdout.

def _proc_status_kb(pid: int | str, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def make_pyvips_op(job: dict):
    import pyvips

    pyvips.cache_set_max(0)
    pyvips.cache_set_max_mem(0)
    pyvips.cache_set_max_files(0)
    if hasattr(pyvips, "concurrency_set"):
        pyvips.concurrency_set(1)
    ext = job["ext"]
    src_w, src_h = job["src"]

    def save(im):
        if ext == "jpg":
            return im.jpegsave_buffer(Q=cr.QUALITY, strip=True)
        if ext == "webp":
            return im.webpsave_buffer(Q=cr.QUALITY, strip=True, effort=cr.WEBP_EFFORT)
        return im.pngsave_buffer(strip=True)

    def load_to(data, w, h):
        return pyvips.Image.thumbnail_buffer(data, w, height=h, size="force", option_string="fail_on=truncated")

    if job["kind"] == "fill":
        (cw, ch), (x, y, bw, bh) = cr.fill_geometry(src_w, src_h, *job["box"])

        def op(data):
            im = load_to(data, cw, ch)
            if (cw, ch) != (bw, bh):
                im = im.crop(x, y, bw, bh)
            return save(im)
    elif job["kind"] == "width":
        w, h = cr.scale_width(src_w, src_h, job["width"])

        def op(data):
            return save(load_to(data, w, h))
    else:  # w_1000 / e_grayscale / a_90 (clockwise)
        w, h = cr.scale_width(src_w, src_h, job["width"])

        def op(data):
            im = load_to(data, w, h)
            im = im.colourspace("b-w").colourspace("srgb")  # Derive's e_grayscale: luminance in three bands
            # rot90 reads out of order: the sequential thumbnail pipeline is materialised first (Derive
            # works on an in-memory copy for rotations too).
            return save(im.copy_memory().rot90())
    return op


def pyvips_worker() -> int:
    ops: dict = {}
    sources: dict = {}
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing but answers on the pipe

    def get(name):
        if name not in ops:
            job = JOBS[name]
            with open(os.path.join(TEST_IMAGES, job["image"]), "rb") as f:
                sources[name] = f.read()
            ops[name] = make_pyvips_op(job)
        return ops[name], sources[name]

    for line in sys.stdin:
        cmd = json.loads(line)
        answer: dict = {}
        if cmd["cmd"] == "run":
            op, data = get(cmd["job"])
            threads = max(1, cmd.get("threads", 1))
            n = cmd["n"]
            shares = [n // threads + (1 if i < n % threads else 0) for i in range(threads)]
            results: list = [None] * threads
            barrier = threading.Barrier(threads + 1)

            def run(i):
                barrier.wait()
                last = b""
                for _ in range(shares[i]):
                    last = op(data)
                results[i] = last

            pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
            for t in pool:
                t.start()
            barrier.wait()
            start = time.perf_counter()
            for t in pool:
                t.join()
            answer = {"seconds": time.perf_counter() - start, "n": n, "bytes": len(results[0] or b"")}
            if cmd.get("output"):
                with open(cmd["output"], "wb") as f:
                    f.write(results[0])
        elif cmd["cmd"] == "status":
            answer = {"hwm_kb": _proc_status_kb("self", "VmHWM"), "rss_kb": _proc_status_kb("self", "VmRSS")}
        elif cmd["cmd"] == "quit":
            break
        out.write(json.dumps(answer) + "\n")
        out.flush()
    return 0


class PyvipsWorker:
    def __init__(self, env):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env=env, text=True)

    def ask(self, **cmd) -> dict:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"pyvips worker died (exit {self.proc.poll()})")
        return json.loads(line)


# --------------------------------------------------------------------------------------------------
# Processes we start, and their clean-up

STARTED: list[subprocess.Popen] = []


def start(cmd, **kw) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, **kw)
    STARTED.append(proc)
    return proc


def stop_all():
    for proc in reversed(STARTED):
        if proc.poll() is None:
            try:
                proc.terminate()
            except OSError:
                pass
    deadline = time.time() + 10
    for proc in reversed(STARTED):
        try:
            proc.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    STARTED.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def children(pid: int) -> list[int]:
    kids = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return kids


def tree_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += cpu_ticks(pid)
        except OSError:
            pass
    return total


def raw_get(port: int, path: str) -> tuple[int, dict, int, int]:
    """One GET with Connection: close; returns (status, headers, header bytes, body bytes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)}
    return int(lines[0].split()[1]), headers, len(head) + 4, len(body)


def http_get(port: int, path: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------------
# wrk

_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNIT[m.group(2)]


def run_wrk(url: str, connections: int, seconds: float, pids_of) -> dict:
    threads = min(2, connections)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", url]
    pids = pids_of()
    before = tree_ticks(pids)
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    after = tree_ticks(pids)
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()}")
    out = proc.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    # Errors do not stop the run (the numbers would still be wrong): they are listed under the tables.
    errors = [m.group(0) for m in (re.search(r"Non-2xx or 3xx responses: \d+", out),
                                   re.search(r"Socket errors: .*", out)) if m]
    ticks = after - before
    return {"rps": rps, "p50": _ms(pct["50"]), "p99": _ms(pct["99"]), "requests": total,
            "cpu_us_per_req": ticks * 1e6 / os.sysconf("SC_CLK_TCK") / max(1, total),
            "client_cpu_us_per_req": client_cpu * 1e6 / max(1, total),
            "errors": f"{cmd[-1]} at -c{connections}: {'; '.join(errors)}" if errors else ""}


# --------------------------------------------------------------------------------------------------
# Derive misses over HTTP

class RawConnection:
    """A keep-alive HTTP/1.1 client on a plain socket: the request written in one send, the response
    read by its Content-Length. The load generator shares the cores with the server, so it should take
    as little of them as it can (http.client parses headers line by line through a buffered file)."""

    def __init__(self, port: int, timeout: float = 120):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.pending = b""

    def get(self, path: str) -> tuple[int, str | None, bytes]:
        """(status, X-Derive-Cache, body)."""
        self.sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        while (end := self.pending.find(b"\r\n\r\n")) < 0:
            self.pending += self._recv(65536)
        head, rest = self.pending[:end], self.pending[end + 4:]
        status, length, cache = int(head[9:12]), None, None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"x-derive-cache":
                cache = value.strip().decode()
        if length is None:
            raise RuntimeError(f"{path}: {status} without Content-Length")
        while len(rest) < length:
            rest += self._recv(max(65536, length - len(rest)))
        self.pending = rest[length:]
        return status, cache, rest[:length]

    def _recv(self, size: int) -> bytes:
        chunk = self.sock.recv(size)
        if not chunk:
            raise ConnectionError("server closed the connection")
        return chunk

    def close(self):
        self.sock.close()


class HTTPClientConnection:
    """The same through http.client (`--miss-client http.client`)."""

    def __init__(self, port: int, timeout: float = 120):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def get(self, path: str) -> tuple[int, str | None, bytes]:
        self.conn.request("GET", path)
        resp = self.conn.getresponse()
        return resp.status, resp.getheader("X-Derive-Cache"), resp.read()

    def close(self):
        self.conn.close()


MISS_CLIENTS = {"raw": RawConnection, "http.client": HTTPClientConnection}


class MissClient:
    def __init__(self, port: int, connection=RawConnection):
        self.port = port
        self.counter = itertools.count(1)
        self.connection = connection

    def path(self, name: str) -> str:
        job = JOBS[name]
        return f"/demo/image/upload/{job['transformation']}/$u_{next(self.counter)}/{job['public_id']}.{job['ext']}"

    @staticmethod
    def plain_path(name: str) -> str:
        job = JOBS[name]
        return f"/demo/image/upload/{job['transformation']}/{job['public_id']}.{job['ext']}"

    def run(self, name: str, n: int, threads: int, output: str | None = None) -> dict:
        shares = [n // threads + (1 if i < n % threads else 0) for i in range(threads)]
        errors: list[str] = []
        last: list = [b""] * threads
        barrier = threading.Barrier(threads + 1)

        def client(i):
            conn = self.connection(self.port)
            barrier.wait()
            try:
                for _ in range(shares[i]):
                    path = self.path(name)
                    status, cache, body = conn.get(path)
                    if status != 200 or cache != "miss":
                        errors.append(f"{path}: {status} X-Derive-Cache={cache} {body[:200]!r}")
                        return
                    last[i] = body
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(f"{type(error).__name__}: {error}")
            finally:
                conn.close()

        pool = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
        for t in pool:
            t.start()
        barrier.wait()
        start = time.perf_counter()
        for t in pool:
            t.join()
        seconds = time.perf_counter() - start
        if errors:
            raise RuntimeError(f"Derive miss failed on {name}: {errors[0]}")
        if output:
            with open(output, "wb") as f:
                f.write(last[0])
        return {"seconds": seconds, "n": n, "bytes": len(last[0])}


# --------------------------------------------------------------------------------------------------
# Formatting

def med(values):
    return statistics.median(values) if values else None


def spread(values, fmt="{:.0f}"):
    return "" if not values or len(values) < 2 else f" ({fmt.format(min(values))}–{fmt.format(max(values))})"


def ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def mb(kb):
    return "—" if not kb else f"{kb / 1024:.1f}"


# Student's t, one-sided 95 % (two-sided 90 %) quantiles by degrees of freedom.
T_95 = {1: 6.314, 2: 2.920, 3: 2.353, 4: 2.132, 5: 2.015, 6: 1.943, 7: 1.895, 8: 1.860, 9: 1.833, 10: 1.812,
        12: 1.782, 15: 1.753, 20: 1.725, 30: 1.697}


def ratio_interval(ratios: list, at_most: bool) -> str:
    """Geometric mean of per-round ratios with its 90 % confidence interval, and a verdict against 1.0
    (at_most: the target is <= 1.0, else >= 1.0)."""
    if len(ratios) < 2 or any(r <= 0 for r in ratios):
        return "n/a"
    logs = [math.log(r) for r in ratios]
    mean = statistics.fmean(logs)
    df = len(logs) - 1
    t = T_95[max(k for k in T_95 if k <= df)] if df <= 30 else 1.645
    half = t * statistics.stdev(logs) / math.sqrt(len(logs))
    low, high = math.exp(mean - half), math.exp(mean + half)
    if (high <= 1.0) if at_most else (low >= 1.0):
        verdict = "met"
    elif (low > 1.0) if at_most else (high < 1.0):
        verdict = "not met"
    else:
        verdict = "within noise"
    return f"{math.exp(mean):.3f}x [{low:.3f}–{high:.3f}], {verdict}"


def image_dims(path: str) -> str:
    try:
        import pyvips

        im = pyvips.Image.new_from_file(path)
        return f"{im.width}x{im.height}x{im.bands}"
    except Exception:  # noqa: BLE001
        return "?"


def machine_facts(derive: str) -> list[str]:
    facts = []
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                    if line.startswith("model name")), platform.processor())
    except OSError:
        cpu = platform.processor()
    facts.append(f"CPU: {cpu}; nproc: {os.cpu_count()}; kernel {platform.release()}")
    try:
        import pyvips

        facts.append(f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}; "
                     f"pyvips {pyvips.__version__} ({'API' if pyvips.API_mode else 'ABI'} mode); "
                     f"Python {platform.python_version()}")
    except Exception as error:  # noqa: BLE001
        facts.append(f"pyvips: {error}")
    versions = []
    for cmd in (["wrk", "--version"], [nginx_binary() or "nginx", "-v"]):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True)
            text = (p.stdout + p.stderr).strip().splitlines()
            versions.append(text[0] if text else "?")
        except OSError:
            versions.append(f"{cmd[0]}: not found")
    facts.append("; ".join(versions))
    facts.append(f"derive: {derive}")
    return facts


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


NGINX_CONF = """\
daemon off;
master_process on;
worker_processes auto;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000000;
    keepalive_timeout 75s;
    client_body_temp_path {tmp}/nginx-body;
    types {{ image/jpeg jpg; }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
        location / {{ }}
    }}
}}
"""


# --------------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--derive", required=True, help="path to a release derive binary (delivery_bench.sh builds one when not given)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1 round, 1 s wrk runs, small miss measurements")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5; quick 1)")
    parser.add_argument("--wrk-seconds", type=float, help="duration of each wrk run (default 8; quick 1)")
    parser.add_argument("--connections", default="1,16", help="wrk connection counts (default 1,16)")
    parser.add_argument("--miss-seconds", type=float,
                        help="size each miss measurement to about this many seconds of pyvips work at "
                             "concurrency 1, from the warm-up (default 1.5; quick 0.2); 2 to 40 images, even")
    parser.add_argument("--miss-images", type=int, help="fixed images per miss measurement instead (even)")
    parser.add_argument("--warmup", type=int, help="warm-up renders per job and contender (default 3; quick 1)")
    parser.add_argument("--jobs", nargs="*", default=DEFAULT_JOBS, choices=list(JOBS))
    parser.add_argument("--miss-client", default="raw", choices=list(MISS_CLIENTS),
                        help="the HTTP client of the misses (default raw: a keep-alive socket; see above)")
    parser.add_argument("--markdown", help="also write the markdown tables to this file")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the temporary directory (printed)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(None if "--worker" not in sys.argv else ["--derive", "-", "--worker"])
    if args.worker:
        return pyvips_worker()

    rounds = args.rounds or (1 if args.quick else 5)
    wrk_seconds = args.wrk_seconds or (1 if args.quick else 8)
    miss_seconds = args.miss_seconds or (0.2 if args.quick else 1.5)
    warmup = args.warmup if args.warmup is not None else (1 if args.quick else 3)
    conns = [int(c) for c in args.connections.split(",")]
    derive = os.path.abspath(args.derive)
    nginx = nginx_binary()
    for what, ok in (("derive", os.access(derive, os.X_OK)), ("wrk", shutil.which("wrk")), ("nginx", nginx)):
        if not ok:
            print(f"{what} not found (Benchmarks/delivery_bench.sh installs and builds what is missing)",
                  file=sys.stderr)
            return 1

    # Ctrl-C raises KeyboardInterrupt (also when started in the background, where SIGINT comes ignored);
    # SIGTERM/SIGHUP unwind through the same finally.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))

    env = dict(os.environ)
    env["VIPS_CONCURRENCY"] = "1"
    load_start = os.getloadavg()
    print("load average (1/5/15 min) at start: {:.2f} {:.2f} {:.2f}".format(*load_start), file=sys.stderr)
    started_at = time.time()
    tmp = tempfile.mkdtemp(prefix="derive-delivery-")
    os.chmod(tmp, 0o755)  # nginx's workers run as an unprivileged user when started as root
    try:
        return run(args, rounds, wrk_seconds, miss_seconds, warmup, conns, derive, nginx, env, tmp,
                   load_start, started_at)
    finally:
        stop_all()
        if args.keep_tmp:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args, rounds, wrk_seconds, miss_seconds, warmup, conns, derive, nginx, env, tmp, load_start,
        started_at) -> int:
    data = os.path.join(tmp, "data")
    www = os.path.join(tmp, "www")
    outdir = os.path.join(tmp, "out")
    for d in (www, outdir, os.path.join(tmp, "nginx-body")):
        os.makedirs(d)
    os.chmod(www, 0o755)

    # ---- Derive: upload, serve
    for image, public_id in (("photo_12mp.jpg", "photo"), ("alpha_magick_logo.png", "logo")):
        p = subprocess.run([derive, "upload", os.path.join(TEST_IMAGES, image), "--public-id", public_id,
                            "--data", data], capture_output=True, text=True, env=env)
        if p.returncode != 0:
            raise SystemExit(f"derive upload failed ({p.returncode}): {p.stderr.strip()}")
    log_path = os.path.join(tmp, "derive.log")
    log = open(log_path, "w")
    # Like nginx's `access_log off`: the access log's one write(2) per request is not what is compared.
    server_env = dict(env, DERIVE_ACCESS_LOG="0")
    server = start([derive, "serve", "--data", data, "--host", "127.0.0.1", "--port", "0", "--gc-interval", "0"],
                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=server_env)
    port = None
    deadline = time.time() + 30
    while port is None and time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"derive serve exited ({server.returncode}): {open(log_path).read()[-2000:]}")
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", open(log_path).read())
        port = int(m.group(1)) if m else None
        time.sleep(0.05)
    if port is None:
        raise SystemExit(f"derive serve did not report its port: {open(log_path).read()[-2000:]}")
    status, _, body = http_get(port, "/health")
    if status != 200:
        raise SystemExit(f"/health answered {status}: {body!r}")

    hit_path = f"/demo/image/upload/{HIT_TRANSFORMATION}/photo.jpg"
    status, headers, first = http_get(port, hit_path)
    if status != 200 or headers.get("x-derive-cache") != "miss":
        raise SystemExit(f"first GET {hit_path}: {status} X-Derive-Cache={headers.get('x-derive-cache')}")
    status, headers, hit_bytes = http_get(port, hit_path)
    if status != 200 or headers.get("x-derive-cache") != "hit":
        raise SystemExit(f"second GET {hit_path}: {status} X-Derive-Cache={headers.get('x-derive-cache')}")
    if hit_bytes != first:
        raise SystemExit("the hit's bytes differ from the miss's")
    with open(os.path.join(www, "hit.jpg"), "wb") as f:
        f.write(hit_bytes)
    os.chmod(os.path.join(www, "hit.jpg"), 0o644)

    # ---- nginx
    nginx_port = free_port()
    with open(os.path.join(tmp, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, port=nginx_port))
    nginx_proc = start([nginx, "-p", tmp, "-c", os.path.join(tmp, "nginx.conf"), "-e",
                        os.path.join(tmp, "nginx-error.log")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        try:
            status, nginx_headers, _ = http_get(nginx_port, "/hit.jpg")
            break
        except OSError:
            if nginx_proc.poll() is not None or time.time() > deadline:
                err = open(os.path.join(tmp, "nginx-error.log")).read() if os.path.exists(
                    os.path.join(tmp, "nginx-error.log")) else ""
                raise SystemExit(f"nginx did not start (exit {nginx_proc.poll()}): {err[-2000:]}")
            time.sleep(0.05)
    status, _, nginx_body = http_get(nginx_port, "/hit.jpg")
    if status != 200 or nginx_body != hit_bytes:
        raise SystemExit(f"nginx answered {status} with {len(nginx_body)} bytes, not the hit's {len(hit_bytes)}")

    targets = {
        "nginx": (f"http://127.0.0.1:{nginx_port}/hit.jpg", lambda: [nginx_proc.pid] + children(nginx_proc.pid)),
        "health": (f"http://127.0.0.1:{port}/health", lambda: [server.pid]),
        "hit": (f"http://127.0.0.1:{port}{hit_path}", lambda: [server.pid]),
    }
    response_sizes = {
        "nginx": raw_get(nginx_port, "/hit.jpg"),
        "health": raw_get(port, "/health"),
        "hit": raw_get(port, hit_path),
    }
    if response_sizes["hit"][1].get("x-derive-cache") != "hit":
        raise SystemExit("the hit URL no longer answers X-Derive-Cache: hit")

    # ---- pyvips worker and warm-up (also checks that every job renders on both sides)
    worker = PyvipsWorker(env)
    STARTED.append(worker.proc)
    client = MissClient(port, MISS_CLIENTS[args.miss_client])
    jobs = args.jobs
    miss_images: dict = {}
    notes: list[str] = []
    for name in jobs:
        ext = JOBS[name]["ext"]
        status, headers, plain = http_get(port, client.plain_path(name))
        if status != 200:
            raise SystemExit(f"GET {client.plain_path(name)}: {status} {plain[:300]!r}")
        client.run(name, warmup, 1, output=os.path.join(outdir, f"{name}.derive.{ext}"))
        with open(os.path.join(outdir, f"{name}.derive.{ext}"), "rb") as f:
            if f.read() != plain:
                notes.append(f"{name}: the `/$u_N` miss output differs from the plain URL's: not the same work")
        worker.ask(cmd="run", job=name, n=warmup, threads=1, output=os.path.join(outdir, f"{name}.pyvips.{ext}"))
        if args.miss_images:
            n = args.miss_images
        else:  # one more pyvips render, timed, sizes this job's measurements (fixed for the whole run)
            one = worker.ask(cmd="run", job=name, n=1, threads=1)["seconds"]
            n = min(40, max(2, int(miss_seconds / max(one, 1e-3))))
        miss_images[name] = max(2, n + n % 2)
    hwm_after_warmup = _proc_status_kb(server.pid, "VmHWM")

    hits: dict = {}    # (contender, conns) -> [wrk results]
    misses: dict = {}  # (contender, job, concurrency) -> [seconds per image]
    contenders = list(targets)
    for rnd in range(rounds):
        for c in conns:
            k = rnd % len(contenders)
            for who in contenders[k:] + contenders[:k]:
                url, pids_of = targets[who]
                hits.setdefault((who, c), []).append(run_wrk(url, c, wrk_seconds, pids_of))
        for j, name in enumerate(jobs):
            runs = [("derive", 1), ("pyvips", 1), ("derive", 2), ("pyvips", 2)]
            k = (rnd + j) % len(runs)
            for who, conc in runs[k:] + runs[:k]:
                if who == "derive":
                    r = client.run(name, miss_images[name], conc)
                else:
                    r = worker.ask(cmd="run", job=name, n=miss_images[name], threads=conc)
                misses.setdefault((who, name, conc), []).append(r["seconds"] / r["n"])
        print(f"round {rnd + 1}/{rounds} done ({time.time() - started_at:.0f} s)", file=sys.stderr)

    # ---- peak RSS
    derive_hwm = _proc_status_kb(server.pid, "VmHWM")
    derive_rss = _proc_status_kb(server.pid, "VmRSS")
    wstat = worker.ask(cmd="status")
    nginx_pids = [nginx_proc.pid] + children(nginx_proc.pid)
    nginx_hwm = sum(_proc_status_kb(p, "VmHWM") for p in nginx_pids)
    if server.poll() is not None:
        raise SystemExit(f"derive serve exited during the run: {open(log_path).read()[-2000:]}")
    load_end = os.getloadavg()
    elapsed = time.time() - started_at

    # ---- report
    now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    # delivery_bench.sh passes what it was given in DELIVERY_BENCH_ARGS (it may add --derive itself).
    given = os.environ.get("DELIVERY_BENCH_ARGS")
    command = ("Benchmarks/delivery_bench.sh " + given if given is not None
               else "Benchmarks/compare_delivery.py " + " ".join(sys.argv[1:]))
    header = [
        f"Date: {now} (end of the run); wall time {elapsed / 60:.1f} min",
        f"Command: `{command.strip()}`",
        f"Rounds: {rounds}, contenders rotating; wrk {wrk_seconds:g} s per run, connections {conns} "
        f"(-t2, -t1 at one connection); misses: images per measurement "
        f"{', '.join(f'{n} {miss_images[n]}' for n in jobs)} (each side, each concurrency) after {warmup} "
        f"warm-up renders per job and side; miss client {args.miss_client}; medians of the rounds (min–max)",
        "nginx: worker_processes auto (= 2 workers), sendfile on, access_log off; derive serve: default render "
        "threads (one per core), --gc-interval 0, DERIVE_ACCESS_LOG=0, data directory on disk; VIPS_CONCURRENCY=1 "
        "for pyvips",
        *machine_facts(derive),
        "load average (1/5/15 min) at start {:.2f}/{:.2f}/{:.2f}, at end {:.2f}/{:.2f}/{:.2f}".format(
            *load_start, *load_end),
    ]

    md = [*(f"- {h}" for h in header), ""]
    md.append("Hits (wrk): requests/s, median of the rounds (min–max); latency p50/p99 in ms (medians); server CPU "
              "per request in µs (utime+stime of the server processes over the wrk run / requests); response "
              "header + body bytes:")
    md.append("")
    md.append("| connections | contender | requests/s | p50 ms | p99 ms | server CPU µs/req | wrk CPU µs/req "
              "| response bytes (headers + body) |")
    md.append("|---:|---|---:|---:|---:|---:|---:|---:|")
    names = {"nginx": "nginx static file", "health": "Derive `GET /health`", "hit": "Derive stored derivative (hit)"}
    for c in conns:
        for who in contenders:
            rs = hits[(who, c)]
            rps = [r["rps"] for r in rs]
            _, _, hb, bb = response_sizes[who]
            md.append(f"| {c} | {names[who]} | {med(rps):.0f}{spread(rps)} | {med([r['p50'] for r in rs]):.3f} "
                      f"| {med([r['p99'] for r in rs]):.3f} | {med([r['cpu_us_per_req'] for r in rs]):.0f} "
                      f"| {med([r['client_cpu_us_per_req'] for r in rs]):.0f} | {hb} + {bb} |")
    md.append("")
    md.append("| connections | hit/health requests/s | hit/nginx requests/s | hit/nginx p50 latency "
              "| hit/nginx server CPU per request |")
    md.append("|---:|---:|---:|---:|---:|")
    for c in conns:
        g = lambda who, key: med([r[key] for r in hits[(who, c)]])  # noqa: E731
        md.append(f"| {c} | {ratio(g('hit', 'rps'), g('health', 'rps'))} | {ratio(g('hit', 'rps'), g('nginx', 'rps'))} "
                  f"| {ratio(g('hit', 'p50'), g('nginx', 'p50'))} "
                  f"| {ratio(g('hit', 'cpu_us_per_req'), g('nginx', 'cpu_us_per_req'))} |")
    md.append("")
    md.append("Misses: Derive over HTTP (each request a new derivative, `X-Derive-Cache: miss` checked) against "
              "pyvips in process. Concurrency 1: ms per image; concurrency 2: images/s (two client threads / "
              "two pyvips threads). Medians of the rounds (min–max):")
    md.append("")
    md.append("| job | Derive ms/image c1 | pyvips ms/image c1 | Derive/pyvips time c1 | Derive images/s c2 "
              "| pyvips images/s c2 | Derive/pyvips throughput c2 | c2/c1 scaling Derive / pyvips |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in jobs:
        d1 = [s * 1000 for s in misses[("derive", name, 1)]]
        p1 = [s * 1000 for s in misses[("pyvips", name, 1)]]
        d2 = [1 / s for s in misses[("derive", name, 2)]]
        p2 = [1 / s for s in misses[("pyvips", name, 2)]]
        md.append(f"| {JOBS[name]['title']} | {med(d1):.1f}{spread(d1, '{:.1f}')} | {med(p1):.1f}{spread(p1, '{:.1f}')} "
                  f"| {ratio(med(d1), med(p1))} | {med(d2):.1f}{spread(d2, '{:.1f}')} | {med(p2):.1f}{spread(p2, '{:.1f}')} "
                  f"| {ratio(med(d2), med(p2))} | {med(d2) * med(d1) / 1000:.2f}x / {med(p2) * med(p1) / 1000:.2f}x |")
    md.append("")
    md.append("The same misses as ratios paired by round (Derive's and pyvips' measurements of one job and "
              "concurrency in one round run back to back, so a drift of the machine's speed between rounds "
              "cancels out): median of the rounds' ratios (min–max):")
    md.append("")
    md.append("| job | Derive/pyvips time c1 | Derive/pyvips throughput c2 | rounds with time c1 ≤ 1.0x "
              "| rounds with throughput c2 ≥ 1.0x | c1: geometric mean [90 % CI], verdict "
              "| c2: geometric mean [90 % CI], verdict |")
    md.append("|---|---:|---:|---:|---:|---:|---:|")
    for name in jobs:
        r1 = [d / p for d, p in zip(misses[("derive", name, 1)], misses[("pyvips", name, 1)])]
        r2 = [p / d for d, p in zip(misses[("derive", name, 2)], misses[("pyvips", name, 2)])]
        md.append(f"| {JOBS[name]['title']} | {med(r1):.2f}x{spread(r1, '{:.2f}')} | {med(r2):.2f}x{spread(r2, '{:.2f}')} "
                  f"| {sum(r <= 1.0 for r in r1)} of {len(r1)} | {sum(r >= 1.0 for r in r2)} of {len(r2)} "
                  f"| {ratio_interval(r1, at_most=True)} | {ratio_interval(r2, at_most=False)} |")
    md.append("")
    md.append("The interval is the geometric mean of the rounds' ratios with a 90 % confidence interval "
              "(Student's t on the logarithms). Verdict: *met* when the whole interval is on the target's "
              "side of 1.0, *not met* when it is all on the other side, *within noise* when it spans 1.0.")
    md.append("")
    md.append("| job | output Derive | output pyvips |")
    md.append("|---|---|---|")
    for name in jobs:
        ext = JOBS[name]["ext"]
        dp, pp = (os.path.join(outdir, f"{name}.{w}.{ext}") for w in ("derive", "pyvips"))
        md.append(f"| {name} | {os.path.getsize(dp)} bytes, {image_dims(dp)} | {os.path.getsize(pp)} bytes, "
                  f"{image_dims(pp)} |")
    md.append("")
    md.append("Peak RSS (VmHWM, MB):")
    md.append("")
    md.append("| derive serve (whole run) | pyvips worker (same renders, c1 and c2) | Derive/pyvips | nginx (master + "
              "workers) | derive serve after start-up and warm-up | derive serve VmRSS at end |")
    md.append("|---:|---:|---:|---:|---:|---:|")
    md.append(f"| {mb(derive_hwm)} | {mb(wstat['hwm_kb'])} | {ratio(derive_hwm, wstat['hwm_kb'])} | {mb(nginx_hwm)} "
              f"| {mb(hwm_after_warmup)} | {mb(derive_rss)} |")
    md.append("")
    hit_headers = ", ".join(sorted(response_sizes["hit"][1]))
    nginx_hdrs = ", ".join(sorted(response_sizes["nginx"][1]))
    md.append(f"- Response headers: Derive hit: {hit_headers}; nginx: {nginx_hdrs}.")
    md.extend(f"- Note: {n}" for n in notes)
    wrk_errors = [r["errors"] for rs in hits.values() for r in rs if r["errors"]]
    md.extend(f"- wrk reported errors (those runs' numbers are not comparable): {e}" for e in wrk_errors)
    text = "\n".join(md)
    print("\n" + text)
    print("load average (1/5/15 min) at end: {:.2f} {:.2f} {:.2f}".format(*load_end), file=sys.stderr)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; everything it started is stopped and removed", file=sys.stderr)
        sys.exit(130)
