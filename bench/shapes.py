#!/usr/bin/env python3
"""The query shapes of the performance comparison, as request bodies for `wrk`.

Writes one JSON body per shape into DIR (default bench/out/shapes-PEER) in the schema
of PEER (concord, postgraphile4, postgraphile5), reading the same rows on each: the
synthetic ones, past the seeded ones. Each shape's name says what it reads.

Usage: python3 bench/shapes.py --url http://127.0.0.1:8090/graphql [--peer concord]
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


# Field names of each server's schema: Concord's, PostGraphile 4's with the simplify
# inflector, PostGraphile 5's amber defaults.
NAMES = {
    "concord": dict(contributions="contributions", stakeholders="stakeholders",
                    stakeholder="stakeholder", of_stakeholder="contributions",
                    revisions="revisions"),
    "postgraphile4": dict(contributions="contributions", stakeholders="stakeholders",
                          stakeholder="stakeholder", of_stakeholder="contributions",
                          revisions="contributionRevisions"),
    "postgraphile5": dict(contributions="allContributions", stakeholders="allStakeholders",
                          stakeholder="stakeholderByStakeholderId",
                          of_stakeholder="contributionsByStakeholderId",
                          revisions="contributionRevisionsByContributionId"),
}


# The many-to-many relations of a contribution each server lists, by shape.
RELATED = {
    "concord": {
        "page50_issues": "issues(first: 5) { nodes { title } }",
        "page50_mechanisms": "mechanisms(first: 5) { nodes { stance mechanism { name } } }",
    },
    "postgraphile4": {
        "page50_issues": "contributionIssues(first: 5) { nodes { policyIssue { title } } }",
        "page50_mechanisms": "contributionMechanisms(first: 5) { nodes { stance mechanism { name } } }",
    },
    "postgraphile5": {
        "page50_issues": "contributionIssuesByContributionId(first: 5) { nodes { policyIssueByPolicyIssueId { title } } }",
        "page50_mechanisms": "contributionMechanismsByContributionId(first: 5) { nodes { stance mechanismByMechanismId { name } } }",
    },
}


def cursor_at(url, peer, connection, row_id):
    """The cursor of the row with this id (rows are ids 1..n in order)."""
    if peer == "concord":
        import base64
        return base64.urlsafe_b64encode(f"cursor:{row_id}".encode()).decode().rstrip("=")
    data = post(url, f"{{ {connection}(first: 1, offset: {row_id - 1}) {{ pageInfo {{ endCursor }} }} }}")
    return data["data"][connection]["pageInfo"]["endCursor"]


def shapes(url, peer):
    n = NAMES[peer]
    count = post(url, f"{{ {n['contributions']}(first: 1) {{ totalCount }} }}")
    total = count["data"][n["contributions"]]["totalCount"]
    # 50 contributions after the row 50,000 from the end (the 150,098th of 200,098),
    # and stakeholders past the 73 seeded ones.
    back = min(50_000, total // 4)
    deep = cursor_at(url, peer, n["contributions"], total - back)
    after80 = cursor_at(url, peer, n["stakeholders"], 80)
    out = {
        "trivial": "{ __typename }",
        "page50_stakeholder": f'{{ {n["contributions"]}(first: 50, after: "{deep}") {{ nodes {{ id title publishedAt {n["stakeholder"]} {{ name }} }} }} }}',
        "nested50x10_total": f'{{ {n["stakeholders"]}(first: 50, after: "{after80}") {{ nodes {{ name {n["of_stakeholder"]}(first: 10) {{ totalCount nodes {{ id title }} }} }} }} }}',
        "nested100x10_body": f'{{ {n["stakeholders"]}(first: 100, after: "{after80}") {{ nodes {{ {n["of_stakeholder"]}(first: 10) {{ nodes {{ {n["revisions"]}(first: 1) {{ nodes {{ body }} }} }} }} }} }} }}',
    }
    # A page filtered and ordered otherwise than by key: the 50 written comments
    # published last (PostGraphile's `condition` and `orderBy`; it puts unpublished rows,
    # whose date is null, first, where Concord shows an anonymous caller only the
    # published), with their stakeholders.
    if peer == "concord":
        out["filtered_ordered50"] = '{ contributions(first: 50, filter: { kinds: [WRITTEN_COMMENT] }, orderBy: { field: PUBLISHED_AT, direction: DESC }) { nodes { id title publishedAt stakeholder { name } } } }'
    else:
        out["filtered_ordered50"] = f'{{ {n["contributions"]}(first: 50, condition: {{ kind: "WRITTEN_COMMENT" }}, orderBy: PUBLISHED_AT_DESC) {{ nodes {{ id title publishedAt {n["stakeholder"]} {{ name }} }} }} }}'
    # The page of 50 with the policy issues each raises, and with the mechanisms each
    # discusses and its stance on them (many-to-many relations: through
    # `contribution_issue` and `contribution_mechanism` on PostGraphile).
    for shape, nested in RELATED[peer].items():
        out[shape] = f'{{ {n["contributions"]}(first: 50, after: "{deep}") {{ nodes {{ id title {nested} }} }} }}'
    # One contribution by its key, deep in the table.
    row = total - back
    if peer == "concord":
        import base64
        gid = base64.urlsafe_b64encode(f"Contribution:{row}".encode()).decode().rstrip("=")
        out["node_by_id"] = f'{{ node(id: "{gid}") {{ ... on Contribution {{ id title publishedAt stakeholder {{ name }} }} }} }}'
    elif peer == "postgraphile4":
        out["node_by_id"] = f'{{ contribution(id: "{row}") {{ id title publishedAt stakeholder {{ name }} }} }}'
    else:
        out["node_by_id"] = f'{{ contributionByRowId(rowId: "{row}") {{ id title publishedAt stakeholderByStakeholderId {{ name }} }} }}'
    if peer == "concord":
        out["statistics"] = "{ consultations(first: 1) { nodes { statistics { total byGroup { group byKind { kind count } } } } } }"
        # Searches: a word in one contribution's title; a phrase in every English body,
        # ranked among the most recent matches.
        out["search_selective"] = f'{{ searchContributions(query: "contribution {row}", first: 20) {{ edges {{ relevance snippet node {{ id title }} }} }} }}'
        out["search_broad"] = '{ searchContributions(query: "\\"public policy\\" responsibilities", first: 20) { edges { relevance snippet node { id title } } } }'
    return out


def gets(url, peer):
    """Shapes that are plain GETs (path relative to the server), Concord's only: the
    export of the synthetic consultation (every one of its contributions) as CSV."""
    if peer != "concord":
        return {}
    data = post(url, '{ consultations(first: 10) { nodes { id slug } } }')
    synthetic = [c for c in data["data"]["consultations"]["nodes"] if c["slug"].startswith("synthetic")]
    if not synthetic:
        return {}
    return {"export_csv": f"/consultations/{synthetic[0]['id']}/contributions.csv"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8090/graphql")
    parser.add_argument("--peer", choices=sorted(NAMES), default="concord")
    parser.add_argument("--dir", help="default: bench/out/shapes-PEER")
    args = parser.parse_args()
    args.dir = args.dir or os.path.join(os.path.dirname(__file__), "out", f"shapes-{args.peer}")
    os.makedirs(args.dir, exist_ok=True)
    for name, query in shapes(args.url, args.peer).items():
        answer = post(args.url, query)
        assert "errors" not in answer, (name, answer)
        with open(os.path.join(args.dir, name + ".json"), "w") as f:
            json.dump({"query": query}, f)
        print(f"{name}: {len(json.dumps(answer))} bytes")
    base = args.url.rsplit("/graphql", 1)[0]
    for name, path in gets(args.url, args.peer).items():
        with urllib.request.urlopen(base + path, timeout=600) as r:
            size = sum(len(chunk) for chunk in iter(lambda: r.read(1 << 20), b""))
        with open(os.path.join(args.dir, name + ".get"), "w") as f:
            f.write(path)
        print(f"{name}: {size} bytes")


if __name__ == "__main__":
    main()
