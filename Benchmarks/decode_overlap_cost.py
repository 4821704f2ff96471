#!/usr/bin/env python3
"""Decode-only step cost of instance 1 by batch size, split by whether a long context is in the
batch and whether instance 0 ran a prefill step at the same time (the two cores share memory and
cache): why a disaggregated decode step on a CPU is slower while the prefill core works.

Usage: python3 Benchmarks/decode_overlap_cost.py TRACE.jsonl
Record a trace with e.g. `pdscope replay STORM --model synthetic --policy disaggregated --record
TRACE.jsonl`. Rows: (batch, long context in it, prefill running on instance 0), steps, median and
max ms, and the largest off-CPU time of one such step (`off_cpu`, ms).
"""
import json,sys,collections,statistics
ev=[json.loads(l) for l in open(sys.argv[1])]
prompt={e['req']:e.get('prompt_tokens') or 0 for e in ev if e.get('ev')=='arrived'}
st={};steps=[]
for e in ev:
    if e.get('ev')=='step_start': st[(e['inst'],e['step'])]=e
    elif e.get('ev')=='step_end':
        s=st.pop((e['inst'],e['step']),None)
        if s: steps.append((e['inst'],s['t'],e['t'],s.get('decodes',[]),s.get('prefills',[]),e.get('off_cpu',0)))
pre=[(a,b) for i,a,b,d,p,o in steps if i==0 and p]
def busy(a,b): return any(x<b and y>a for x,y in pre)
c=collections.defaultdict(list)
for i,a,b,d,p,o in steps:
    if i!=1 or p or not d: continue
    longc=any(prompt.get(r,0)>1000 for r in d)
    c[(len(d),longc,busy(a,b))].append(((b-a)*1000,o*1000))
for k in sorted(c):
    v=[x for x,_ in c[k]]
    print(k, len(v), "median %.1f max %.1f maxoff %.1f"%(statistics.median(v), max(v), max(o for _,o in c[k])))
