#!/usr/bin/env python3
"""What a point of cost buys: server time of queries that isolate each cost rule.

Sends each query REPEAT times, one after another on one keep-alive connection, and prints
its median and 90th-percentile latency, its cost (`extensions.cost.requested`) and the
microseconds per point. The weights in `src/graphql/cost.rs` come from these figures on
the reference database of `docs/BENCHMARKS.md` (the seeded report plus 200,000
contributions), and the last rows check that the most expensive operations the limit
admits stay within a bounded time.

Usage (a release server on that database):
    python3 bench/cost_calibration.py --url http://127.0.0.1:8080/graphql
Only the standard library is needed.
"""
import argparse
import http.client
import json
import statistics
import time
import urllib.parse

PAGE = "contributions(first: 100) { nodes { id title } }"
COUNTED = "contributions(first: 100) { totalCount nodes { id title } }"


def aliased(n, selection):
    return "{ " + " ".join(f"a{i}: {selection}" for i in range(n)) + " }"


QUERIES = [
    ("trivial", "{ __typename }"),
    ("page of 100 (id, title)", "{ " + PAGE + " }"),
    ("page of 100 + totalCount", "{ " + COUNTED + " }"),
    ("page of 100 with body", "{ contributions(first: 100) { nodes { id body } } }"),
    ("page of 100 with stakeholder", "{ contributions(first: 100) { nodes { id stakeholder { name } } } }"),
    ("50 stakeholders x 10 + totalCount",
     "{ stakeholders(first: 50, after: \"%s\") { nodes { name contributions(first: 10) { totalCount nodes { id title } } } } }"),
    ("statistics", "{ consultations(first: 1) { nodes { statistics { total } } } }"),
    ("50 aliased pages of 100", aliased(50, PAGE)),
    ("50 aliased pages of 100 + totalCount", aliased(50, COUNTED)),
    ("8 aliased pages of 100 + totalCount", aliased(8, COUNTED)),
    ("70 stakeholders x 100 contributions",
     "{ stakeholders(first: 70, after: \"%s\") { nodes { contributions(first: 100) { nodes { id title } } } } }"),
    ("4 statistics + 1 totalCount",
     aliased(4, "consultations(first: 1) { nodes { statistics { total } } }")[:-2] + " c: " + COUNTED + " }"),
    ("100 stakeholders x 100 contributions",
     "{ stakeholders(first: 100, after: \"%s\") { nodes { contributions(first: 100) { nodes { id title } } } } }"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080/graphql")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--after", default="",
                        help="a stakeholder cursor past the seeded ones (the synthetic ones)")
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.url)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=60)

    def post(query):
        body = json.dumps({"query": query})
        conn.request("POST", url.path, body, {"content-type": "application/json"})
        response = conn.getresponse()
        return json.loads(response.read())

    print(f"{'query':42} {'p50 ms':>8} {'p90 ms':>8} {'cost':>7} {'µs/pt':>7}  errors")
    for name, query in QUERIES:
        if "%s" in query:
            query = query % args.after
        first = post(query)
        cost = first.get("extensions", {}).get("cost", {}).get("requested", 0)
        errors = sorted({e.get("extensions", {}).get("code", "?") for e in first.get("errors", [])})
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            post(query)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p50 = statistics.median(times)
        p90 = times[int(len(times) * 0.9) - 1]
        per_point = p50 * 1000 / cost if cost else 0
        print(f"{name:42} {p50:8.2f} {p90:8.2f} {cost:7d} {per_point:7.1f}  {','.join(errors)}")


if __name__ == "__main__":
    main()
