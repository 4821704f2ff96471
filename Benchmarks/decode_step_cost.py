#!/usr/bin/env python3
"""Decode-only step cost by batch size in a pdscope session trace: why a CPU decode step grows with
its batch, and what a long context in the batch adds.

Usage: python3 Benchmarks/decode_step_cost.py TRACE.jsonl [LONG_PROMPT_TOKENS]
Record a trace with e.g. `pdscope replay Traces/long-prompt-storm.jsonl --model synthetic
--policy disaggregated --record TRACE.jsonl`. A batch "with long" holds at least one sequence
whose prompt has more than LONG_PROMPT_TOKENS (default 1000) tokens.
"""
import collections, json, statistics, sys

path = sys.argv[1]
long_tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
events = [json.loads(line) for line in open(path)]
prompt = {e["req"]: e.get("prompt_tokens") or 0 for e in events if e.get("ev") == "arrived"}
starts, cost = {}, collections.defaultdict(list)
for e in events:
    key = (e.get("inst"), e.get("step"))
    if e.get("ev") == "step_start":
        starts[key] = e
    elif e.get("ev") == "step_end":
        s = starts.pop(key, None)
        if not s or s.get("prefills") or not s.get("decodes"): continue
        with_long = any(prompt.get(r, 0) > long_tokens for r in s["decodes"])
        cost[(len(s["decodes"]), with_long)].append(e["duration"] * 1000)
print("%-6s %-22s %-22s" % ("batch", "short contexts only", "with a long context"))
for n in sorted({k[0] for k in cost}):
    cells = []
    for with_long in (False, True):
        d = cost.get((n, with_long))
        cells.append("%6.1f ms (%4d steps)" % (statistics.median(d), len(d)) if d else "-")
    print("%-6d %-22s %-22s" % (n, cells[0], cells[1]))
