#!/usr/bin/env bash
# Speed peer: runs llama.cpp (through llama-cpp-python, 1 thread, pinned to one core) and
# `pdscope bench-model` (1 thread) on the same GGUF file and prints both and the ratios.
#
#   Benchmarks/compare-llama-cpp.sh MODEL.gguf [CORE]
#
# Installs llama-cpp-python 0.3.36 into Benchmarks/.venv-llama if it is missing (built from
# source with GGML_NATIVE, which takes several minutes on two cores); LLAMA_VENV=DIR uses another
# venv that has it. PDSCOPE_ISA=scalar|avx2|avx512 is passed on to pdscope. BENCH_CLOCK=cpu times
# both with the benchmarking thread's CPU time instead of wall time (steadier on a shared machine).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
model="${1:?usage: compare-llama-cpp.sh MODEL.gguf [CORE]}"
core="${2:-1}"
[ -f "$model" ] || { echo "compare-llama-cpp.sh: no such file: $model" >&2; exit 1; }

venv="${LLAMA_VENV:-$here/.venv-llama}"
if ! "$venv/bin/python" -c "import llama_cpp" 2>/dev/null; then
    echo "installing llama-cpp-python 0.3.36 into $venv (one-time, several minutes)..." >&2
    python3 -m venv "$venv"
    CMAKE_ARGS="-DGGML_NATIVE=ON" "$venv/bin/pip" install -q "llama-cpp-python==0.3.36" >&2
fi

(cd "$root" && swift build -c release --product pdscope >&2)
clock="${BENCH_CLOCK:-wall}"
pd="$("$root/.build/release/pdscope" bench-model --model "$model" --threads 1 --cores "$core" --clock "$clock" --json)"
lc="$(taskset -c "$core" "$venv/bin/python" "$here/llama_cpp_bench.py" "$model" 3 "$clock")"

python3 - "$pd" "$lc" <<'PY'
import json, sys
pd, lc = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows = [("prefill 128", pd["prefill_tok_s"]["128"], lc["prefill_tok_s"]["128"]),
        ("prefill 512", pd["prefill_tok_s"]["512"], lc["prefill_tok_s"]["512"]),
        ("prefill 2048", pd["prefill_tok_s"]["2048"], lc["prefill_tok_s"]["2048"]),
        ("decode (128 tokens)", pd["decode_tok_s"], lc["decode_tok_s"])]
print(f"model: {pd['model']}; pdscope kernels: {pd.get('isa')}; {pd.get('clock')} clock; "
      f"single-core read bandwidth {pd.get('read_gb_s')} GB/s")
print(f"{'tok/s, 1 thread':<22}{'pdscope':>10}{'llama.cpp':>12}{'ratio':>8}")
for name, a, b in rows:
    ratio = f"{a / b:.2f}x" if a and b else "-"
    fa = f"{a:.1f}" if a else "-"
    fb = f"{b:.1f}" if b else "-"
    print(f"{name:<22}{fa:>10}{fb:>12}{ratio:>8}")
PY
