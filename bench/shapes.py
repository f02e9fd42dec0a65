#!/usr/bin/env python3
"""The query shapes of the performance comparison, as request bodies for `wrk`.

Writes one JSON body per shape into DIR (default bench/out/shapes) for Concord's
schema; cursors come from the running server, so the shapes read the synthetic rows
(`bench/synthetic.sql`), past the seeded ones. Each shape's name says what it reads.

Usage: python3 bench/shapes.py --url http://127.0.0.1:8090/graphql [--dir DIR]
"""
import argparse
import json
import os
import urllib.request


def post(url, query):
    body = json.dumps({"query": query}).encode()
    req = urllib.request.Request(url, body, {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def cursor_after(url, connection, n):
    """The cursor of the n-th record of a root connection, paging 100 at a time."""
    after = None
    seen = 0
    while seen < n:
        size = min(100, n - seen)
        arg = f', after: "{after}"' if after else ""
        data = post(url, f"{{ {connection}(first: {size}{arg}) {{ pageInfo {{ endCursor }} }} }}")
        after = data["data"][connection]["pageInfo"]["endCursor"]
        seen += size
    return after


def shapes(url):
    # Cursors are opaque but encode the row id: compute the 150,000th contribution's
    # cursor by paging would take 1,500 requests, so ask for the id-based cursor of
    # the row at that position through `nodes` instead.
    stakeholders_after = cursor_after(url, "stakeholders", 80)
    deep = post(url, "{ contributions(last: 1) { nodes { id } pageInfo { endCursor } } }")
    last_cursor = deep["data"]["contributions"]["pageInfo"]["endCursor"]
    import base64
    kind, _, last_id = base64.urlsafe_b64decode(last_cursor + "=" * (-len(last_cursor) % 4)).decode().partition(":")
    deep_cursor = base64.urlsafe_b64encode(f"{kind}:{int(last_id) - 50_000}".encode()).decode().rstrip("=")
    return {
        "trivial": "{ __typename }",
        "page50_stakeholder": f'{{ contributions(first: 50, after: "{deep_cursor}") {{ nodes {{ id title publishedAt stakeholder {{ name }} }} }} }}',
        "nested50x10_total": f'{{ stakeholders(first: 50, after: "{stakeholders_after}") {{ nodes {{ name contributions(first: 10) {{ totalCount nodes {{ id title }} }} }} }} }}',
        "nested100x10_body": f'{{ stakeholders(first: 100, after: "{stakeholders_after}") {{ nodes {{ contributions(first: 10) {{ nodes {{ revisions(first: 1) {{ nodes {{ body }} }} }} }} }} }} }}',
        "statistics": "{ consultations(first: 1) { nodes { statistics { total byGroup { group byKind { kind count } } } } } }",
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8090/graphql")
    parser.add_argument("--dir", default=os.path.join(os.path.dirname(__file__), "out", "shapes"))
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    for name, query in shapes(args.url).items():
        answer = post(args.url, query)
        assert "errors" not in answer, (name, answer)
        with open(os.path.join(args.dir, name + ".json"), "w") as f:
            json.dump({"query": query}, f)
        print(f"{name}: {len(json.dumps(answer))} bytes")


if __name__ == "__main__":
    main()
