"""assistant: the bartender's plain-word drafts, against /healthz on the same server.

One guest asks `POST /api/assistant` with the evaluation set's phrases (five
languages, tests/bar/phrases), one request after another on a keep-alive connection,
in rounds alternating with the same number of `GET /healthz`: the figures are each
endpoint's latency (p50, p99) and the server's CPU per request, measured in the same
run so a busy machine hits both. The parser alone is timed in this process too, on the
same phrases (issue 19's aim: under 20 ms p99 on the sample menu).
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.common import Aim, Bar, Result, ms, percentile, proc_cpu

PHRASES = Path(__file__).resolve().parent.parent / "tests" / "bar" / "phrases"
AIM_PARSER_P99_S = 0.020


def phrases() -> list[str]:
    texts = []
    for path in sorted(PHRASES.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                text = line.split(" => ")[0]
                texts.append(text.split(" | ", 1)[1] if path.stem == "heldout" else text)
    return texts


def parser_times(texts: list[str], repeats: int) -> list[float]:
    from bar.assistant.index import menu_index
    from bar.assistant.parser import parse
    from bar.config import load_settings
    from bench.common import CONFIG

    menu = load_settings(CONFIG, environ={}).menu
    index = menu_index(menu)
    stock = {d.id for d in menu}
    times = []
    for _ in range(repeats):
        for text in texts:
            started = time.perf_counter()
            parse(text, index, stock)
            times.append(time.perf_counter() - started)
    return times


def run(quick: bool = False) -> Result:
    import requests

    rounds = 2 if quick else 6
    per_round = 40 if quick else 200
    started = time.monotonic()
    texts = phrases()
    result = Result(
        "assistant", f"assistant — one guest, {len(texts)} phrases in five languages, keep-alive",
        ["endpoint", "requests", "p50", "p99", "server CPU/req", "non-2xx"],
    )
    with Bar("assistant", BAR_ASSISTANT_PER_MINUTE="0") as bar:
        server = bar.start_server()
        guest = bar.guests_over_http(1)[0]
        worker = server.worker_pid()
        assert worker is not None
        latencies: dict[str, list[float]] = {"healthz": [], "assistant": []}
        cpu = {"healthz": 0.0, "assistant": 0.0}
        failures = {"healthz": 0, "assistant": 0}
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {guest['token']}"

            def healthz(i: int) -> requests.Response:
                return http.get(f"{bar.base}/healthz", timeout=30)

            def assistant(i: int) -> requests.Response:
                return http.post(f"{bar.base}/api/assistant", json={"text": texts[i % len(texts)]},
                                 timeout=30)

            calls = {"healthz": healthz, "assistant": assistant}
            for warm in range(20):  # not counted
                healthz(warm)
                assistant(warm)
            for r in range(rounds):
                order = ["healthz", "assistant"] if r % 2 == 0 else ["assistant", "healthz"]
                for kind in order:
                    before = proc_cpu(worker)
                    for i in range(per_round):
                        t0 = time.perf_counter()
                        response = calls[kind](r * per_round + i)
                        latencies[kind].append(time.perf_counter() - t0)
                        failures[kind] += response.status_code != 200
                    cpu[kind] += proc_cpu(worker) - before
        trouble = server.trouble()
    for kind in ("healthz", "assistant"):
        values = latencies[kind]
        label = "GET /healthz" if kind == "healthz" else "POST /api/assistant"
        result.rows.append([label, str(len(values)), ms(percentile(values, 50)), ms(percentile(values, 99)),
                            ms(cpu[kind] / len(values)), str(failures[kind])])
    parsed = parser_times(texts, 3 if quick else 20)
    result.rows.append(["parser in process", str(len(parsed)), ms(percentile(parsed, 50)),
                        ms(percentile(parsed, 99)), "—", "—"])
    p99 = percentile(parsed, 99)
    result.aims.append(Aim("parser p99 on the sample menu", ms(p99), "< 20 ms", p99 < AIM_PARSER_P99_S))
    result.notes.append("each request waits for the one before (one guest): latency is service time "
                        "plus the loopback round trip; the model path is not measured (no model)")
    if any(failures.values()):
        result.failures.append(f"non-200 answers: {failures}")
    if trouble:
        result.failures.append(f"server log: {trouble[:3]}")
    result.seconds = time.monotonic() - started
    return result
