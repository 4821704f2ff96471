"""llama.cpp's greedy continuation of one prompt (llama-cpp-python 0.3.36, 1 thread, F32 KV cache
like pdscope's), with the top-2 logit gap of each step, to check `pdscope generate` by hand.

    /work/tools/venv-llama/bin/python Benchmarks/llama_cpp_greedy.py MODEL.gguf "$(printf '<|im_start|>user\\nHi<|im_end|>\\n')" [N]

The prompt is tokenized as pdscope does (special tokens parsed, BOS only if the model adds one).
Generation stops at an end-of-generation token (llama.cpp's token_is_eog) or after N tokens (32).
"""
import json, sys
import numpy as np
from llama_cpp import Llama, llama_cpp

path, prompt = sys.argv[1], sys.argv[2]
limit = int(sys.argv[3]) if len(sys.argv) > 3 else 32
llm = Llama(model_path=path, n_ctx=2048, n_threads=1, n_threads_batch=1, logits_all=True, type_k=0, type_v=0, verbose=False)
add_bos = llama_cpp.llama_vocab_get_add_bos(llama_cpp.llama_model_get_vocab(llm.model))
tokens = llm.tokenize(prompt.encode(), add_bos=bool(add_bos), special=True)
llm.eval(tokens)
out, gaps = [], []
for _ in range(limit):
    logits = np.array(llm.scores[llm.n_tokens - 1], dtype=np.float32)
    top = np.argsort(-logits)[:2]
    nxt = int(top[0])
    if llama_cpp.llama_vocab_is_eog(llama_cpp.llama_model_get_vocab(llm.model), nxt):
        break
    out.append(nxt)
    gaps.append(round(float(logits[top[0]] - logits[top[1]]), 3))
    llm.eval([nxt])
print(json.dumps({"prompt_ids": tokens, "ids": out, "top2_gaps": gaps,
                  "text": llm.detokenize(out).decode("utf-8", errors="replace")}, ensure_ascii=False))
