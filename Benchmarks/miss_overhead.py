"""What a render miss costs outside the render: the mean time of sequential misses seen by an HTTP
client on loopback, minus the server's own mean render time (its `derive_render_seconds` summary in
`/metrics`: the render on the render thread, including reading the original and hashing the output).
The difference is the request's way in and out: HTTP, URL parsing, catalog reads, thread hops, the
derivative's row and the response. Machine-speed noise moves both numbers together, so the
difference is steadier than either.

    Benchmarks/.venv/bin/python Benchmarks/miss_overhead.py PATH/TO/release/derive [N] [jpg|webp|png]

Each miss is a new derivative (an unused `$u_<i>` variable makes a new key with identical work):
12 MP JPEG `c_fill,w_300,h_200` for jpg/webp, the RGBA PNG `w_800` for png. Needs only Python 3.
"""
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

DERIVE = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 40
EXT = sys.argv[3] if len(sys.argv) > 3 else "jpg"
IMAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "TestImages")
image, public_id, transformation = (
    ("alpha_magick_logo.png", "logo", "w_800") if EXT == "png" else ("photo_12mp.jpg", "photo", "c_fill,w_300,h_200"))

tmp = tempfile.mkdtemp(prefix="derive-miss-overhead-")
server = None
try:
    subprocess.run([DERIVE, "upload", os.path.join(IMAGES, image), "--public-id", public_id, "--data", tmp],
                   check=True, capture_output=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [DERIVE, "serve", "--data", tmp, "--host", "127.0.0.1", "--port", str(port), "--gc-interval", "0"],
        env=dict(os.environ, DERIVE_ACCESS_LOG="0"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port)
            probe.request("GET", "/health")
            probe.getresponse().read()
            break
        except OSError:
            time.sleep(0.1)

    def render_summary():
        metrics = http.client.HTTPConnection("127.0.0.1", port)
        metrics.request("GET", "/metrics")
        body = metrics.getresponse().read().decode()

        def value(name):
            found = re.search(r"^" + name + r"(?:\{[^}]*\})? ([0-9.e+-]+)$", body, re.M)
            return float(found.group(1)) if found else 0.0
        return value("derive_render_seconds_sum"), value("derive_render_seconds_count")

    connection = http.client.HTTPConnection("127.0.0.1", port)

    def miss(i):
        connection.request("GET", f"/demo/image/upload/{transformation}/$u_{i}/{public_id}.{EXT}")
        response = connection.getresponse()
        response.read()
        if response.status != 200 or response.getheader("X-Derive-Cache") != "miss":
            raise SystemExit(f"miss {i}: {response.status} X-Derive-Cache={response.getheader('X-Derive-Cache')}")

    for i in range(3):
        miss(1_000_000 + i)
    seconds0, count0 = render_summary()
    times = []
    for i in range(N):
        start = time.perf_counter()
        miss(i)
        times.append(time.perf_counter() - start)
    seconds1, count1 = render_summary()
    render = (seconds1 - seconds0) / (count1 - count0) * 1000
    total = statistics.mean(times) * 1000
    print(f"{os.path.basename(DERIVE)} {EXT}: client mean {total:.2f} ms, server render mean {render:.2f} ms, "
          f"outside the render {total - render:.2f} ms ({N} misses)")
finally:
    if server:
        server.terminate()
        server.wait()
    shutil.rmtree(tmp, ignore_errors=True)
