"""Reference greedy outputs from llama.cpp (llama-cpp-python 0.3.36, 1 thread) for the golden tests,
with an F32 KV cache (type_k=0, as `--kv-cache-type f32`) or, given --f16-cache first, llama.cpp's
default F16 cache (as pdscope's default).

    Benchmarks/.venv-llama/bin/python Benchmarks/make_goldens.py [--f16-cache] ../shared/models/stories260K-f32.gguf [more.gguf]

Prints, per prompt, llama.cpp's prompt token ids and its greedy continuation (argmax of the last
logits, up to 196 new tokens or BOS/EOS) as JSON lines; Tests/ModelTests/GoldenOutputs.swift holds
the result for the shared stories260K files.
"""
import json, sys
import numpy as np
from llama_cpp import Llama

PROMPTS = ["Once upon a time", "Lily and Ben went to the park", "The little dog", "One day, a big bird",
           "Tom had a red ball. He"]

args = sys.argv[1:]
cache_type = 1 if args and args[0] == "--f16-cache" else 0  # ggml types: 0 F32, 1 F16
paths = args[1:] if cache_type == 1 else args
for path in paths:
    llm = Llama(model_path=path, n_ctx=512, n_threads=1, n_threads_batch=1, logits_all=True,
                type_k=cache_type, type_v=cache_type, verbose=False)
    for prompt in PROMPTS:
        llm.reset()
        tokens = llm.tokenize(prompt.encode(), add_bos=True)
        llm.eval(tokens)
        out = []
        for _ in range(196):
            logits = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
            nxt = int(np.argmax(logits))
            if nxt in (llm.token_bos(), llm.token_eos()):
                break
            out.append(nxt)
            llm.eval([nxt])
        print(json.dumps({"model": path.split("/")[-1], "prompt": prompt, "prompt_ids": tokens, "greedy_ids": out}))
