#!/usr/bin/env python3
"""Side-by-side render benchmark: Derive against libvips (pyvips, vipsthumbnail) and Pillow.

Run from the Benchmarks directory after a release build of RenderLoop:

    swift build -c release --product RenderLoop
    pip install pyvips pillow          # and: apt-get install -y libvips-tools (vipsthumbnail)
    python3 compare_render.py                       # defaults: 5 rounds x 20 renders per loop
    python3 compare_render.py --markdown out.md     # also write the markdown table to a file
    python3 compare_render.py --before /tmp/RenderLoop-old   # adds an interleaved derive-before row

What is measured, per job (all jobs start from the source file's bytes already in memory and end with
the encoded output bytes in memory; reading the file and process start-up are outside the timed loop):

  in-process loops, each in a fresh subprocess (so its peak RSS is its own; read with os.wait4):
    derive          Benchmarks/.build/release/RenderLoop: `Renderer.render(bytes, transformation:, format:)`
                    N times after a warm-up. Derive probes the header, plans, then runs
                    thumbnail_buffer (shrink-on-load) to the covering size, extract_area for the crop,
                    and <format>save_buffer with strip (Q80 for JPEG/WebP).
    derive-before   with --before PATH only: the same loop with another RenderLoop binary (a build of
                    an earlier commit), interleaved with the rest, for before/after tables.
    pyvips          libvips' standard path from Python, the reference for the targets:
                    thumbnail_buffer to the covering size, scaling both axes by one factor (only the
                    side that factor maps exactly is bounded, as thumbnail's own crop=centre does; libvips
                    picks the shrink-on-load factor), crop (= extract_area) to the same box, the saver
                    with the options Derive uses (strip; Q80; WebP effort 2). Chains: colourspace b-w
                    (e_grayscale) or sharpen (e_sharpen), copy_memory, rot90. Operation cache off
                    (cache_set_max*(0)) and VIPS_CONCURRENCY=1, as in Derive.
    pillow          Image.open + draft() (JPEG: libjpeg DCT scaling picks 1/2, 1/4 or 1/8 so the decoded
                    image still covers the target), resize(LANCZOS, box=...) to the same covering size at
                    the same single factor, crop to the same box, save with the same quality; metadata
                    (EXIF, ICC) dropped.
                    e_grayscale is convert("L") (601 luma in gamma space; libvips weighs in linear light).
    pyvips-dct      JPEG jobs only: jpegload_buffer(shrink=S, access=sequential) with S the largest DCT
                    scale (2, 4, 8) that still covers the target, then thumbnail_image, crop and save as
                    above. libvips 8.14's thumbnail keeps a 2x margin and so decodes this 4608x2592 JPEG
                    at 1/4 for 356x200 where 1/8 (576x324, what Pillow's draft picks) covers it. This is
                    the same sequence of libvips operations as Derive's Loader when it decodes deeper
                    than thumbnail would, so Derive/pyvips-dct isolates Derive's own overhead.

  whole processes, one render per process (start-up, libvips init, file read, render, file write):
    vipsthumbnail   `vipsthumbnail IN -s WxH -m centre -o OUT.ext[Q=80,strip]` (WebP adds effort=2;
                    PNG: `-s 800x`, `[strip]`); it cannot sharpen or rotate, so the chain has no row
    derive render   `derive render IN -t TRANSFORMATION -o OUT.ext` (issue 4); skipped, with a note,
                    when `derive render --help` fails or no derive binary is found.
    renderloop-1x   `RenderLoop IN TRANSFORMATION EXT 0 1 OUT`: one render per process through the same
                    Renderer, without the CLI (no argument parser, no server code linked in). A lower
                    bound for what `derive render` can reach, and a stand-in while it cannot be built.

Measurements are interleaved: every round runs every tool on every job, in an order that rotates from
round to round, so machine noise hits all tools alike. Reported numbers are medians over rounds
(in-process: each round's mean ms per render over N renders; processes: each run's wall time).
Output sizes and the mean absolute pixel difference from pyvips' output are printed so that the
outputs can be checked to be comparable (same dimensions, same Q, metadata stripped).

Quality: each output's PSNR (dB) against a full-resolution reference, made once per job in the
driver: the whole source decoded without shrink-on-load, resized by the job's single factor with
lanczos3 in libvips (premultiplied when it has alpha, in float), cropped to the same box, then the
chain's operations (e_grayscale: libvips b-w; e_sharpen: Derive's definition, an unsharp mask in sRGB
with sigma 1 and amount 1, which the other tools only approximate with their own sharpeners; a_90:
rot90). Outputs with alpha are compared premultiplied; a three-band grey output by its first band.
Higher is closer to the reference; JPEG/WebP coding at Q80 bounds it for every tool alike.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import io
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_IMAGES = os.path.join(os.path.dirname(HERE), "TestImages")


# --------------------------------------------------------------------------------------------------
# Jobs. Geometry mirrors Derive's planner (Sources/DeriveRender/Planner.swift) so that every tool
# produces the same intermediate and final sizes.

def _round(x: float) -> int:
    """Swift's .rounded() (half away from zero), for positive numbers."""
    return int(math.floor(x + 0.5))


def fill_geometry(src_w: int, src_h: int, box_w: int, box_h: int):
    """c_fill with centre gravity: the covering size, then the crop box inside it."""
    factor = max(box_w / src_w, box_h / src_h)
    cov_w = max(box_w, _round(src_w * factor))
    cov_h = max(box_h, _round(src_h * factor))
    x = int((cov_w - box_w) * 0.5)
    y = int((cov_h - box_h) * 0.5)
    return (cov_w, cov_h), (x, y, box_w, box_h)


def scale_width(src_w: int, src_h: int, width: int):
    return width, max(1, _round(width / (src_w / src_h)))


def job_geometry(job: dict):
    """(factor, axis, (scaled w, h), (crop x, y, w, h)): every job scales the source by ONE factor, the
    one that maps `axis` exactly (libvips' thumbnail does the same), then crops (fill) or not."""
    src_w, src_h = job["src"]
    if job["kind"] == "fill":
        box_w, box_h = job["box"]
        (cw, ch), crop = fill_geometry(src_w, src_h, box_w, box_h)
        axis = "width" if box_w / src_w >= box_h / src_h else "height"
        factor = box_w / src_w if axis == "width" else box_h / src_h
        return factor, axis, (cw, ch), crop
    w, h = scale_width(src_w, src_h, job["width"])
    return w / src_w, "width", (w, h), (0, 0, w, h)


UNBOUNDED = 10_000_000  # VIPS_MAX_COORD: the side thumbnail must not bound


JOBS = {
    "jpeg-fill-jpg": dict(
        title="12 MP JPEG -> c_fill,w_300,h_200 -> JPEG Q80",
        image="photo_12mp.jpg", src=(4608, 2592), transformation="c_fill,w_300,h_200", ext="jpg",
        kind="fill", box=(300, 200),
        vipsthumbnail=["-s", "300x200", "-m", "centre"], vt_opts="[Q=80,strip]"),
    "jpeg-fill-webp": dict(
        title="12 MP JPEG -> c_fill,w_300,h_200 -> WebP Q80",
        image="photo_12mp.jpg", src=(4608, 2592), transformation="c_fill,w_300,h_200", ext="webp",
        kind="fill", box=(300, 200),
        vipsthumbnail=["-s", "300x200", "-m", "centre"], vt_opts="[Q=80,strip,effort=2]"),
    "png-alpha-w800": dict(
        title="PNG RGBA 2135x2048 -> w_800 -> PNG",
        image="alpha_magick_logo.png", src=(2135, 2048), transformation="w_800", ext="png",
        kind="width", width=800,
        vipsthumbnail=["-s", "800x"], vt_opts="[strip]"),
    # Needs e_sharpen and a_90 in the renderer (issue 4). Skipped, with a note, while RenderLoop fails on it.
    "jpeg-chain": dict(
        title="12 MP JPEG -> w_1000/e_sharpen/a_90 -> JPEG Q80",
        image="photo_12mp.jpg", src=(4608, 2592), transformation="w_1000/e_sharpen/a_90", ext="jpg",
        kind="chain", width=1000,
        vipsthumbnail=None, vt_opts=None),
    # Not in DEFAULT_JOBS: a variable in front of the resize (issue 11) must not turn shrink-on-load off.
    "jpeg-fill-variable": dict(
        title="12 MP JPEG -> $v_1,c_fill,h_200,w_301,q_80 -> JPEG Q80",
        image="photo_12mp.jpg", src=(4608, 2592), transformation="$v_1,c_fill,h_200,w_301,q_80", ext="jpg",
        kind="fill", box=(301, 200),
        vipsthumbnail=["-s", "301x200", "-m", "centre"], vt_opts="[Q=80,strip]"),
    # A grey result (issue 11): every tool writes a one-band greyscale JPEG.
    "jpeg-grey-chain": dict(
        title="12 MP JPEG -> w_1000/e_grayscale/a_90 -> JPEG Q80",
        image="photo_12mp.jpg", src=(4608, 2592), transformation="w_1000/e_grayscale/a_90", ext="jpg",
        kind="grey-chain", width=1000,
        vipsthumbnail=None, vt_opts=None),
}
DEFAULT_JOBS = ["jpeg-fill-jpg", "jpeg-fill-webp", "png-alpha-w800", "jpeg-chain", "jpeg-grey-chain"]

QUALITY = 80
WEBP_EFFORT = 2  # Derive's Encoder uses webpsave effort 2 (libwebp "method"); every tool gets the same


def dct_shrink(src_w: int, src_h: int, w: int, h: int) -> int:
    """The largest JPEG DCT scale (8, 4, 2) whose decoded image still covers w x h (as Derive's Loader)."""
    factor = min(src_w / w, src_h / h)
    return next((s for s in (8, 4, 2) if s <= factor), 1)


# --------------------------------------------------------------------------------------------------
# Workers: each runs in its own process, prints one JSON line.

def _read_rss_kb() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def make_pyvips_op(job: dict, variant: str):
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
            return im.jpegsave_buffer(Q=QUALITY, strip=True)
        if ext == "webp":
            return im.webpsave_buffer(Q=QUALITY, strip=True, effort=WEBP_EFFORT)
        return im.pngsave_buffer(strip=True)

    factor, axis, (sw, sh), (x, y, bw, bh) = job_geometry(job)
    # thumbnail scales by one factor when only one side bounds it (the other is unbounded).
    tw, th = (sw, UNBOUNDED) if axis == "width" else (UNBOUNDED, sh)

    def load(data):
        if variant == "pyvips-dct":
            shrink = dct_shrink(src_w, src_h, sw, sh)
            im = pyvips.Image.jpegload_buffer(data, shrink=shrink, access="sequential", fail_on="truncated")
            return im.thumbnail_image(tw, height=th)
        return pyvips.Image.thumbnail_buffer(data, tw, height=th, option_string="fail_on=truncated")

    if job["kind"] == "fill":
        def op(data):
            im = load(data)
            if (im.width, im.height) != (bw, bh):
                im = im.crop(x, y, bw, bh)
            return save(im)
    elif job["kind"] == "width":
        def op(data):
            return save(load(data))
    elif job["kind"] == "grey-chain":  # w_1000 / e_grayscale / a_90 (clockwise)
        def op(data):
            im = load(data).colourspace("b-w")
            # rot90 reads its input out of order: a sequential (thumbnail) pipeline must be
            # materialised first, else "out of order read".
            return save(im.copy_memory().rot90())
    else:  # chain: w_1000 / e_sharpen / a_90 (clockwise)
        def op(data):
            im = load(data)
            im = im.sharpen(sigma=1, m2=2, y3=40).colourspace("srgb")  # Derive's e_sharpen (default 100)
            im = im.copy_memory().rot90()
            return save(im)
    return op


def make_pillow_op(job: dict):
    from PIL import Image, ImageFilter

    ext = job["ext"]
    src_w, src_h = job["src"]
    lanczos = Image.Resampling.LANCZOS

    def save(im):
        im.info = {}  # drop EXIF/ICC carried over from the source: metadata stripped, as Derive does
        buf = io.BytesIO()
        if ext == "jpg":
            im.save(buf, "JPEG", quality=QUALITY)
        elif ext == "webp":
            im.save(buf, "WEBP", quality=QUALITY, method=WEBP_EFFORT)  # libwebp method = libvips effort
        else:
            im.save(buf, "PNG")  # compress_level 6, like libvips' default compression
        return buf.getvalue()

    factor, _, (sw, sh), (x, y, bw, bh) = job_geometry(job)

    def open_to(data):
        """The covering size at the same single factor as the other tools (Pillow's `box` names the source
        region that maps onto it), then the crop."""
        im = Image.open(io.BytesIO(data))
        if im.format == "JPEG":
            im.draft("RGB", (sw, sh))  # DCT-domain downscale to the largest 1/2^k that still covers sw x sh
        f = factor * src_w / im.width  # the factor from the drafted size
        # (clamped: the rounded side can reach up to half a pixel past the edge)
        im = im.resize((sw, sh), lanczos, box=(0, 0, min(im.width, sw / f), min(im.height, sh / f)))
        return im.crop((x, y, x + bw, y + bh)) if (sw, sh) != (bw, bh) else im

    if job["kind"] in ("fill", "width"):
        def op(data):
            return save(open_to(data))
    elif job["kind"] == "grey-chain":
        def op(data):
            im = open_to(data).convert("L")  # ITU-R 601 luma in gamma space (libvips: linear light)
            return save(im.transpose(Image.Transpose.ROTATE_270))  # 90 degrees clockwise
    else:
        def op(data):
            im = open_to(data)
            im = im.filter(ImageFilter.UnsharpMask(radius=2, percent=100, threshold=3))  # approximate
            im = im.transpose(Image.Transpose.ROTATE_270)  # 90 degrees clockwise
            return save(im)
    return op


def worker(args) -> int:
    job = JOBS[args.job]
    with open(os.path.join(TEST_IMAGES, job["image"]), "rb") as f:
        data = f.read()
    if args.worker in ("pyvips", "pyvips-dct"):
        op = make_pyvips_op(job, args.worker)
    elif args.worker == "pillow":
        op = make_pillow_op(job)
    else:
        raise SystemExit(f"unknown worker {args.worker}")
    base_rss = _read_rss_kb()
    out = op(data)
    for _ in range(max(1, args.warmup) - 1):
        out = op(data)
    start = time.perf_counter()
    for _ in range(args.iterations):
        out = op(data)
    elapsed = time.perf_counter() - start
    if args.output:
        with open(args.output, "wb") as f:
            f.write(out)
    import resource

    print(json.dumps({
        "ms_per_op": elapsed * 1000 / max(1, args.iterations), "ops": args.iterations,
        "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "base_rss_kb": base_rss,
        "bytes": len(out)}))
    return 0


# --------------------------------------------------------------------------------------------------
# Driver

def run_child(cmd, env) -> tuple[int, float, int, str, str]:
    """Runs cmd; returns (exit code, wall seconds, peak RSS of that child in KiB, stdout, stderr)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, wall, int(usage.ru_maxrss), out.read().decode(errors="replace"),
                err.read().decode(errors="replace"))


def find_render_loop(explicit: str | None) -> str | None:
    candidates = [explicit] if explicit else [os.path.join(HERE, ".build", "release", "RenderLoop")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    return None


def find_derive(explicit: str | None) -> str | None:
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for path in (os.path.join(HERE, ".build", "release", "derive"),
                 os.path.join(os.path.dirname(HERE), ".build", "release", "derive")):
        if os.access(path, os.X_OK):
            return path
    return None


def mean_abs_diff(path_a: str, path_b: str) -> str:
    """Mean absolute difference per sample between two images (0-255), or a note."""
    try:
        import pyvips

        a = pyvips.Image.new_from_file(path_a, access="sequential")
        b = pyvips.Image.new_from_file(path_b, access="sequential")
        if (a.width, a.height) != (b.width, b.height):
            return f"size differs: {a.width}x{a.height} vs {b.width}x{b.height}"
        if a.bands != b.bands:
            n = min(a.bands, b.bands)
            a, b = a.extract_band(0, n=n), b.extract_band(0, n=n)
        return f"{(a.cast('float') - b.cast('float')).abs().avg():.2f}"
    except Exception as error:  # noqa: BLE001 - diagnostic only
        return f"n/a ({error})"


_REFERENCES: dict = {}


def reference(name: str):
    """The full-resolution reference for a job: the whole source decoded (no shrink-on-load), resized
    by the job's single factor with lanczos3 in libvips (premultiplied when it has alpha, kept in float),
    the same crop, then the chain's own operations: e_grayscale = libvips' b-w; e_sharpen = Derive's
    definition (unsharp mask in sRGB, sigma 1, amount 1); a_90 = rot90."""
    if name in _REFERENCES:
        return _REFERENCES[name]
    import pyvips

    job = JOBS[name]
    factor, _, (sw, sh), (x, y, bw, bh) = job_geometry(job)
    im = pyvips.Image.new_from_file(os.path.join(TEST_IMAGES, job["image"]))
    if im.hasalpha():
        im = im.premultiply()
    im = im.cast("float").resize(factor, kernel="lanczos3")
    if (im.width, im.height) != (bw, bh):
        im = im.crop(x, y, bw, bh)
    if job["kind"] == "grey-chain":
        im = im.cast("uchar").colourspace("b-w").cast("float").rot90()
    elif job["kind"] == "chain":
        blurred = im.gaussblur(1)
        im = (im * 2 - blurred).cast("uchar").cast("float").rot90()
    _REFERENCES[name] = im.copy_memory()
    return _REFERENCES[name]


def psnr(name: str, path: str) -> str:
    """PSNR in dB of an output against the job's full-resolution reference (premultiplied when the
    output has alpha; a three-band grey output is compared by its first band)."""
    try:
        import pyvips

        ref = reference(name)
        out = pyvips.Image.new_from_file(path, access="sequential")
        out = out.premultiply() if out.hasalpha() else out.cast("float")
        if out.bands != ref.bands:
            n = min(out.bands, ref.bands)
            out, ref = out.extract_band(0, n=n), ref.extract_band(0, n=n)
        if (out.width, out.height) != (ref.width, ref.height):
            return f"size differs: {out.width}x{out.height} vs {ref.width}x{ref.height}"
        d = out - ref
        mse = (d * d).avg()
        return "inf" if mse == 0 else f"{10 * math.log10(255 * 255 / mse):.2f}"
    except Exception as error:  # noqa: BLE001 - diagnostic only
        return f"n/a ({error})"


def image_dims(path: str) -> str:
    try:
        import pyvips

        im = pyvips.Image.new_from_file(path)
        return f"{im.width}x{im.height}x{im.bands}"
    except Exception:  # noqa: BLE001
        return "?"


def fmt_ms(v):
    return "—" if v is None else f"{v:.1f}"


def fmt_spread(values):
    return "" if not values or len(values) < 2 else f" ({min(values):.1f}–{max(values):.1f})"


def fmt_ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def fmt_mb(kb):
    return "—" if kb is None else f"{kb / 1024:.1f}"


def machine_facts() -> list[str]:
    facts = []
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                    if line.startswith("model name")), platform.processor())
    except OSError:
        cpu = platform.processor()
    facts.append(f"CPU: {cpu}; nproc: {os.cpu_count()}")
    try:
        import pyvips
        import PIL

        facts.append(f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}; "
                     f"pyvips {pyvips.__version__} ({'API' if pyvips.API_mode else 'ABI'} mode); "
                     f"Pillow {PIL.__version__}; Python {platform.python_version()}")
    except Exception as error:  # noqa: BLE001
        facts.append(f"versions: {error}")
    try:
        swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
        facts.append(swift[0] if swift else "swift: ?")
    except OSError:
        facts.append("swift: not found")
    facts.append(f"kernel: {platform.release()}")
    return facts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--iterations", type=int, default=20, help="renders per in-process loop (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up renders per loop (default 3)")
    parser.add_argument("--process-runs", type=int, default=4,
                        help="whole-process runs per tool per job per round (default 4)")
    parser.add_argument("--jobs", nargs="*", default=DEFAULT_JOBS, choices=list(JOBS))
    parser.add_argument("--render-loop", help="path to RenderLoop (default .build/release/RenderLoop)")
    parser.add_argument("--before", help="a second RenderLoop (e.g. a build of the previous commit), run as the "
                        "tool derive-before, interleaved with the others: before/after on the same noise")
    parser.add_argument("--derive", help="path to the derive CLI (default .build/release/derive here or in ..)")
    parser.add_argument("--markdown", help="also write the markdown tables to this file")
    parser.add_argument("--keep-outputs", help="directory to keep each tool's last output image in")
    # worker mode (internal)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--job", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    env = dict(os.environ)
    env["VIPS_CONCURRENCY"] = "1"  # Derive calls vips_concurrency_set(1); every libvips tool gets the same
    notes: list[str] = []

    render_loop = find_render_loop(args.render_loop)
    if not render_loop:
        print("RenderLoop not found: run `swift build -c release --product RenderLoop` in Benchmarks/ first",
              file=sys.stderr)
        return 1
    derive = find_derive(args.derive)
    derive_ok = False
    if derive:
        code, _, _, out, err = run_child([derive, "render", "--help"], env)
        # An older derive without the subcommand prints the root help and still exits 0.
        derive_ok = code == 0 and "derive render" in out
        if code == 0 and not derive_ok:
            code, err = "0 but printed no `derive render` usage", ""
        if not derive_ok:
            notes.append(f"`derive render` skipped: `{derive} render --help` exited {code} "
                         f"(the command arrives with issue 4): {err.strip().splitlines()[-1] if err.strip() else ''}")
    else:
        notes.append("`derive render` skipped: no release derive binary found "
                     "(build it with `swift build -c release --product derive`, or pass --derive PATH)")
    vipsthumbnail = shutil.which("vipsthumbnail")
    if not vipsthumbnail:
        notes.append("vipsthumbnail skipped: not installed (apt-get install -y libvips-tools)")

    outdir = args.keep_outputs or tempfile.mkdtemp(prefix="derive-compare-")
    os.makedirs(outdir, exist_ok=True)

    # Which jobs Derive can do now (the chain needs effects the renderer may not have yet).
    jobs = []
    for name in args.jobs:
        job = JOBS[name]
        probe_out = os.path.join(outdir, f"{name}.probe.{job['ext']}")
        code, _, _, out, err = run_child(
            [render_loop, os.path.join(TEST_IMAGES, job["image"]), job["transformation"], job["ext"], "1", "1",
             probe_out], env)
        if code != 0:
            notes.append(f"job {name} ({job['transformation']}) skipped: Derive cannot render it yet: "
                         f"{err.strip()}")
            continue
        jobs.append(name)

    in_tools = ["derive", "pyvips", "pillow", "pyvips-dct"]
    if args.before:
        in_tools.insert(1, "derive-before")
    proc_tools = ((["vipsthumbnail"] if vipsthumbnail else []) + (["derive-render"] if derive_ok else [])
                  + ["renderloop-1x"])

    def in_process_cmd(tool, name, output):
        job = JOBS[name]
        if tool in ("derive", "derive-before"):
            loop = render_loop if tool == "derive" else args.before
            return [loop, os.path.join(TEST_IMAGES, job["image"]), job["transformation"], job["ext"],
                    str(args.iterations), str(args.warmup), output]
        return [sys.executable, os.path.abspath(__file__), "--worker", tool, "--job", name,
                "--iterations", str(args.iterations), "--warmup", str(args.warmup), "--output", output]

    def process_cmd(tool, name, output):
        job = JOBS[name]
        src = os.path.join(TEST_IMAGES, job["image"])
        if tool == "vipsthumbnail":
            return [vipsthumbnail, src, *job["vipsthumbnail"], "-o", output + job["vt_opts"]]
        if tool == "renderloop-1x":
            return [render_loop, src, job["transformation"], job["ext"], "0", "1", output]
        return [derive, "render", src, "-t", job["transformation"], "-o", output]

    def applicable(tool, name):
        job = JOBS[name]
        if tool == "pyvips-dct":
            return job["image"].endswith(".jpg")
        if tool == "vipsthumbnail":
            return job["vipsthumbnail"] is not None
        if tool in ("derive-render", "renderloop-1x"):
            return job["vipsthumbnail"] is not None  # only jobs that have a vipsthumbnail row to compare with
        return True

    ms: dict = {}   # (tool, job) -> [ms per op]
    rss: dict = {}  # (tool, job) -> [peak RSS KiB]
    base: dict = {}
    sizes: dict = {}
    outputs: dict = {}
    total_start = time.time()
    load_start = os.getloadavg()
    for rnd in range(args.rounds):
        for name in jobs:
            tools = [t for t in in_tools if applicable(t, name)]
            k = rnd % len(tools)
            for tool in tools[k:] + tools[:k]:
                output = os.path.join(outdir, f"{name}.{tool}.{JOBS[name]['ext']}")
                code, _, peak, out, err = run_child(in_process_cmd(tool, name, output), env)
                if code != 0:
                    raise SystemExit(f"{tool} on {name} failed ({code}): {err}")
                result = json.loads(out.strip().splitlines()[-1])
                ms.setdefault((tool, name), []).append(result["ms_per_op"])
                rss.setdefault((tool, name), []).append(peak)
                base.setdefault((tool, name), []).append(result.get("base_rss_kb", 0))
                sizes[(tool, name)] = result["bytes"]
                outputs[(tool, name)] = output
            ptools = [t for t in proc_tools if applicable(t, name)]
            for i in range(args.process_runs):
                order = ptools if (rnd + i) % 2 == 0 else list(reversed(ptools))
                for tool in order:
                    output = os.path.join(outdir, f"{name}.{tool}.{JOBS[name]['ext']}")
                    code, wall, peak, out, err = run_child(process_cmd(tool, name, output), env)
                    if code != 0:
                        raise SystemExit(f"{tool} on {name} failed ({code}): {err}")
                    ms.setdefault((tool, name), []).append(wall * 1000)
                    rss.setdefault((tool, name), []).append(peak)
                    outputs[(tool, name)] = output
                    sizes[(tool, name)] = os.path.getsize(output)
        print(f"round {rnd + 1}/{args.rounds} done ({time.time() - total_start:.0f} s)", file=sys.stderr)

    med = {key: statistics.median(v) for key, v in ms.items()}
    peak = {key: max(v) for key, v in rss.items()}
    basem = {key: statistics.median(v) for key, v in base.items()}

    now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    command = "python3 compare_render.py " + " ".join(sys.argv[1:])
    header = [f"Date: {now} (end of the run)", f"Command, in Benchmarks/: `{command.strip()}`",
              f"Rounds: {args.rounds}; in-process: {args.warmup} warm-up + {args.iterations} timed renders per "
              f"loop, median of the {args.rounds} loop means; whole-process: median of "
              f"{args.rounds * args.process_runs} runs per tool; VIPS_CONCURRENCY=1 everywhere",
              *machine_facts(),
              "load average (1/5/15 min) at start {:.2f}/{:.2f}/{:.2f}, at end {:.2f}/{:.2f}/{:.2f} "
              "(other work on the machine shows up here)".format(*load_start, *os.getloadavg())]

    # ---- human table
    lines = []
    for name in jobs:
        lines.append(f"\n{JOBS[name]['title']}")
        lines.append(f"  {'tool':<16}{'ms/render':>10}{'min-max':>15}{'peak RSS MB':>13}{'base RSS MB':>13}"
                     f"{'out bytes':>11}{'out size':>13}{'PSNR dB':>9}  mean|Δ| vs pyvips")
        ref = outputs.get(("pyvips", name))
        for tool in in_tools + proc_tools:
            key = (tool, name)
            if key not in med:
                continue
            diff = "—" if tool == "pyvips" or not ref else mean_abs_diff(outputs[key], ref)
            lines.append(f"  {tool:<16}{fmt_ms(med[key]):>10}{fmt_spread(ms[key]):>15}{fmt_mb(peak[key]):>13}"
                         f"{fmt_mb(basem.get(key)) if key in basem else '(process)':>13}"
                         f"{sizes.get(key, 0):>11}{image_dims(outputs[key]):>13}{psnr(name, outputs[key]):>9}  {diff}")
        d, p, pil = med.get(("derive", name)), med.get(("pyvips", name)), med.get(("pillow", name))
        lines.append(f"  ratios: Derive/pyvips {fmt_ratio(d, p)} (target <= 1.00x), "
                     f"Derive/Pillow {fmt_ratio(d, pil)} (target <= 1.10x), "
                     f"Derive/pyvips-dct {fmt_ratio(d, med.get(('pyvips-dct', name)))}, "
                     f"peak RSS Derive/pyvips {fmt_ratio(peak.get(('derive', name)), peak.get(('pyvips', name)))} "
                     f"(target <= 1.20x)"
                     + (f", Derive/derive-before {fmt_ratio(d, med.get(('derive-before', name)))}" if args.before else ""))
        if ("vipsthumbnail", name) in med:
            lines.append(f"  whole process: derive render/vipsthumbnail "
                         f"{fmt_ratio(med.get(('derive-render', name)), med.get(('vipsthumbnail', name)))} "
                         f"(target <= 1.00x), RenderLoop x1/vipsthumbnail "
                         f"{fmt_ratio(med.get(('renderloop-1x', name)), med.get(('vipsthumbnail', name)))}")
    print("\n".join(header))
    print("\n".join(lines))
    if notes:
        print("\nNotes:\n" + "\n".join(f"  - {n}" for n in notes))

    # ---- markdown
    md = [*(f"- {h}" for h in header), ""]
    md.append("In-process: ms per render, median of the rounds (min–max of the rounds); peak RSS of the loop "
              "process, largest of the rounds:")
    md.append("")
    before_head = "| Derive before | Derive/before " if args.before else ""
    md.append(f"| job | Derive {before_head}| pyvips | Pillow | pyvips-dct | Derive/pyvips (target ≤ 1.00x) "
              "| Derive/Pillow (≤ 1.10x) | Derive/pyvips-dct | peak RSS MB Derive / pyvips / Pillow "
              "| RSS Derive/pyvips (≤ 1.20x) |")
    md.append("|---|---:|" + ("---:|---:|" if args.before else "") + "---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in jobs:
        g = lambda t: med.get((t, name))  # noqa: E731
        r = lambda t: peak.get((t, name))  # noqa: E731
        c = lambda t: fmt_ms(g(t)) + fmt_spread(ms.get((t, name)))  # noqa: E731
        before = f"| {c('derive-before')} | {fmt_ratio(g('derive'), g('derive-before'))} " if args.before else ""
        md.append(
            f"| {JOBS[name]['title']} | {c('derive')} {before}| {c('pyvips')} | {c('pillow')} "
            f"| {c('pyvips-dct')} | {fmt_ratio(g('derive'), g('pyvips'))} "
            f"| {fmt_ratio(g('derive'), g('pillow'))} | {fmt_ratio(g('derive'), g('pyvips-dct'))} "
            f"| {fmt_mb(r('derive'))} / {fmt_mb(r('pyvips'))} / {fmt_mb(r('pillow'))} "
            f"| {fmt_ratio(r('derive'), r('pyvips'))} |")
    if proc_tools:
        md.append("")
        md.append("Whole process, one render per process: ms wall time, median of the runs (min–max); "
                  "peak RSS, largest of the runs:")
        md.append("")
        md.append("| job | vipsthumbnail | derive render | derive render/vipsthumbnail (target ≤ 1.00x) "
                  "| RenderLoop ×1 | RenderLoop ×1/vipsthumbnail "
                  "| peak RSS MB vipsthumbnail / derive render / RenderLoop ×1 |")
        md.append("|---|---:|---:|---:|---:|---:|---:|")
        for name in jobs:
            if ("vipsthumbnail", name) not in med and ("derive-render", name) not in med:
                continue
            g = lambda t: med.get((t, name))  # noqa: E731
            r = lambda t: peak.get((t, name))  # noqa: E731
            c = lambda t: fmt_ms(g(t)) + fmt_spread(ms.get((t, name)))  # noqa: E731
            md.append(
                f"| {JOBS[name]['title']} | {c('vipsthumbnail')} | {c('derive-render')} "
                f"| {fmt_ratio(g('derive-render'), g('vipsthumbnail'))} "
                f"| {c('renderloop-1x')} | {fmt_ratio(g('renderloop-1x'), g('vipsthumbnail'))} "
                f"| {fmt_mb(r('vipsthumbnail'))} / {fmt_mb(r('derive-render'))} / {fmt_mb(r('renderloop-1x'))} |")
    md.append("")
    md.append("| job | tool | output bytes | output size | PSNR dB vs full-resolution reference "
              "| mean abs. difference from pyvips (0-255) |")
    md.append("|---|---|---:|---|---:|---:|")
    for name in jobs:
        ref = outputs.get(("pyvips", name))
        for tool in in_tools + proc_tools:
            key = (tool, name)
            if key in outputs:
                diff = "—" if tool == "pyvips" or not ref else mean_abs_diff(outputs[key], ref)
                md.append(f"| {name} | {tool} | {sizes.get(key, 0)} | {image_dims(outputs[key])} "
                          f"| {psnr(name, outputs[key])} | {diff} |")
    if notes:
        md.append("")
        md.extend(f"- Note: {n}" for n in notes)
    text = "\n".join(md)
    print("\n--- markdown ---\n" + text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if not args.keep_outputs:
        shutil.rmtree(outdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
