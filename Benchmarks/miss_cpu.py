"""CPU per miss: `derive serve`'s CPU time (utime + stime from /proc) per PNG miss over HTTP, against
pyvips' CPU time per render of the same job in process (issue 11's PNG job: RGBA 2135x2048 -> w_800 ->
PNG). CPU time is less sensitive to other load than wall time; both are printed, with the minor page
faults per miss (each maps and zeroes a fresh page).

    Benchmarks/.venv/bin/python Benchmarks/miss_cpu.py PATH/TO/release/derive [N]

Each miss is a new derivative (an unused `$v_<i>` variable makes a new key with identical work). The
venv is the one `delivery_bench.sh` makes (pyvips).
"""
import os, shutil, subprocess, sys, tempfile, time, urllib.request, resource
DERIVE = sys.argv[1]; N = int(sys.argv[2]) if len(sys.argv) > 2 else 20
IMG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "TestImages", "alpha_magick_logo.png")
tmp = tempfile.mkdtemp()
subprocess.run([DERIVE, "upload", IMG, "--public-id", "logo", "--data", tmp], check=True, capture_output=True)
import socket
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
env = dict(os.environ, DERIVE_ACCESS_LOG="0")
srv = subprocess.Popen([DERIVE, "serve", "--data", tmp, "--host", "127.0.0.1", "--port", str(port), "--gc-interval", "0"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for _ in range(100):
    try: urllib.request.urlopen(f"http://127.0.0.1:{port}/health"); break
    except Exception: time.sleep(0.1)
def cpu(pid):
    """CPU seconds (utime + stime) and minor faults of a process."""
    f = open(f"/proc/{pid}/stat").read().split(")")[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK"), int(f[7])
def fetch(i):
    urllib.request.urlopen(f"http://127.0.0.1:{port}/demo/image/upload/$v_{i},w_800/logo.png").read()
for i in range(3): fetch(10000 + i)
(c0, f0), t0 = cpu(srv.pid), time.perf_counter()
for i in range(N): fetch(i)
(c1, f1), t1 = cpu(srv.pid), time.perf_counter()
srv.terminate(); srv.wait()
shutil.rmtree(tmp, ignore_errors=True)
print(f"derive serve: {1000*(c1-c0)/N:.1f} ms CPU/miss, {1000*(t1-t0)/N:.1f} ms wall/miss, {(f1-f0)/N:.0f} minor faults/miss")
import pyvips
pyvips.cache_set_max(0); pyvips.concurrency_set(1)
data = open(IMG, "rb").read()
def render():
    return pyvips.Image.thumbnail_buffer(data, 800, height=767, size="force", option_string="fail_on=truncated").pngsave_buffer(strip=True)
for _ in range(3): render()
r0 = resource.getrusage(resource.RUSAGE_SELF); t0 = time.perf_counter()
for _ in range(N): render()
r1 = resource.getrusage(resource.RUSAGE_SELF); t1 = time.perf_counter()
c = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
print(f"pyvips: {1000*c/N:.1f} ms CPU/render, {1000*(t1-t0)/N:.1f} ms wall/render, {(r1.ru_minflt-r0.ru_minflt)/N:.0f} minor faults/render")
