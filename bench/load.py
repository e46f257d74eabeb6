"""The load process of `make bench`: virtual users over HTTP (httpx + asyncio), in a process of its own.

    .venv/bin/python bench/load.py < specs.jsonl > results.jsonl

A spec (one JSON line on stdin, one result line on stdout for each): {"base": "http://127.0.0.1:PORT", "duration": seconds, "concurrency": N,
"readers": [{"cookie": "name=value", "steps": [url, …]}, …], "writers": [{"cookie": …, "csrf": token,
"pairs": [[add_url, remove_url, group_id], …]}, …], "headers": {…}}.
Reader i (of `concurrency`) plays readers[i % len(readers)] and walks its steps in a loop; a writer adds a person
to a group then removes him, again and again. Every request is timed; redirects are not followed (a consultation
answers 302 to its first tab). The result (JSON on stdout): per kind of request the count, statuses, bytes and
latencies, and the elapsed time.
"""
import asyncio
import json
import sys
import time
from collections import defaultdict

import httpx


async def run(spec: dict) -> dict:
    base_headers = spec.get("headers", {})
    readers, writers = spec.get("readers", []), spec.get("writers", [])
    concurrency = spec["concurrency"]
    limits = httpx.Limits(max_connections=concurrency + len(writers) + 2,
                          max_keepalive_connections=concurrency + len(writers) + 2)
    records: dict[str, list] = defaultdict(list)  # kind -> [(seconds, status, bytes)]
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(base_url=spec["base"], limits=limits, timeout=60.0, follow_redirects=False) as client:
        deadline = loop.time() + spec["duration"]

        async def get(kind: str, url: str, headers: dict) -> None:
            started = time.perf_counter()
            response = await client.get(url, headers=headers)
            body = response.content
            records[kind].append((time.perf_counter() - started, response.status_code, len(body)))

        async def reader(i: int) -> None:
            me = readers[i % len(readers)]
            headers = {**base_headers, "Cookie": me["cookie"]} if me.get("cookie") else base_headers
            step = (i * 7) % len(me["steps"])
            while loop.time() < deadline:
                url = me["steps"][step % len(me["steps"])]
                kind = me.get("kind") or ("consultation" if url.count("/") == 4 else "tab")
                await get(kind, url, headers)
                step += 1

        async def writer(w: dict) -> None:
            headers = {**base_headers, "Cookie": w["cookie"], "Origin": spec["origin"],
                       "Referer": spec["origin"] + "/"}
            k = 0
            while loop.time() < deadline:
                add_url, remove_url, group_id = w["pairs"][k % len(w["pairs"])]
                for kind, url, data in (("habilitation change", add_url, {"group": group_id}),
                                        ("habilitation change", remove_url, {})):
                    started = time.perf_counter()
                    response = await client.post(url, headers=headers,
                                                 data={"csrfmiddlewaretoken": w["csrf"], **data})
                    records[kind].append((time.perf_counter() - started, response.status_code, len(response.content)))
                k += 1

        started = time.perf_counter()
        await asyncio.gather(*(reader(i) for i in range(concurrency)), *(writer(w) for w in writers))
        elapsed = time.perf_counter() - started
    out = {"elapsed": elapsed, "kinds": {}}
    for kind, rows in records.items():
        statuses: dict[str, int] = defaultdict(int)
        for _, status, _ in rows:
            statuses[str(status)] += 1
        out["kinds"][kind] = {"count": len(rows), "statuses": statuses,
                              "latencies_ms": [round(s * 1000, 2) for s, _, _ in rows],
                              "bytes": [b for _, _, b in rows]}
    return out


def main() -> int:
    """One spec per line on stdin, one result per line on stdout (the harness keeps this process for every phase)."""
    for line in sys.stdin:
        if line.strip():
            sys.stdout.write(json.dumps(asyncio.run(run(json.loads(line)))) + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
