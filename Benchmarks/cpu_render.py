#!/usr/bin/env python3
"""CPU time per render, for a machine shared with other work: the jobs and tools of compare_render.py,
timed by the CPU time (user + system) of each tool's own process instead of wall time.

Each measurement runs a tool twice in fresh processes, with 1 and with 1 + N renders (after one
warm-up render each), and takes the difference of their CPU times divided by N: process start-up,
imports and libvips' initialisation cancel out. Rounds are interleaved (the order of the tools
rotates), and the median over rounds is reported. CPU time still grows somewhat when other processes
compete for caches and memory bandwidth, but far less than wall time does under a load of 2-7 on two
cores (compare_render.py's in-process rounds spread by 30 % or more there; these by a few per cent).

Run from the Benchmarks directory, after `swift build -c release --product RenderLoop` and
`pip install pyvips pillow` (see compare_render.py):

    python3 cpu_render.py                                  # every default job, derive/pyvips/pyvips-dct/pillow
    python3 cpu_render.py --before /tmp/RenderLoop-old     # adds an interleaved derive-before column
    python3 cpu_render.py --jobs png-alpha-w800 --rounds 9 --renders 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

import compare_render as cr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", nargs="*", default=cr.DEFAULT_JOBS, choices=list(cr.JOBS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--renders", type=int, default=20, help="renders counted per measurement (default 20)")
    parser.add_argument("--render-loop", default=os.path.join(cr.HERE, ".build", "release", "RenderLoop"))
    parser.add_argument("--before", help="another RenderLoop, reported as derive-before")
    args = parser.parse_args()
    env = dict(os.environ, VIPS_CONCURRENCY="1")
    loops = {"derive": args.render_loop}
    if args.before:
        loops["derive-before"] = args.before

    def command(tool: str, job: str, renders: int) -> list[str]:
        spec = cr.JOBS[job]
        if tool in loops:
            return [loops[tool], os.path.join(cr.TEST_IMAGES, spec["image"]), spec["transformation"], spec["ext"],
                    str(renders), "1"]
        return [sys.executable, os.path.join(cr.HERE, "compare_render.py"), "--worker", tool, "--job", job,
                "--iterations", str(renders), "--warmup", "1"]

    def cpu_seconds(cmd: list[str]) -> float:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}")
        return usage.ru_utime + usage.ru_stime

    print(f"load average at start {os.getloadavg()[0]:.2f}; {args.rounds} rounds, {args.renders} renders counted")
    print("| job | " + " | ".join(list(loops) + ["pyvips", "pyvips-dct", "pillow"]) + " | Derive/pyvips | Derive/Pillow |"
          + (" Derive/before |" if args.before else ""))
    for job in args.jobs:
        tools = list(loops) + ["pyvips"] + (["pyvips-dct"] if cr.JOBS[job]["image"].endswith(".jpg") else []) \
            + ["pillow"]
        per: dict[str, list[float]] = {tool: [] for tool in tools}
        for rnd in range(args.rounds):
            k = rnd % len(tools)
            for tool in tools[k:] + tools[:k]:
                one = cpu_seconds(command(tool, job, 1))
                many = cpu_seconds(command(tool, job, 1 + args.renders))
                per[tool].append((many - one) / args.renders * 1000)
        med = {tool: statistics.median(v) for tool, v in per.items()}
        cell = lambda t: f"{med[t]:.1f} ({min(per[t]):.1f}–{max(per[t]):.1f})" if t in med else "—"  # noqa: E731
        row = [cell(t) for t in list(loops) + ["pyvips", "pyvips-dct", "pillow"]]
        ratio = f"{med['derive'] / med['pyvips']:.2f}x | {med['derive'] / med['pillow']:.2f}x"
        before = f" {med['derive'] / med['derive-before']:.2f}x |" if args.before else ""
        print(f"| {cr.JOBS[job]['title']} | " + " | ".join(row) + f" | {ratio} |" + before, flush=True)
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
