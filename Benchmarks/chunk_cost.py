#!/usr/bin/env python3
"""Step cost of prefill chunks vs. decode-only steps in a pdscope session trace (chunked prefill).

Usage: python3 Benchmarks/chunk_cost.py TRACE.jsonl
Record a trace with e.g. `pdscope replay Traces/long-prompt-storm.jsonl --policy chunked-prefill --colocated-instances 2 --record TRACE.jsonl`.
"""
import json, sys, statistics
starts = {}; rows = []; decode = []
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("ev") == "step_start": starts[(e["inst"], e["step"])] = e
    elif e.get("ev") == "step_end":
        s = starts.pop((e["inst"], e["step"]), None)
        if not s: continue
        pf = s.get("prefills", [])
        if not pf and s.get("decodes"): decode.append(e["duration"])
        for p in pf:
            if p["tokens"] >= 200: rows.append((p["start"], e["duration"], len(s.get("decodes", []))))
dm = statistics.median(decode)
print("decode-only step median %.1f ms over %d steps" % (dm * 1000, len(decode)))
for lo, hi in [(0, 512), (512, 1024), (1024, 1536), (1536, 2048)]:
    d = [x for st, x, _ in rows if lo <= st < hi]
    if d: print("chunk start %4d-%4d: %2d chunks, median %.0f ms = %.0f decode steps" % (lo, hi, len(d), statistics.median(d) * 1000, statistics.median(d) / dm))
