#!/usr/bin/env bash
# `pdscope attach` against a real llama.cpp server: starts `llama-server` on the given GGUF (with
# --metrics), prints attach's panel (`--once`), sends a few streaming completions from two users
# through attach's proxy (`--listen --no-dashboard --record`), then replays that recording on the
# in-process engine under two policies. Opt-in, never run in CI: needs a llama-server binary, e.g.
# built from the llama-cpp-python sdist's vendored llama.cpp (`cmake -B b vendor/llama.cpp &&
# cmake --build b --target llama-server`, about 13 min on 2 cores). Exits 0 with a note when absent.
#
#   Benchmarks/attach-llama-server.sh [SMOLLM2.gguf]   (LLAMA_SERVER=path/to/llama-server)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
gguf="${1:-$HOME/.cache/pdscope/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
server="${LLAMA_SERVER:-$(command -v llama-server || true)}"
if [ -z "$server" ] || [ ! -x "$server" ]; then
    echo "attach-llama-server.sh: no llama-server (put it on PATH or set LLAMA_SERVER); skipped" >&2
    exit 0
fi
[ -f "$gguf" ] || { echo "attach-llama-server.sh: no model at $gguf (bash .ci/fetch-model)" >&2; exit 1; }
(cd "$root" && swift build --product pdscope >&2)
pd="$root/.build/debug/pdscope"
work="$(mktemp -d)"; pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

"$server" -m "$gguf" --port 8180 --metrics -c 4096 -np 4 >"$work/llama.log" 2>&1 & pids+=($!)
for _ in $(seq 600); do curl -sf http://127.0.0.1:8180/health >/dev/null && break; sleep 0.2; done
curl -sf http://127.0.0.1:8180/health >/dev/null || { tail "$work/llama.log" >&2; exit 1; }

echo "== attach --once"
"$pd" attach http://127.0.0.1:8180 --once --interval 1

echo "== proxy and recording"
"$pd" attach http://127.0.0.1:8180 --listen 127.0.0.1:8181 --no-dashboard --record "$work/real.jsonl" 2>"$work/attach.log" & pids+=($!)
attach=$!
for _ in $(seq 100); do grep -q "listening on" "$work/attach.log" && break; sleep 0.1; done
model="$(curl -sf http://127.0.0.1:8181/v1/models | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])')"
ask() {   # one streaming completion through the proxy; prints how many data chunks came back
    curl -sN http://127.0.0.1:8181/v1/completions -H 'Content-Type: application/json' \
        -d "{\"model\":\"$model\",\"user\":\"$1\",\"stream\":true,\"max_tokens\":48,\"prompt\":\"Once upon a time $1 walked to the river and\"}" \
        | { grep -c '^data: {' || true; } | sed "s/^/$1: data chunks /"
}
clients=()
for user in alice bob alice bob; do ask "$user" & clients+=($!); done
wait "${clients[@]}" || true
kill -TERM "$attach"; wait "$attach" || true
cat "$work/attach.log" >&2

echo "== replay of the recorded traffic"
for policy in disaggregated colocated-fcfs; do
    "$pd" replay "$work/real.jsonl" --policy "$policy" 2>/dev/null | sed -n '1,14p'
done
