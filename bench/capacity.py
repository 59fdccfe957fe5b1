"""Capacity model: ``uv run python bench/capacity.py [--tenants 10000] [--workers 1,2,4,8]``, or
``./dev bench:capacity``.

Two simulated days of a deployment, in one-second steps, from the figures the soak benchmark measures
(``bench/soak.py``; the defaults below are the README's, with their date and machine):

* every tenant has a library of ``--items-median`` items (log-normal, ``--items-sigma``), and its
  daily full pass is due at a stable slot spread over the day, started by the schedule's tick
  (every 10 minutes) into the background queue, as ``sync/schedule.py`` does;
* tenants click Refresh ``--refreshes`` times a day (a Refresh reads what changed: ``--refresh-share``
  of a full pass) and ``--signups`` of them connect a server for the first time (a full read), both at
  random moments: Poisson streams into the interactive queue (Refresh) and the first-sync queue;
* a run needs ``--solo-per-10k`` seconds of one uncontended run per 10,000 items; each worker process
  (with its share of the database and of the machine) gets through ``--throughput`` solo-seconds per
  second, shared equally by the runs it holds (the soak's first-sync round measures it: the sum of
  the solo run times over the makespan);
* each worker process runs ``--background`` daily runs and, in slots of their own, ``--interactive``
  Refresh runs and ``--first-syncs`` first syncs at once (``JANITOR_WORKER_MAX_JOBS``,
  ``JANITOR_WORKER_INTERACTIVE_MAX_JOBS``, ``JANITOR_WORKER_FIRST_SYNC_MAX_JOBS``).

For each worker count it prints the wait of interactive runs (Refresh and first syncs, queued to
started: p50, p99, max), the
wait of daily runs, the peak queue depths, how busy the workers were and how many daily runs were
still unfinished an hour after the second day. A worker count fits when no interactive run waited
more than 30 s, no daily run more than ``--daily-wait-limit`` (an hour), and nothing was left; the
smallest that fits is named. The model leaves out
what the soak measures directly (API load, memory), and real media servers, whose latency makes runs
wait on the network rather than the CPU: then more runs share a worker without slowing each other, and
the figures here are on the safe side.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections import deque
from dataclasses import dataclass, field

from janitor.core.config import Settings

DAY = 86_400
DAYS = 2
DRAIN = 3_600  # after the last day: an hour with nothing new
TICK = 600
INTERACTIVE_TARGET_S = 30.0


LANES = ("interactive", "first", "background")  # the order free slots are filled in (core/queue.py)


@dataclass
class Run:
    due: float  # queued at
    work: float  # solo-seconds still to do
    lane: str  # one of LANES
    started: float | None = None


@dataclass
class Worker:
    lanes: dict[str, list[Run]] = field(default_factory=lambda: {lane: [] for lane in LANES})

    def running(self) -> int:
        return sum(len(runs) for runs in self.lanes.values())


@dataclass
class Day:
    workers: int
    interactive_waits: list[float]
    daily_waits: list[float]
    peak_background_queue: int
    peak_interactive_queue: int
    busy: float  # share of the day the workers held at least one run, averaged
    daily_left: int  # daily runs not finished an hour after the last day
    daily_wait_limit: float

    @property
    def fits(self) -> bool:
        return (
            self.daily_left == 0
            and max(self.daily_waits, default=0.0) <= self.daily_wait_limit
            and max(self.interactive_waits, default=0.0) <= INTERACTIVE_TARGET_S
        )


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def library_sizes(args: argparse.Namespace, rnd: random.Random) -> list[float]:
    mu = math.log(args.items_median)
    return [min(args.items_max, rnd.lognormvariate(mu, args.items_sigma)) for _ in range(args.tenants)]


def simulate(args: argparse.Namespace, workers: int, seed: int = 7) -> Day:
    """Two days of the same daily slots (the second shows a backlog the first left), then up to an hour
    with nothing new: what is still unfinished then did not keep up."""
    rnd = random.Random(seed)
    sizes = library_sizes(args, rnd)
    work = [s / 10_000 * args.solo_per_10k for s in sizes]
    slots = [rnd.uniform(0, DAY) for _ in range(args.tenants)]
    arrivals: dict[int, list[Run]] = {}
    # daily runs: queued at the first tick at or after the slot
    for day in range(DAYS):
        for tenant, slot in enumerate(slots):
            tick = day * DAY + min(DAY - TICK, math.ceil(slot / TICK) * TICK)
            arrivals.setdefault(tick, []).append(Run(tick, work[tenant], "background"))
    # interactive runs: a Poisson stream of Refresh clicks (reading what changed: a share of a full
    # pass) and first syncs (everything)
    per_day = args.tenants * (args.refreshes + args.signups)
    first_share = args.signups / per_day if per_day else 0.0
    t = 0.0
    while per_day > 0:
        t += rnd.expovariate(per_day / DAY)
        if t >= DAYS * DAY:
            break
        first = rnd.random() < first_share
        share = 1.0 if first else args.refresh_share
        run = Run(int(t), share * work[rnd.randrange(args.tenants)], "first" if first else "interactive")
        arrivals.setdefault(int(t), []).append(run)

    pool = [Worker() for _ in range(workers)]
    queues: dict[str, deque[Run]] = {lane: deque() for lane in LANES}
    caps = {"interactive": args.interactive, "first": args.first_syncs, "background": args.background}
    interactive_waits: list[float] = []
    daily_waits: list[float] = []
    peak_bg = peak_ia = 0
    busy_seconds = 0
    for now in range(DAYS * DAY + DRAIN):
        for run in arrivals.get(now, ()):
            queues[run.lane].append(run)
        peak_bg = max(peak_bg, len(queues["background"]))
        peak_ia = max(peak_ia, len(queues["interactive"]) + len(queues["first"]))
        # free slots take the oldest queued run; the least loaded worker first
        for lane in LANES:
            queue, waits = queues[lane], daily_waits if lane == "background" else interactive_waits
            while queue:
                free = [w for w in pool if len(w.lanes[lane]) < caps[lane]]
                if not free:
                    break
                w = min(free, key=Worker.running)
                run = queue.popleft()
                run.started = now
                waits.append(now - run.due)
                w.lanes[lane].append(run)
        for w in pool:
            k = w.running()
            if not k:
                continue
            busy_seconds += now < DAYS * DAY
            rate = min(1.0, args.throughput / k)
            for runs in w.lanes.values():
                for run in runs:
                    run.work -= rate
                runs[:] = [r for r in runs if r.work > 0]
    left = len(queues["background"]) + sum(len(w.lanes["background"]) for w in pool)
    return Day(
        workers=workers,
        interactive_waits=interactive_waits,
        daily_waits=daily_waits,
        peak_background_queue=peak_bg,
        peak_interactive_queue=peak_ia,
        busy=busy_seconds / (DAYS * DAY * workers),
        daily_left=left,
        daily_wait_limit=args.daily_wait_limit,
    )


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench/capacity.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--tenants", type=int, default=10_000)
    p.add_argument("--workers", default="1,2,4,6,8,12,16", help="worker process counts to try")
    p.add_argument("--items-median", type=float, default=20_000, help="items in a tenant's libraries (median)")
    p.add_argument("--items-sigma", type=float, default=1.0, help="log-normal spread of library sizes")
    p.add_argument("--items-max", type=float, default=500_000)
    # Defaults: the soak benchmark on the 2-core machine (bench/README.md, "Soak").
    p.add_argument("--solo-per-10k", type=float, default=1.4, help="seconds of one uncontended run per 10k items")
    p.add_argument(
        "--throughput", type=float, default=0.93, help="solo-seconds a worker process gets through per second"
    )
    fields = Settings.model_fields
    p.add_argument(
        "--background",
        type=int,
        default=fields["worker_max_jobs"].default,
        help="background slots per worker (JANITOR_WORKER_MAX_JOBS; default: the product's)",
    )
    p.add_argument(
        "--interactive",
        type=int,
        default=fields["worker_interactive_max_jobs"].default,
        help="Refresh slots per worker (JANITOR_WORKER_INTERACTIVE_MAX_JOBS; default: the product's)",
    )
    p.add_argument(
        "--first-syncs",
        type=int,
        default=fields["worker_first_sync_max_jobs"].default,
        help="first-sync slots per worker (JANITOR_WORKER_FIRST_SYNC_MAX_JOBS; default: the product's)",
    )
    p.add_argument("--refreshes", type=float, default=2.0, help="Refresh clicks per tenant per day")
    p.add_argument("--signups", type=float, default=0.01, help="first syncs per tenant per day (new tenants)")
    p.add_argument(
        "--refresh-share",
        type=float,
        default=0.25,
        help="a Refresh's work against a full pass (it reads what changed; the sync benchmark's 1%% re-sync "
        "takes about a tenth of a cold sync: 0.25 is on the safe side)",
    )
    p.add_argument("--daily-wait-limit", type=float, default=3_600, help="longest a daily run may wait for a slot (s)")
    return p


def main() -> int:
    args = parser().parse_args()
    print(
        f"{args.tenants} tenants, libraries of {args.items_median:,.0f} items (median), "
        f"{args.solo_per_10k} s per 10k items alone, {args.throughput} solo-s/s per worker, "
        f"{args.background} background + {args.interactive} Refresh + {args.first_syncs} first-sync slots, "
        f"{args.refreshes} Refresh and {args.signups} first syncs per tenant per day\n"
    )
    print(
        "| workers | interactive wait p50 / p99 / max | daily wait p50 / max | queue peak bg / ia | busy | daily left |"
    )
    print("|---|---|---|---|---|---|")
    best = None
    for workers in (int(w) for w in args.workers.split(",")):
        day = simulate(args, workers)
        ia, dw = day.interactive_waits, day.daily_waits
        print(
            f"| {workers} | {pct(ia, 50):.0f} / {pct(ia, 99):.0f} / {max(ia, default=0):.0f} s "
            f"| {pct(dw, 50):.0f} / {max(dw, default=0):.0f} s "
            f"| {day.peak_background_queue} / {day.peak_interactive_queue} | {day.busy:.0%} | {day.daily_left} |"
        )
        if day.fits and best is None:
            best = workers
    print()
    if best is None:
        print("no worker count tried fits: try more (--workers)")
        return 1
    print(
        f"smallest fit: {best} worker process(es) (no interactive run waits over 30 s, no daily run over "
        f"{args.daily_wait_limit:.0f} s, and the daily runs keep up)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
