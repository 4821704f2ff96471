"""llama.cpp peer timings for compare-llama-cpp.sh: prefill tok/s at 128/512/2048 tokens and
decode tok/s over 128 tokens, 1 thread, median of several runs. Prints one JSON object.

    llama_cpp_bench.py MODEL.gguf [RUNS] [wall|cpu]

cpu times the calling thread's CPU time (with one thread llama.cpp computes on the caller)."""
import json, statistics, sys, time
from llama_cpp import Llama

path = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
clock = time.thread_time if len(sys.argv) > 3 and sys.argv[3] == "cpu" else time.perf_counter
llm = Llama(model_path=path, n_ctx=4096, n_threads=1, n_threads_batch=1, n_batch=2048, n_ubatch=512, verbose=False)
ctx = llm.n_ctx()
vocab = llm.n_vocab()

def prompt(n):
    # Ordinary (non-control) token ids, deterministic.
    return [1] + [3 + (i * 7919) % (vocab - 3) for i in range(n - 1)]

prefill = {}
for n in (128, 512, 2048):
    if n > ctx:
        prefill[str(n)] = None
        continue
    times = []
    for _ in range(runs):
        llm.reset()
        t = clock(); llm.eval(prompt(n)); times.append(clock() - t)
    prefill[str(n)] = n / statistics.median(times)

times = []
for _ in range(runs):
    llm.reset(); llm.eval(prompt(16))
    t = clock()
    for i in range(128):
        llm.eval([3 + (i * 31) % (vocab - 3)])
    times.append(clock() - t)
print(json.dumps({"model": path, "threads": 1, "prefill_tok_s": prefill, "decode_tok_s": 128 / statistics.median(times)}))
