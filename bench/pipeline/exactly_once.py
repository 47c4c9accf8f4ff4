"""Did every line of the benchmark's log reach Elasticsearch exactly once? Used by bench/pipeline/run.

    python3 exactly_once.py ES_URL INDEX_PATTERN LINES

Refreshes the indices, then reads every document's message with a scroll (no scripts: the test distribution of
Elasticsearch has no painless; no aggregation on a keyword field either: whether message has one depends on the
index mapping, which is what the stacks are free to choose). The log's lines end with their line number (nginx's
$request_id place); each of 1..LINES must be seen once. Prints "yes", or "NO: " and what is wrong.
"""
import json
import sys
import urllib.request


def call(es, method, path, body=None):
    request = urllib.request.Request(es + path, method=method, headers={"Content-Type": "application/json"},
                                     data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


def main():
    es, pattern, lines = sys.argv[1], sys.argv[2], int(sys.argv[3])
    call(es, "POST", f"/{pattern}/_refresh")
    seen = bytearray(lines + 1)  # times each line number was seen, saturating at 255
    documents = unnumbered = out_of_range = 0
    page = call(es, "POST", f"/{pattern}/_search?scroll=2m",
                {"size": 10000, "sort": ["_doc"], "_source": ["message"]})
    try:
        while page["hits"]["hits"]:
            for hit in page["hits"]["hits"]:
                documents += 1
                message = hit.get("_source", {}).get("message")
                try:
                    number = int(message.rsplit(" ", 1)[1])
                except (AttributeError, IndexError, ValueError):
                    unnumbered += 1
                    continue
                if 1 <= number <= lines:
                    seen[number] = min(255, seen[number] + 1)
                else:
                    out_of_range += 1
            page = call(es, "POST", "/_search/scroll", {"scroll": "2m", "scroll_id": page["_scroll_id"]})
    finally:
        call(es, "DELETE", "/_search/scroll", {"scroll_id": page["_scroll_id"]})
    problems = []
    if documents != lines:
        problems.append(f"{documents} documents for {lines} lines")
    missing = [n for n in range(1, lines + 1) if seen[n] == 0]
    if missing:
        problems.append(f"{len(missing)} lines missing, e.g. " + ", ".join(f"line {n}" for n in missing[:5]))
    twice = [n for n in range(1, lines + 1) if seen[n] > 1]
    if twice:
        problems.append(f"{len(twice)} lines more than once, e.g. "
                        + ", ".join(f"line {n} x{seen[n]}" for n in twice[:5]))
    if unnumbered:
        problems.append(f"{unnumbered} documents whose message does not end with a line number")
    if out_of_range:
        problems.append(f"{out_of_range} documents with a line number outside 1..{lines}")
    print("NO: " + "; ".join(problems) if problems else "yes")


if __name__ == "__main__":
    main()
