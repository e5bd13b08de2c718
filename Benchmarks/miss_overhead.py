"""What a render miss costs outside the render: the mean time of sequential misses seen by an HTTP
client on loopback, minus the server's own mean render time (its `derive_render_seconds` summary in
`/metrics`: the render on the render thread, including reading the original and hashing the output).
The difference is the request's way in and out: HTTP, URL parsing, catalog reads, thread hops, the
derivative's row and the response. Machine-speed noise moves both numbers together, so the
difference is steadier than either.

    Benchmarks/.venv/bin/python Benchmarks/miss_overhead.py PATH/TO/release/derive [N] [jpg|webp|png] [raw|http.client] [same|new]

Each miss is a new derivative (an unused `$u_<i>` variable makes a new key with identical work):
12 MP JPEG `c_fill,w_300,h_200` for jpg/webp, the RGBA PNG `w_800` for png. The client is the delivery
benchmark's (`raw`, a keep-alive socket, the default; or `http.client`); its own CPU time per miss is
printed too, since on this machine it shares the cores with the server. With `same` (the default) every
miss renders identical bytes, as in the delivery benchmark, so the blob is already stored and only its
time is refreshed; with `new` the width and quality vary (300–349 wide and Q60–99; the PNG 751–800
wide) so that every miss writes a new blob (temporary file, fsync, rename, directory fsync), and the
difference between the two is what writing it costs. Needs only Python 3.
"""
import http.client
import os
import re
import resource
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_delivery import MISS_CLIENTS  # noqa: E402  (the delivery benchmark's clients)
from derive_server import JOBS, DeriveServer  # noqa: E402

DERIVE = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 40
EXT = sys.argv[3] if len(sys.argv) > 3 else "jpg"
CLIENT = sys.argv[4] if len(sys.argv) > 4 else "raw"
NEW_BLOBS = (sys.argv[5] if len(sys.argv) > 5 else "same") == "new"
image, public_id, transformation = JOBS[EXT]

with DeriveServer(DERIVE, image, public_id) as server:
    port = server.port

    def render_summary():
        metrics = http.client.HTTPConnection("127.0.0.1", port)
        metrics.request("GET", "/metrics")
        body = metrics.getresponse().read().decode()

        def value(name):
            found = re.search(r"^" + name + r"(?:\{[^}]*\})? ([0-9.e+-]+)$", body, re.M)
            return float(found.group(1)) if found else 0.0
        return value("derive_render_seconds_sum"), value("derive_render_seconds_count")

    connection = MISS_CLIENTS[CLIENT](port)

    def miss(i):
        varied = transformation
        if NEW_BLOBS:
            width = 300 + i % 50 if EXT != "png" else 800 - i % 50
            varied = transformation.replace("w_300" if EXT != "png" else "w_800", f"w_{width}")
            varied += f",q_{60 + i // 50 % 40}" if EXT != "png" else ""
        status, cache, _ = connection.get(f"/demo/image/upload/{varied}/$u_{i}/{public_id}.{EXT}")
        if status != 200 or cache != "miss":
            raise SystemExit(f"miss {i}: {status} X-Derive-Cache={cache}")

    for i in range(3):
        miss(1_000_000 + i)
    seconds0, count0 = render_summary()
    times = []
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    for i in range(N):
        start = time.perf_counter()
        miss(i)
        times.append(time.perf_counter() - start)
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = ((usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)) / N * 1000
    seconds1, count1 = render_summary()
    render = (seconds1 - seconds0) / (count1 - count0) * 1000
    total = statistics.mean(times) * 1000
    print(f"{os.path.basename(DERIVE)} {EXT}: client mean {total:.2f} ms, server render mean {render:.2f} ms, "
          f"outside the render {total - render:.2f} ms; {CLIENT} client CPU {client_cpu:.3f} ms per miss ({N} misses, {'new' if NEW_BLOBS else 'same'} bytes)")
