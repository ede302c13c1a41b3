# Runs as a uWSGI mule (a process of the instance, so uwsgi.spool() works). Modes, from BENCH_MODE:
#   submit:  spool BENCH_N jobs as fast as possible, write "<n> <seconds>" to BENCH_OUT.
#   latency: spool BENCH_N jobs one at a time, 20-70 ms apart, each carrying t0 (micros just before
#            the call); the spooler's task stamps its start. Writes "done" to BENCH_OUT at the end.
import os
import random
import time

import uwsgi

mode = os.environ.get("BENCH_MODE", "submit")
n = int(os.environ.get("BENCH_N", "1000"))
out = os.environ["BENCH_OUT"]
deadline = time.monotonic() + float(os.environ.get("BENCH_DEADLINE", "120"))

if mode == "submit":
    t0 = time.perf_counter()
    done = 0
    for i in range(n):
        if uwsgi.spool({b"task": b"noop", b"n": str(i).encode()}) is None:
            break
        done += 1
        if (i & 1023) == 0 and time.monotonic() > deadline:
            break
    elapsed = time.perf_counter() - t0
    result = "%d %.6f\n" % (done, elapsed)
else:
    time.sleep(1.0)  # let the spoolers start and go idle
    for i in range(n):
        if time.monotonic() > deadline:
            break
        time.sleep(random.uniform(0.02, 0.07))
        t0 = time.time_ns() // 1000
        uwsgi.spool({b"task": b"noop", b"n": str(i).encode(), b"t0": str(t0).encode()})
    time.sleep(0.5)
    result = "done\n"

with open(out + ".tmp", "w") as f:
    f.write(result)
os.rename(out + ".tmp", out)
while True:
    time.sleep(1)
