#!/usr/bin/env python3
"""Regeneration throughput (issue 13): `derive regenerate -j 2` against vipsthumbnail and pyvips.

Run through Benchmarks/regen_bench.sh (it builds derive in release mode and makes the pyvips venv).

Every round, in an order that rotates from round to round (so machine noise hits all three alike):

  derive         a fresh data folder holding N originals (N copies of the 12 MP JPEG, uploaded with
                 `derive upload --folder`, untimed), then, timed from process start to exit:
                 `derive regenerate --all --transformation c_fit,w_300,h_300/jpg -j 2 --json`.
                 Includes start-up, the count walk, claiming batches, reading each original's blob,
                 the render (thumbnail_buffer with shrink-on-load, JPEG Q80, strip), writing the blob
                 (fsync) and recording the derivative, its event and the job checkpoint in SQLite.
  vipsthumbnail  a shell loop two at a time: `ls | xargs -P 2 -n 1 vipsthumbnail -s 300x300
                 -o OUT.jpg[Q=80,strip]` over the N files (a process per image).
  pyvips         two Python processes (multiprocessing.Pool(2)), each looping over its half of the
                 files: `Image.thumbnail(path, 300, height=300).jpegsave_buffer(Q=80, strip=True)`:
                 renders only, output discarded. Pool start-up is outside the timing.

All three use VIPS_CONCURRENCY=1 (one libvips worker per image; Derive sets this itself) and the
same sizes and quality. Reported: the median over rounds of images per second, and Derive's ratio
to each; targets: >= 1.5x vipsthumbnail and >= 0.8x pyvips.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool

TRANSFORMATION = "c_fit,w_300,h_300/jpg"


def pyvips_render(paths):
    import pyvips

    pyvips.cache_set_max(0)
    total = 0
    for path in paths:
        image = pyvips.Image.thumbnail(path, 300, height=300)
        total += len(image.jpegsave_buffer(Q=80, strip=True))
    return total


def warm(_):
    import pyvips  # noqa: F401  (import and libvips start-up outside the timing)

    return 0


def run_derive(derive, files_dir, count, jobs, env):
    data = tempfile.mkdtemp(prefix="regen-bench-data-")
    try:
        subprocess.run(
            [derive, "upload", "--folder", files_dir, "--data", data], check=True, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        start = time.perf_counter()
        out = subprocess.run(
            [derive, "regenerate", "--all", "--transformation", TRANSFORMATION, "-j", str(jobs), "--json",
             "--data", data], check=True, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        summary = json.loads(out.stdout)
        if summary["rendered"] != count or summary["failed"] != 0:
            sys.exit(f"derive rendered {summary['rendered']} of {count}, {summary['failed']} failed")
        return seconds
    finally:
        shutil.rmtree(data, ignore_errors=True)


def run_vipsthumbnail(files_dir, jobs, env):
    out = tempfile.mkdtemp(prefix="regen-bench-vt-")
    try:
        command = (
            f"cd '{files_dir}' && ls | xargs -P {jobs} -n 1 vipsthumbnail -s 300x300 "
            f"-o '{out}/%s.jpg[Q=80,strip]'")
        start = time.perf_counter()
        subprocess.run(["bash", "-c", command], check=True, env=env)
        seconds = time.perf_counter() - start
        made = len(os.listdir(out))
        return seconds, made
    finally:
        shutil.rmtree(out, ignore_errors=True)


def run_pyvips(pool, paths, jobs):
    halves = [paths[i::jobs] for i in range(jobs)]
    start = time.perf_counter()
    pool.map(pyvips_render, halves)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--derive", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--markdown")
    args = parser.parse_args()

    env = dict(os.environ, VIPS_CONCURRENCY="1")
    os.environ["VIPS_CONCURRENCY"] = "1"
    files_dir = tempfile.mkdtemp(prefix="regen-bench-files-")
    try:
        for i in range(args.count):
            shutil.copyfile(args.image, os.path.join(files_dir, f"photo_{i:04d}.jpg"))
        paths = sorted(os.path.join(files_dir, name) for name in os.listdir(files_dir))
        times = {"derive": [], "vipsthumbnail": [], "pyvips": []}
        with Pool(args.jobs) as pool:
            pool.map(warm, range(args.jobs))
            tools = list(times)
            for round_index in range(args.rounds):
                order = tools[round_index % 3:] + tools[:round_index % 3]
                for tool in order:
                    if tool == "derive":
                        seconds = run_derive(args.derive, files_dir, args.count, args.jobs, env)
                    elif tool == "vipsthumbnail":
                        seconds, made = run_vipsthumbnail(files_dir, args.jobs, env)
                        if made != args.count:
                            sys.exit(f"vipsthumbnail made {made} of {args.count}")
                    else:
                        seconds = run_pyvips(pool, paths, args.jobs)
                    times[tool].append(seconds)
                    print(f"round {round_index + 1} {tool}: {seconds:.2f} s, {args.count / seconds:.1f} images/s",
                          file=sys.stderr)
    finally:
        shutil.rmtree(files_dir, ignore_errors=True)

    rate = {tool: args.count / statistics.median(values) for tool, values in times.items()}
    lines = [
        f"Command: `Benchmarks/regen_bench.sh {os.environ.get('REGEN_BENCH_ARGS', '')}`".replace(" `", " `").strip(),
        "",
        f"{args.count} copies of {os.path.basename(args.image)}, `{TRANSFORMATION}`, -j {args.jobs}, "
        f"median of {args.rounds} interleaved rounds, {os.cpu_count()} cores",
        "",
        "| tool | images/s | Derive / tool | target |",
        "|---|---:|---:|---|",
        f"| derive regenerate (renders, stores, records) | {rate['derive']:.1f} | 1.00x | |",
        f"| vipsthumbnail, xargs -P {args.jobs} | {rate['vipsthumbnail']:.1f} | "
        f"{rate['derive'] / rate['vipsthumbnail']:.2f}x | >= 1.5x |",
        f"| pyvips, {args.jobs} processes, renders only | {rate['pyvips']:.1f} | "
        f"{rate['derive'] / rate['pyvips']:.2f}x | >= 0.8x |",
        "",
        "Per round (s): " + "; ".join(
            f"{tool} " + ", ".join(f"{value:.2f}" for value in values) for tool, values in times.items()),
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
