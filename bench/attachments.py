#!/usr/bin/env python3
"""Documents in constant memory: the server's RSS while ten 25 MB uploads, then ten
downloads of them, run at once.

Starts `concord serve` (the release binary by default) on a fresh SQLite database with
the report's seed and a store of its own (a temporary folder, or `--store s3://…`),
signs in as a secretariat account made for the run, then:
  1. ten two-step uploads at once (`attachmentUploadBegin`, then `PUT /uploads/{id}`
     streamed from a generator: the client never holds a document either);
  2. ten GraphQL multipart uploads at once (`attachmentUpload`);
  3. one contribution with the ten documents of step 1 attached;
  4. ten downloads at once of `/attachments/{id}`, each read and dropped as it comes,
     its SHA-256 checked.
The server's VmRSS is sampled every 10 ms from /proc; the figures printed are the RSS
before, the peak during each phase, the bytes moved and the rate.

Usage:
    cargo build --release
    python3 bench/attachments.py [--binary target/release/concord] [--size 25000000]
        [--parallel 10] [--store s3://bucket/prefix?endpoint=…]
Only the standard library is needed.
"""
import argparse
import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import datetime

PASSWORD = "a long enough password for the bench"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler:
    """The peak VmRSS of `pid` while it runs."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        self.thread.join()


def chunks(size, seed):
    """`size` bytes of plain text, 64 KiB at a time, the same for the same seed."""
    line = f"Document {seed}: enhanced cooperation on Internet public policy.\n".encode()
    block = (line * (65536 // len(line) + 1))[:65536]
    sent = 0
    while sent < size:
        part = block[: min(len(block), size - sent)]
        sent += len(part)
        yield part


def digest(size, seed):
    h = hashlib.sha256()
    for part in chunks(size, seed):
        h.update(part)
    return h.hexdigest()


class Api:
    def __init__(self, port):
        self.port, self.token = port, None

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def graphql(self, query, variables=None):
        c = self.conn()
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        c.request("POST", "/graphql", json.dumps({"query": query, "variables": variables or {}}), headers)
        body = json.loads(c.getresponse().read())
        if body.get("errors"):
            raise RuntimeError(body)
        return body["data"]


def two_step(api, size, seed, out):
    begun = api.graphql(
        "mutation($i: AttachmentUploadBeginInput!) { attachmentUploadBegin(input: $i) { upload { id uploadUrl } userErrors { message } } }",
        {"i": {"name": f"document-{seed}.txt", "size": size}},
    )["attachmentUploadBegin"]["upload"]
    c = api.conn()
    c.putrequest("PUT", begun["uploadUrl"])
    c.putheader("authorization", f"Bearer {api.token}")
    c.putheader("content-length", str(size))
    c.endheaders()
    for part in chunks(size, seed):
        c.send(part)
    done = json.loads(c.getresponse().read())
    assert done["sha256"] == digest(size, seed), done
    out[seed] = begun["id"]


def multipart(api, size, seed, out):
    boundary = "----concord-bench-boundary"
    operations = json.dumps({
        "query": "mutation($f: Upload!) { attachmentUpload(file: $f) { upload { id sha256 } userErrors { message } } }",
        "variables": {"f": None},
    })
    head = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{operations}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\": [\"variables.f\"]}}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"m-{seed}.txt\"\r\n"
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    c = api.conn()
    c.putrequest("POST", "/graphql")
    c.putheader("authorization", f"Bearer {api.token}")
    c.putheader("content-type", f"multipart/form-data; boundary={boundary}")
    c.putheader("content-length", str(len(head) + size + len(tail)))
    c.endheaders()
    c.send(head)
    for part in chunks(size, seed):
        c.send(part)
    c.send(tail)
    body = json.loads(c.getresponse().read())
    upload = body["data"]["attachmentUpload"]["upload"]
    assert upload and upload["sha256"] == digest(size, seed), body
    out[seed] = upload["id"]


def download(api, url, expected, out, key):
    c = api.conn()
    c.request("GET", url, headers={"authorization": f"Bearer {api.token}"})
    r = c.getresponse()
    h, n = hashlib.sha256(), 0
    while True:
        part = r.read(65536)
        if not part:
            break
        h.update(part)
        n += len(part)
    assert r.status == 200 and h.hexdigest() == expected, (r.status, n)
    out[key] = n


def phase(name, pid, jobs):
    failed = []

    def guarded(job):
        try:
            job()
        except Exception as e:  # a failed job fails the run, not just its thread
            failed.append(e)

    threads = [threading.Thread(target=guarded, args=(j,)) for j in jobs]
    start = time.perf_counter()
    with Sampler(pid) as s:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if failed:
        raise SystemExit(f"{name}: {len(failed)} failed: {failed[0]}")
    return name, time.perf_counter() - start, s.peak


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default="target/release/concord")
    p.add_argument("--size", type=int, default=25_000_000)
    p.add_argument("--parallel", type=int, default=10)
    p.add_argument("--store", default=None)
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="concord-bench-attachments-")
    env = dict(os.environ)
    env["DATABASE_URL"] = f"sqlite://{work}/concord.db?mode=rwc"
    env["CONCORD_ATTACHMENT_STORE"] = a.store or f"file://{work}/blobs"
    env["CONCORD_RATE_LIMITS"] = "off"
    # Twenty documents are kept: more than the default quota allows for large ones.
    env.setdefault("CONCORD_ATTACHMENT_QUOTA_BYTES", str(100 * 10**9))
    env["CONCORD_JWT_SECRET"] = "bench-secret-bench-secret-bench-secret-0123"
    env["RUST_LOG"] = "warn"
    subprocess.run([a.binary, "seed", "report-2010"], env=env, check=True, capture_output=True)
    subprocess.run(
        [a.binary, "account", "create", "--email", "bench@un.example", "--role", "SECRETARIAT", "--password-stdin"],
        env=env, input=PASSWORD.encode(), check=True, capture_output=True,
    )
    port = free_port()
    server = subprocess.Popen([a.binary, "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api = Api(port)
        for _ in range(300):
            try:
                api.graphql("{ __typename }")
                break
            except OSError:
                time.sleep(0.1)
        api.token = api.graphql(
            "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
            {"i": {"email": "bench@un.example", "password": PASSWORD}},
        )["login"]["accessToken"]
        now = datetime.datetime.now(datetime.timezone.utc)
        c = api.graphql(
            "mutation($i: ConsultationCreateInput!) { consultationCreate(input: $i) { consultation { id version } } }",
            {"i": {"slug": "bench-documents", "title": "Bench", "mandate": "Bench",
                   "guidingQuestions": ["?"],
                   "opensAt": (now - datetime.timedelta(hours=1)).isoformat(),
                   "closesAt": (now + datetime.timedelta(days=1)).isoformat()}},
        )["consultationCreate"]["consultation"]
        api.graphql("mutation($id: ID!, $v: Int!) { consultationOpen(input: { id: $id, version: $v }) { consultation { status } } }",
                    {"id": c["id"], "v": c["version"]})
        stakeholder = api.graphql("{ stakeholders(first: 1) { nodes { id } } }")["stakeholders"]["nodes"][0]["id"]
        idle = rss_kb(server.pid)
        n, size = a.parallel, a.size
        ids, more = {}, {}
        results = [phase("two-step uploads", server.pid, [lambda s=s: two_step(api, size, s, ids) for s in range(n)])]
        results.append(phase("multipart uploads", server.pid, [lambda s=s: multipart(api, size, 100 + s, more) for s in range(n)]))
        made = api.graphql(
            "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { attachments { url sha256 } } userErrors { message } } }",
            {"i": {"consultation": c["id"], "stakeholder": stakeholder, "title": "Bench", "body": "Bench",
                   "language": "en", "attachments": [ids[s] for s in range(n)]}},
        )["contributionCreate"]
        docs = made["contribution"]["attachments"]
        got = {}
        results.append(phase("downloads", server.pid,
                             [lambda d=d, i=i: download(api, d["url"], d["sha256"], got, i) for i, d in enumerate(docs)]))
        print(f"{n} at once, {size:,} bytes each; store {env['CONCORD_ATTACHMENT_STORE'].split('?')[0]}")
        print(f"server RSS idle (after the seed and sign-in): {idle / 1024:.1f} MiB")
        for name, seconds, peak in results:
            moved = n * size / 1e6
            print(f"{name:>18}: {moved:,.0f} MB in {seconds:.2f} s ({moved / seconds:,.0f} MB/s), "
                  f"peak RSS {peak / 1024:.1f} MiB ({(peak - idle) / 1024:+.1f} MiB)")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
