"""Reference greedy outputs from llama.cpp (llama-cpp-python 0.3.36, 1 thread, F32 KV cache like
pdscope's; llama.cpp's default F16 cache rounds K and V) for the golden tests.

    Benchmarks/.venv-llama/bin/python Benchmarks/make_goldens.py ../shared/models/stories260K-f32.gguf [more.gguf]

Prints, per prompt, llama.cpp's prompt token ids and its greedy continuation (argmax of the last
logits, up to 196 new tokens or BOS/EOS) as JSON lines; Tests/ModelTests/GoldenOutputs.swift holds
the result for the shared stories260K files.
"""
import json, sys
import numpy as np
from llama_cpp import Llama

PROMPTS = ["Once upon a time", "Lily and Ben went to the park", "The little dog", "One day, a big bird",
           "Tom had a red ball. He"]

for path in sys.argv[1:]:
    llm = Llama(model_path=path, n_ctx=512, n_threads=1, n_threads_batch=1, logits_all=True, type_k=0, type_v=0, verbose=False)
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
