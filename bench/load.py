"""The load process of `make bench`: virtual users over HTTP/1.1 (asyncio streams), in a process of its own.

    .venv/bin/python bench/load.py < specs.jsonl > results.jsonl

A spec (one JSON line on stdin, one result line on stdout for each): {"base": "http://127.0.0.1:PORT", "duration": seconds, "concurrency": N,
"readers": [{"cookie": "name=value", "steps": [url, …]}, …], "writers": [{"cookie": …, "csrf": token,
"pairs": [[add_url, remove_url, group_id], …]}, …], "headers": {…}}.
Reader i (of `concurrency`) plays readers[i % len(readers)] and walks its steps in a loop; a writer adds a person
to a group then removes him, again and again. Every request is timed; redirects are not followed (a consultation
answers 302 to its first tab). The result (JSON on stdout): per kind of request the count, statuses, bytes and
latencies, the elapsed time, and how many GETs were sent again because the server had closed their connection.

Each virtual user keeps one keep-alive connection, as a browser does. The client is a few lines over asyncio's
streams rather than an HTTP library: on this 2-core machine the load process shares the CPU with the server, and
httpx cost 4 to 7 ms of CPU per request, as much as the page it asked for (`bench/README.md`).
"""
import asyncio
import json
import sys
import time
from collections import defaultdict
from urllib.parse import urlencode, urlsplit


class Closed(Exception):
    """The server closed the connection before its answer began."""


class Connection:
    """One HTTP/1.1 keep-alive connection: a request out, its whole answer in (Content-Length or chunked)."""

    def __init__(self, host: str, port: int, headers: dict):
        self.host, self.port = host, port
        self.fixed = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{host}:{port}", **headers}.items())
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, int]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\n{self.fixed}" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        if body:
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode("latin-1") + b"\r\n" + body)
        try:
            status_line = await self.reader.readline()
        except ConnectionError:
            status_line = b""
        if not status_line:
            self.close()
            raise Closed
        status = int(status_line.split(b" ", 2)[1])
        length, chunked, close = None, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
        size = 0
        if chunked:
            while (n := int((await self.reader.readline()).split(b";")[0], 16)):
                size += len(await self.reader.readexactly(n + 2)) - 2
            while await self.reader.readline() not in (b"\r\n", b""):  # trailers
                pass
        elif length is not None:
            size = len(await self.reader.readexactly(length))
        if close:
            self.close()
        return status, size

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def run(spec: dict) -> dict:
    base = urlsplit(spec["base"])
    base_headers = spec.get("headers", {})
    readers, writers = spec.get("readers", []), spec.get("writers", [])
    concurrency = spec["concurrency"]
    records: dict[str, list] = defaultdict(list)  # kind -> [(seconds, status, bytes)]
    retried = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + spec["duration"]
    connections: list[Connection] = []

    def connection() -> Connection:
        connections.append(Connection(base.hostname, base.port, base_headers))
        return connections[-1]

    async def reader(i: int) -> None:
        nonlocal retried
        me = readers[i % len(readers)]
        headers = {"Cookie": me["cookie"]} if me.get("cookie") else {}
        conn = connection()
        step = (i * 7) % len(me["steps"])
        while loop.time() < deadline:
            url = me["steps"][step % len(me["steps"])]
            kind = me.get("kind") or ("consultation" if url.count("/") == 4 else "tab")
            started = time.perf_counter()
            try:
                status, size = await conn.request("GET", url, headers)
            except Closed:
                # The server closed the kept-alive connection: a browser sends the GET again, once.
                retried += 1
                status, size = await conn.request("GET", url, headers)
            records[kind].append((time.perf_counter() - started, status, size))
            step += 1

    async def writer(w: dict) -> None:
        headers = {"Cookie": w["cookie"], "Origin": spec["origin"], "Referer": spec["origin"] + "/"}
        conn = connection()
        k = 0
        while loop.time() < deadline:
            add_url, remove_url, group_id = w["pairs"][k % len(w["pairs"])]
            for url, data in ((add_url, {"group": group_id}), (remove_url, {})):
                body = urlencode({"csrfmiddlewaretoken": w["csrf"], **data}).encode()
                started = time.perf_counter()
                status, size = await conn.request("POST", url, headers, body)
                records["habilitation change"].append((time.perf_counter() - started, status, size))
            k += 1

    started = time.perf_counter()
    try:
        await asyncio.gather(*(reader(i) for i in range(concurrency)), *(writer(w) for w in writers))
    finally:
        for conn in connections:
            conn.close()
    elapsed = time.perf_counter() - started
    out = {"elapsed": elapsed, "kinds": {}, "retried": retried}
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
