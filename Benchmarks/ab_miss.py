"""Two `derive` builds, one miss job, misses alternating between them: the ratio of each pair (B/A).

    python3 Benchmarks/ab_miss.py PATH/TO/derive-A PATH/TO/derive-B [pairs] [--job png|jpeg|webp]
        [--concurrency N [--burst K]] [--env-a NAME=VALUE ...] [--env-b NAME=VALUE ...]

Both servers run at once on their own temporary data folders, each with the job's original uploaded;
pair i asks A then B (B then A on odd pairs), each request a new derivative (an unused `$v_<i>`
variable: identical work, new key). Neighbouring misses see the same machine, so the per-pair ratio
cancels the drift of this VM's speed (±10 % from minute to minute) that separate runs suffer from.
Prints both medians, the median per-pair ratio, how many pairs B won, and each server's peak RSS.
Giving the same binary twice checks the method: the ratio should be about 1.00.

With `--concurrency N` a measurement is a burst of K misses sent by N client threads at once (the
throughput case: renders side by side, competing for the cores) and the ratio is of the bursts' wall
times. `--env-a`/`--env-b` start one side with extra environment, e.g. the same binary twice with
`--env-b MALLOC_ARENA_MAX=4` to measure one setting.
"""
import argparse
import concurrent.futures
import itertools
import os
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from derive_server import JOBS as BY_EXTENSION, DeriveServer  # noqa: E402

JOBS = {"png": ("png", *BY_EXTENSION["png"]), "jpeg": ("jpg", *BY_EXTENSION["jpg"]),
        "webp": ("webp", *BY_EXTENSION["webp"])}
KEYS = itertools.count()


class Server(DeriveServer):
    def miss(self, key: int, transformation: str, public_id: str, ext: str) -> float:
        url = f"http://127.0.0.1:{self.port}/demo/image/upload/$v_{key},{transformation}/{public_id}.{ext}"
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            if response.headers.get("X-Derive-Cache") != "miss":
                raise SystemExit(f"expected a miss: {url}")
        return time.perf_counter() - started

    def burst(self, pool, count: int, transformation: str, public_id: str, ext: str) -> float:
        """Wall time of `count` misses sent by the pool's threads at once."""
        keys = [next(KEYS) for _ in range(count)]
        started = time.perf_counter()
        list(pool.map(lambda key: self.miss(key, transformation, public_id, ext), keys))
        return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("pairs", type=int, nargs="?", default=40)
    parser.add_argument("--job", choices=list(JOBS), default="png")
    parser.add_argument("--concurrency", type=int, default=1, help="client threads per measurement (default 1)")
    parser.add_argument("--burst", type=int, default=8, help="misses per measurement with --concurrency > 1")
    parser.add_argument("--env-a", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--env-b", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    ext, image, public_id, transformation = JOBS[args.job]
    environments = [dict(item.split("=", 1) for item in side) for side in (args.env_a, args.env_b)]
    servers = [Server(binary, image, public_id, env) for binary, env in zip((args.a, args.b), environments)]
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency)

    def measure(server):
        if args.concurrency == 1:
            return server.miss(next(KEYS), transformation, public_id, ext)
        return server.burst(pool, args.burst, transformation, public_id, ext)

    try:
        for _ in range(3):
            for server in servers:
                server.miss(next(KEYS), transformation, public_id, ext)
        times_a, times_b = [], []
        for pair in range(args.pairs):
            order = servers if pair % 2 == 0 else servers[::-1]
            took = {id(server): measure(server) for server in order}
            times_a.append(took[id(servers[0])])
            times_b.append(took[id(servers[1])])
        ratios = [b / a for a, b in zip(times_a, times_b)]
        what = "ms per miss" if args.concurrency == 1 else f"ms per burst of {args.burst} at {args.concurrency}"
        print(f"job {args.job} ({transformation} -> {ext}), {args.pairs} pairs, {what}")
        print(f"A {args.a} {environments[0] or ''}: median {1000 * statistics.median(times_a):.1f} ms, peak RSS {servers[0].peak_mib():.1f} MiB")
        print(f"B {args.b} {environments[1] or ''}: median {1000 * statistics.median(times_b):.1f} ms, peak RSS {servers[1].peak_mib():.1f} MiB")
        print(f"B/A per pair: median {statistics.median(ratios):.3f}, B faster in {sum(r < 1 for r in ratios)} of "
              f"{len(ratios)}")
    finally:
        pool.shutdown()
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
