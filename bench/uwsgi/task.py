# The uWSGI side of the benchmark: a no-op spooler function. Loaded into the spooler processes with
# --spooler-python-import. With BENCH_STAMP set it appends "<n> <t0> <start-micros>" per task, the
# start read first thing, for the start-latency rows (t0 is "-" unless the producer put one in).
import os
import time

import uwsgi

STAMP = os.environ.get("BENCH_STAMP")


def noop(env):
    if STAMP:
        start = time.time_ns() // 1000
        n = env.get(b"n", b"-").decode()
        t0 = env.get(b"t0", b"-").decode()
        with open(STAMP, "a") as f:
            f.write("%s %s %d\n" % (n, t0, start))
    return uwsgi.SPOOL_OK


uwsgi.spooler = noop
