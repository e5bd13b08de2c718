"""What an unused variable costs a miss, by where it stands: the same miss job with a variable component
at the end (`c_fill,w_300,h_200/$u_<i>`, as the delivery benchmark makes every request a new
derivative), in front of the first component's parameters (`$v_<i>,c_fill,...`) and as a component of
its own in front (`$w_<i>/c_fill,...`), on one server, the three forms alternating miss by miss.
Prints each form's median time per miss and checks that all three give the same bytes.

    python3 Benchmarks/variable_cost.py PATH/TO/release/derive [N] [jpg|png]

A variable that changes no pixels should cost nothing wherever it stands: the planner runs it from the
header. Needs only Python 3.
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_delivery import RawConnection  # noqa: E402  (the delivery benchmark's client)
from derive_server import JOBS, DeriveServer  # noqa: E402

DERIVE = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 40
EXT = sys.argv[3] if len(sys.argv) > 3 else "jpg"
image, public_id, transformation = JOBS[EXT]
FORMS = {
    "at the end": lambda i: f"{transformation}/$u_{i}",
    "in the first component": lambda i: f"$v_{i},{transformation}",
    "a component in front": lambda i: f"$w_{i}/{transformation}",
}

with DeriveServer(DERIVE, image, public_id) as server:
    connection = RawConnection(server.port)
    times: dict = {form: [] for form in FORMS}
    outputs = set()
    for i in range(N + 3):  # the first three are warm-up
        for form, path in FORMS.items():
            started = time.perf_counter()
            status, cache, body = connection.get(f"/demo/image/upload/{path(i)}/{public_id}.{EXT}")
            took = time.perf_counter() - started
            if status != 200 or cache != "miss":
                raise SystemExit(f"{form}: {status} X-Derive-Cache={cache} {body[:200]!r}")
            outputs.add(body)
            if i >= 3:
                times[form].append(took)
    print(f"{os.path.basename(DERIVE)} {EXT} ({transformation}), {N} misses per form:")
    for form, measured in times.items():
        print(f"  variable {form}: median {1000 * statistics.median(measured):.2f} ms")
    print(f"  same bytes from all three: {len(outputs) == 1}")
