"""Streaming load for `pdscope serve`: N concurrent /v1/completions streams, each timed from the
moment it is sent to its first content chunk (TTFT) and its last; prints one JSON line.

usage: serve_bench_client.py BASE_URL WORKLOAD.jsonl
The workload is pdscope's format (its header line is skipped); every request is sent at once.
"""
import asyncio
import json
import sys
import time

import openai

base, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    lines = [json.loads(line) for line in f if line.strip()]
requests = [r for r in lines if "prompt" in r]


async def main():
    client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0, timeout=600)

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
    ttfts = sorted((first - sent) * 1000 for sent, first, _, _ in results)
    output = sum(t for *_, t in results)
    print(json.dumps({"completed": len(results), "output_tokens": output, "duration_s": end - start,
                      "output_throughput": output / (end - start),
                      "mean_ttft_ms": sum(ttfts) / len(ttfts), "median_ttft_ms": ttfts[len(ttfts) // 2]}))

asyncio.run(main())
