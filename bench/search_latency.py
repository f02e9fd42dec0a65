#!/usr/bin/env python3
"""Latency of `searchContributions` (and of the same search as a list filter) against a
running Concord: each query RUNS times in a row after one warm-up, anonymous; prints
how many contributions match and the p50/p95 of the ranked first page.

Usage: python3 bench/search_latency.py [--url http://127.0.0.1:8090/graphql] [--runs 30]
"""
import argparse
import json
import time
import urllib.request

QUERIES = [
    # (what it is, the search)
    ("one title (a number)", "contribution 999000"),
    ("rare word (no match)", "quetzalcoatlus"),
    ("English phrase, every English body", '"public policy" responsibilities'),
    ("French word, every French body", "coopération"),
    ("Russian word, every Russian body", "сотрудничество"),
    ("Chinese word, every Chinese body", "互联网"),
    ("Arabic word, every Arabic body", "التعاون"),
    ("two languages (or)", "responsibilities or responsabilidades"),
]


def post(url, query, variables):
    body = json.dumps({"query": query, "variables": variables}).encode()
    req = urllib.request.Request(url, body, {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8090/graphql")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    ranked = ("query($q: String!) { searchContributions(query: $q, first: 20) "
              "{ edges { relevance snippet node { id title } } } }")
    counted = "query($q: String!) { searchContributions(query: $q, first: 1) { totalCount } }"
    print("| search | matches | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for what, q in QUERIES:
        total = post(args.url, counted, {"q": q})["data"]["searchContributions"]["totalCount"]
        post(args.url, ranked, {"q": q})
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            answer = post(args.url, ranked, {"q": q})
            times.append((time.perf_counter() - started) * 1000)
            assert "errors" not in answer, answer
        times.sort()
        p50 = times[len(times) // 2]
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"| {what}: `{q}` | {total:,} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
