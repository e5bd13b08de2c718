"""A `derive serve` of one uploaded original on 127.0.0.1, for the miss scripts (`ab_miss.py`,
`miss_overhead.py`, `variable_cost.py`): its own temporary data folder, a free port, no access log,
no garbage collection; stopped and removed with `stop()` (or as a context manager). Needs only Python 3.
"""
import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import time

IMAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "TestImages")

# The miss jobs by output extension: (original, public id, transformation).
JOBS = {
    "jpg": ("photo_12mp.jpg", "photo", "c_fill,w_300,h_200"),
    "webp": ("photo_12mp.jpg", "photo", "c_fill,w_300,h_200"),
    "png": ("alpha_magick_logo.png", "logo", "w_800"),
}


class DeriveServer:
    def __init__(self, binary: str, image: str, public_id: str, environment: dict | None = None):
        self.folder = tempfile.mkdtemp(prefix="derive-bench-")
        self.process = None
        try:
            subprocess.run([binary, "upload", os.path.join(IMAGES, image), "--public-id", public_id,
                            "--data", self.folder], check=True, capture_output=True)
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
            self.process = subprocess.Popen(
                [binary, "serve", "--data", self.folder, "--host", "127.0.0.1", "--port", str(self.port),
                 "--gc-interval", "0"],
                env=dict(os.environ, DERIVE_ACCESS_LOG="0", **(environment or {})),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(200):
                try:
                    health = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                    health.request("GET", "/health")
                    health.getresponse().read()
                    return
                except OSError:
                    time.sleep(0.05)
            raise SystemExit(f"{binary} did not start")
        except BaseException:
            self.stop()
            raise

    def peak_mib(self) -> float:
        """The server's peak resident memory so far (VmHWM)."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait()
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
