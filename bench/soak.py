#!/usr/bin/env python3
"""Mixed load for bench/soak.sh: several roles read and write through the API and the pages of
one or more salesdesk servers for a fixed time, keep-alive connections, round robin over the
servers. Reports requests, error responses, p50/p99, and RSS samples of the server processes.

  soak.py --duration 60 --workers 8 --pids 123,456 http://127.0.0.1:8081 http://127.0.0.1:8082

Prints one JSON object on the last line; exits 1 when a check fails (error responses, RSS
trend, p99 above --p99-ms). Standard library only.
"""
import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
import urllib.parse

PASSWORD = "salesdesk-demo"
WRITERS = ["north.am1", "north.am2", "north.rep", "east.am1", "south.am1", "north.telesales"]
READERS = ["vp", "director", "north.manager", "east.manager", "north.assistant"]
SEARCHES = ["北京", "科技", "软件有限", "华", "上海", "网络"]


class Client:
    """One keep-alive connection per server, used by one thread."""

    def __init__(self, bases):
        self.conns = []
        for b in bases:
            u = urllib.parse.urlsplit(b)
            self.conns.append((u.hostname, u.port))
        self.open = [None] * len(self.conns)
        self.turn = random.randrange(len(self.conns))

    def request(self, method, path, token, body=None, cookie=False):
        self.turn = (self.turn + 1) % len(self.conns)
        i = self.turn
        headers = {}
        if cookie:
            headers["Cookie"] = f"sd_session={token}"
        elif token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.open[i] is None:
                self.open[i] = http.client.HTTPConnection(*self.conns[i], timeout=30)
            try:
                t0 = time.perf_counter()
                self.open[i].request(method, path, body=data, headers=headers)
                r = self.open[i].getresponse()
                payload = r.read()
                return r.status, payload, time.perf_counter() - t0
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed while idle: reconnect once.
                self.open[i].close()
                self.open[i] = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def login(base, who):
    c = Client([base])
    s, p, _ = c.request("POST", "/api/v1/sessions", None, {"login": who, "password": PASSWORD})
    if s != 201:
        raise SystemExit(f"login of {who} failed: {s} {p[:200]!r}")
    return json.loads(p)["token"]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = []
        self.errors = 0
        self.examples = []
        self.by_kind = {}
        self.created = {}  # (login, thread) -> [customer ids]

    def add(self, kind, status, secs, ok, payload):
        with self.lock:
            self.latencies.append(secs)
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
            if not ok:
                self.errors += 1
                if len(self.examples) < 10:
                    self.examples.append(f"{kind}: {status} {payload[:200]!r}")


def worker(bases, tokens, stats, stop, think, seed):
    rnd = random.Random(seed)
    c = Client(bases)
    n = 0

    def call(kind, method, path, token, body=None, cookie=False, want=(200, 201, 204)):
        try:
            s, p, secs = c.request(method, path, token, body, cookie)
        except Exception as e:  # noqa: BLE001 - every failure counts as an error response
            stats.add(kind, 0, 0.0, False, str(e).encode())
            return None
        stats.add(kind, s, secs, s in want, p)
        return p if s in want else None

    while not stop.is_set():
        n += 1
        if rnd.random() < 0.35:
            who = rnd.choice(WRITERS)
            tok = tokens[who]
            # Each thread edits only what it created: two people editing one record in the
            # same second is not realistic load, and the second edit rightly gets 409 (stale).
            mine = stats.created.setdefault((who, seed), [])
            r = rnd.random()
            if r < 0.4 or not mine:
                p = call("create customer", "POST", "/api/v1/customers", tok,
                         # A phone of its own: a shared one makes every create after the
                         # first a likely duplicate (409 likely-duplicate), as it should.
                         {"name": f"压测{seed}号{n}科技有限公司",
                          "phone": f"021-{seed % 100:02d}{n % 10**6:06d}"})
                if p:
                    mine.append(json.loads(p)["id"])
            elif r < 0.6:
                cid = rnd.choice(mine)
                call("add record", "POST", f"/api/v1/customers/{cid}/records", tok,
                     {"kind": rnd.choice(["call", "visit", "email"]), "summary": "跟进需求，约下周演示"})
            elif r < 0.75:
                cid = rnd.choice(mine)
                call("add contact", "POST", f"/api/v1/customers/{cid}/contacts", tok,
                     {"name": "李" + rnd.choice("明华强伟芳静"), "mobile": f"139{rnd.randrange(10**8):08d}"})
            else:
                cid = rnd.choice(mine)
                call("edit customer", "PATCH", f"/api/v1/customers/{cid}", tok,
                     {"phone": f"010-6{rnd.randrange(10**7):07d}"})
        else:
            who = rnd.choice(READERS + WRITERS)
            tok = tokens[who]
            r = rnd.random()
            if r < 0.25:
                call("list", "GET", f"/api/v1/customers?page={rnd.randint(1, 3)}", tok)
            elif r < 0.45:
                q = urllib.parse.quote(rnd.choice(SEARCHES))
                call("search", "GET", f"/api/v1/customers?q={q}", tok)
            elif r < 0.6:
                owners = [(o, ids) for o, ids in list(stats.created.items()) if ids]
                if owners:
                    (o, _), ids = rnd.choice(owners)
                    cid = rnd.choice(ids)
                    # The VP sees every customer; the owner sees their own.
                    viewer = tokens["vp"] if rnd.random() < 0.5 else tokens[o]
                    call("customer page", "GET", f"/customers/{cid}", viewer, cookie=True)
            elif r < 0.72:
                call("customer list page", "GET", "/customers", tok, cookie=True)
            elif r < 0.82:
                call("people page", "GET", "/people", tok, cookie=True)
            elif r < 0.9:
                call("follow-ups", "GET", "/api/v1/followups", tok)
            else:
                call("me", "GET", "/api/v1/me", tok)
        if think:
            time.sleep(rnd.uniform(0, think * 2))


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bases", nargs="+")
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--think-ms", type=float, default=5)
    ap.add_argument("--pids", default="")
    ap.add_argument("--samples", type=int, default=30)
    ap.add_argument("--p99-ms", type=float, default=0,
                    help="fail when the p99 latency of all requests is above this (0: no check)")
    ap.add_argument("--rss-slack", type=float, default=0.10,
                    help="allowed growth of the last third's mean RSS over the first third's")
    ap.add_argument("--rss-slack-mb", type=float, default=24,
                    help="growth always allowed: bounded caches still filling (SQLite keeps up "
                         "to 2 MiB of pages per connection, nine connections: 18 MiB, plus the "
                         "read cache)")
    ap.add_argument("--warmup", type=float, default=0.2,
                    help="share of the RSS samples at the start left out (start-up, first pages)")
    ap.add_argument("--warmup-secs", type=float, default=30,
                    help="seconds at the start always left out (at most half the run): the caches "
                         "fill in the first half-minute whatever the run's length (a 60 s run grew "
                         "131 -> 148 MB, a 150 s run 142 -> 148 MB: a plateau, not a slope)")
    a = ap.parse_args()

    tokens = {who: login(a.bases[0], who) for who in set(WRITERS + READERS)}
    stats = Stats()
    stop = threading.Event()
    threads = [threading.Thread(target=worker, daemon=True,
                                args=(a.bases, tokens, stats, stop, a.think_ms / 1000, i))
               for i in range(a.workers)]
    t0 = time.time()
    for t in threads:
        t.start()
    pids = [int(p) for p in a.pids.split(",") if p]
    samples = {p: [] for p in pids}
    every = a.duration / a.samples
    while time.time() - t0 < a.duration:
        time.sleep(min(every, max(0.0, a.duration - (time.time() - t0))))
        for p in pids:
            v = rss_kb(p)
            if v is not None:
                samples[p].append(v)
    stop.set()
    for t in threads:
        t.join(timeout=35)
    took = time.time() - t0

    lat = sorted(stats.latencies)
    q = (lambda f: lat[min(len(lat) - 1, int(f * len(lat)))] * 1000) if lat else (lambda f: 0.0)
    trend = {}
    failed = []
    for p, s in samples.items():
        skip = max(a.warmup, min(0.5, a.warmup_secs / max(a.duration, 1)))
        s = s[int(len(s) * skip):]
        third = max(1, len(s) // 3)
        first, last = statistics.mean(s[:third]), statistics.mean(s[-third:])
        trend[str(p)] = {"first_third_kb": round(first), "last_third_kb": round(last),
                         "max_kb": max(s), "samples": len(s)}
        if last > first * (1 + a.rss_slack) and last - first > a.rss_slack_mb * 1024:
            failed.append(f"RSS of {p} grew from {first:.0f} kB to {last:.0f} kB")
    if a.p99_ms and lat and q(0.99) > a.p99_ms:
        failed.append(f"p99 {q(0.99):.1f} ms is above the target of {a.p99_ms:.0f} ms")
    if stats.errors:
        failed.append(f"{stats.errors} error responses, e.g. {stats.examples[:3]}")
    out = {
        "servers": len(a.bases), "workers": a.workers, "seconds": round(took, 1),
        "requests": len(lat), "rps": round(len(lat) / took, 1), "errors": stats.errors,
        "p50_ms": round(q(0.50), 1), "p99_ms": round(q(0.99), 1), "max_ms": round(q(1.0), 1),
        "by_kind": stats.by_kind, "rss": trend, "failed": failed,
    }
    for e in stats.examples:
        print("error:", e, file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
