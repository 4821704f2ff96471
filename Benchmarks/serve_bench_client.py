"""Streaming load for `pdscope serve`: N concurrent /v1/completions streams, each timed from the
moment it is sent to its first content chunk (TTFT) and its last; prints one JSON line.

usage: serve_bench_client.py BASE_URL WORKLOAD.jsonl
The workload is pdscope's format (its header line is skipped); every request is sent at once.
"""
import asyncio
import json
import sys
import time

import urllib.request

import openai
from prometheus_client.parser import text_string_to_metric_families

base, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    lines = [json.loads(line) for line in f if line.strip()]
requests = [r for r in lines if "prompt" in r]


def engine_ttft():
    """(sum, count) of the engine's own TTFT histogram over all instances."""
    text = urllib.request.urlopen(base + "/metrics").read().decode()
    total = count = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "vllm:time_to_first_token_seconds_sum": total += s.value
            if s.name == "vllm:time_to_first_token_seconds_count": count += s.value
    return total, count


async def main():
    client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0, timeout=600)
    # Warm-up, not timed: the client's lazy set-up and one pooled connection per concurrent stream,
    # so TCP handshakes of a cold client are not counted as the server's TTFT.
    await asyncio.gather(*(client.completions.create(model="bench", prompt="warm up", max_tokens=2)
                           for _ in requests))
    before = engine_ttft()

    async def one(r):
        sent = time.monotonic()
        first = last = None
        tokens = 0
        stream = await client.completions.create(
            model="bench", prompt=r["prompt"], max_tokens=r["max_tokens"], temperature=0, stream=True,
            stream_options={"include_usage": True}, user=r["user"], extra_body={"ignore_eos": r.get("ignore_eos", False)})
        async for chunk in stream:
            if chunk.choices:
                now = time.monotonic()
                first = first or now
                last = now
            elif chunk.usage:
                tokens = chunk.usage.completion_tokens
        return sent, first, last, tokens

    start = time.monotonic()
    results = await asyncio.gather(*(one(r) for r in requests))
    end = time.monotonic()
    await client.close()
    after = engine_ttft()
    ttfts = sorted((first - sent) * 1000 for sent, first, _, _ in results)
    output = sum(t for *_, t in results)
    print(json.dumps({"completed": len(results), "output_tokens": output, "duration_s": end - start,
                      "output_throughput": output / (end - start),
                      "mean_ttft_ms": sum(ttfts) / len(ttfts), "median_ttft_ms": ttfts[len(ttfts) // 2],
                      "engine_ttft_ms": 1000 * (after[0] - before[0]) / max(after[1] - before[1], 1)}))

asyncio.run(main())
