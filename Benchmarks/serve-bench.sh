#!/usr/bin/env bash
# What the HTTP server costs: the same workload (N concurrent streams, all sent at once, greedy,
# ignore_eos) run in-process by `pdscope replay` and through `pdscope serve` by a small Python
# streaming client (openai-python), each ROUNDS times, alternating. Prints output tok/s and mean
# TTFT of each, and the TTFT the HTTP path adds (serve's client-side TTFT minus the engine's own
# TTFT for the same requests, read from /metrics; the client warms up first).
#
#   Benchmarks/serve-bench.sh [--model M.gguf] [--streams 16] [--max-tokens 64] [--prompt-words 100] [--rounds 3]   (--model synthetic: the embedded model)
#
# Uses the test venv (.venv-ci, made by .ci/setup) for the client; builds release, unless
# PDSCOPE_BIN names a pdscope binary to measure instead.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
model=(); streams=16; max_tokens=64; words=100; rounds=3
while (($#)); do
    case "$1" in
        --model) model=(--model "$2"); shift 2 ;;
        --streams) streams="$2"; shift 2 ;;
        --max-tokens) max_tokens="$2"; shift 2 ;;
        --prompt-words) words="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) echo "serve-bench.sh: unknown argument $1" >&2; exit 1 ;;
    esac
done
python="$root/.venv-ci/bin/python"
[ -x "$python" ] || (cd "$root" && bash .ci/setup >&2)
if [ -n "${PDSCOPE_BIN:-}" ]; then
    pd="$PDSCOPE_BIN"
else
    (cd "$root" && swift build -c release --product pdscope >&2)
    pd="$root/.build/release/pdscope"
fi
work="$(mktemp -d)"; trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
server=""

# The workload: N users, distinct prompts of about `words` words, all at t=0.
"$python" - "$streams" "$max_tokens" "$words" > "$work/workload.jsonl" <<'PY'
import json, random, sys
n, max_tokens, words = map(int, sys.argv[1:])
vocab = "the a little dog cat ran over hill under tree sun moon day night story king queen river stone".split()
print(json.dumps({"format": "pdscope-workload", "version": "1.0", "description": "serve-bench"}))
rng = random.Random(1)
for i in range(n):
    prompt = " ".join(rng.choice(vocab) for _ in range(words))
    print(json.dumps({"arrival_s": 0, "user": "bench-%d" % i, "prompt": prompt, "max_tokens": max_tokens, "ignore_eos": True}))
PY

results="$work/results.jsonl"
for round in $(seq "$rounds"); do
    "$pd" replay "$work/workload.jsonl" "${model[@]}" --json 2>/dev/null \
        | "$python" -c 'import json,sys; r=json.load(sys.stdin)["runs"][0]; print(json.dumps({"kind":"replay","output_throughput":r["output_throughput"],"mean_ttft_ms":r["mean_ttft_ms"]}))' >> "$results"
    "$pd" serve "${model[@]}" --port 0 --served-model-name bench 2> "$work/serve.log" &
    server=$!
    for _ in $(seq 600); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
    url="$(grep -o 'http://[0-9.:]*' "$work/serve.log" | head -1)"
    client="$("$python" "$here/serve_bench_client.py" "$url" "$work/workload.jsonl")"
    kill -TERM "$server"; wait "$server" || true; server=""
    "$python" -c 'import json,sys; r=json.loads(sys.argv[1]); r["kind"]="serve"; print(json.dumps(r))' "$client" >> "$results"
done

"$python" - "$results" "$streams" "$max_tokens" "$words" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
replay = [r for r in rows if r["kind"] == "replay"]
serve = [r for r in rows if r["kind"] == "serve"]
med = lambda xs: statistics.median(xs)
print("workload: %s concurrent streams, ~%s-word prompts, %s output tokens each (greedy, ignore_eos); %d rounds, medians"
      % (sys.argv[2], sys.argv[4], sys.argv[3], len(serve)))
print("%-10s %14s %14s" % ("", "output tok/s", "mean TTFT ms"))
print("%-10s %14.1f %14.1f" % ("replay", med([r["output_throughput"] for r in replay]), med([r["mean_ttft_ms"] for r in replay])))
print("%-10s %14.1f %14.1f" % ("serve", med([r["output_throughput"] for r in serve]), med([r["mean_ttft_ms"] for r in serve])))
ratio = med([r["output_throughput"] for r in serve]) / med([r["output_throughput"] for r in replay])
added = med([r["mean_ttft_ms"] - r["engine_ttft_ms"] for r in serve])
print("serve/replay output tok/s: %.3f" % ratio)
print("TTFT added by HTTP (client-side minus the engine's own, same run): %.2f ms" % added)
print("TTFT serve minus replay: %.1f ms" % (med([r["mean_ttft_ms"] for r in serve]) - med([r["mean_ttft_ms"] for r in replay])))
PY
