"""push: one announcement to many phones' lock screens, sent one at a time vs in parallel.

One bar (SQLite), N guests each with a push subscription (one phone each), and a push
service of our own on loopback (`tests.pushservice`: HTTPS, it checks each VAPID JWT
and decrypts each payload) that takes a fixed `DELAY` to answer every push, as a real
push service across the internet does. The host announces; the web server's `Pusher`
claims the event and sends N pushes. Same run, same bar, alternating: the sender with
one push in flight (as before `bar.push.SEND_CONCURRENCY`) and the sender as shipped.

Figures: the wall time from the claim to the last answer, pushes/s, and the most pushes
the push service saw in flight at once. Aim: the parallel sender ≥ 4× the sequential
one (its bound is 12; the rest is CPU: encrypting each payload and a TLS handshake per
push, which the push service, in this same process, pays too).

Anything not delivered (a push missing, a payload the service could not decrypt, a
status other than 201) fails the run.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.common import Aim, Bar, Result

DELAY_S = 0.05
PHONES, QUICK_PHONES = 500, 60
ROUNDS = 2  # each: sequential, then parallel
AIM_SPEEDUP = 4.0


def run(quick: bool = False) -> Result:
    from bar import events, notifications, push, registration
    from bar.clock import utcnow
    from bar.db import write
    from tests.certs import issue
    from tests.pushservice import start

    phones = QUICK_PHONES if quick else PHONES
    result = Result("push", f"push: an announcement to {phones} phones, "
                    f"{DELAY_S * 1000:.0f} ms per push",
                    ["sender", "in flight", "time", "pushes/s", "delivered"])
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bar-bench-certs-") as certs_dir, Bar("push") as bar:
        certs = issue(Path(certs_dir))
        ca_before = os.environ.get("REQUESTS_CA_BUNDLE")
        os.environ["REQUESTS_CA_BUNDLE"] = str(certs.ca)  # pywebpush's requests trusts it
        service = start(certs.cert, certs.key)
        try:
            code = bar.invite_code(phones)
            with write():  # one transaction: the setup is not what is measured
                for i in range(phones):
                    reg = registration.register(bar.settings, bar.keys, code=code,
                                                username=f"Guest {i:04d}", now=utcnow())
                    browser = service.browser(f"phone-{i:04d}")
                    push.subscribe(reg.guest.user_key, reg.refresh_token, browser.subscription(),
                                   now=utcnow())
            service.delay = DELAY_S
            senders = {"sequential": 1, "parallel": push.SEND_CONCURRENCY}
            times: dict[str, list[float]] = {name: [] for name in senders}
            for round_no in range(ROUNDS):
                for name, concurrency in senders.items():
                    pusher = push.Pusher(bar.settings, clock=utcnow, concurrency=concurrency)
                    after = events.last_event_id()
                    notifications.announce(f"Round {round_no + 1}: {name}", now=utcnow())
                    batch = events.read_since(after)
                    service.received.clear()
                    service.most_in_flight = 0
                    began = time.perf_counter()
                    sent = pusher.push(batch)
                    took = time.perf_counter() - began
                    times[name].append(took)
                    delivered = sum(1 for _, status in sent if status == 201)
                    result.rows.append([f"{name} (round {round_no + 1})", str(service.most_in_flight),
                                        f"{took:.2f} s", f"{phones / took:.0f}",
                                        f"{delivered}/{phones}"])
                    if delivered != phones or len(service.received) != phones:
                        result.failures.append(
                            f"{name}, round {round_no + 1}: {delivered} pushes answered 201, "
                            f"{len(service.received)} taken, of {phones}")
                    if service.errors:
                        result.failures.append(f"push service: {service.errors[:3]}")
                        service.errors.clear()
        finally:
            service.close()
            if ca_before is None:
                os.environ.pop("REQUESTS_CA_BUNDLE", None)
            else:
                os.environ["REQUESTS_CA_BUNDLE"] = ca_before
    best = {name: min(values) for name, values in times.items()}
    speedup = best["sequential"] / best["parallel"]
    result.aims.append(Aim("parallel ÷ sequential speed (best of each)", f"{speedup:.1f}×",
                           f"≥ {AIM_SPEEDUP:.0f}×", speedup >= AIM_SPEEDUP))
    per_push = best["parallel"] / phones
    result.notes.append(
        f"1,000 phones at this delay: ≈ {per_push * 1000:.1f} s in parallel, "
        f"≈ {best['sequential'] / phones * 1000:.0f} s one at a time")
    result.notes.append("the push service runs in this process: its TLS handshakes (one "
                        "accept thread) and decryption share the CPU with the sender")
    result.seconds = time.monotonic() - started
    return result
