"""Reference greedy outputs of SmolLM2-135M-Instruct Q4_1 from llama.cpp (llama-cpp-python 0.3.36,
1 thread, F32 KV cache like pdscope's) for Tests/ModelTests/SmolLM2GoldenTests.swift.

    /work/tools/venv-llama/bin/python Benchmarks/make_smollm2_goldens.py \
        ~/.cache/pdscope/models/SmolLM2-135M-Instruct.Q4_1.gguf > Tests/ModelTests/Goldens/smollm2-q4_1.json

Per prompt: llama.cpp's own prompt token ids (special tokens parsed, no BOS: the file says
add_bos_token = false), its greedy continuation (argmax of the last logits) for STEPS tokens, and
each step's top-2 logit margin, so a test can tell a near-tie from a real disagreement.
Generation goes on past <|im_end|> (the argmax is fed back whatever it is), so every prompt yields
STEPS tokens. The long prompt is a maintenance log made up here from a fixed seed.
"""
import hashlib, json, random, sys
import numpy as np
from llama_cpp import Llama

STEPS = 160


def chat(text):
    return f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"


def maintenance_log(llm, min_tokens):
    """A made-up server-room log, long enough to be at least `min_tokens` tokens, with a question."""
    rng = random.Random(20261202)
    events = ["disk check passed", "fan speed raised to {} rpm", "temperature {} C", "backup finished in {} s",
              "memory test found {} corrected errors", "kernel updated to 6.{}", "link flapped {} times",
              "power draw {} W", "cache hit rate {} %"]
    people = ["Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Dennis", "Frances"]
    lines, hottest = [], (0, "")
    day, minute = 1, 0
    while True:
        minute += rng.randint(3, 47)
        if minute >= 24 * 60:
            day, minute = day + 1, minute - 24 * 60
        node = f"node-{rng.randint(1, 40):02d}"
        event = rng.choice(events)
        value = rng.randint(20, 95) if "temperature" in event else rng.randint(2, 4000)
        if "temperature" in event and value > hottest[0]:
            hottest = (value, node)
        lines.append(f"2026-03-{day:02d} {minute // 60:02d}:{minute % 60:02d} {node} {event.format(value)} "
                     f"(on call: {rng.choice(people)})")
        text = chat("Here is the maintenance log of our server room:\n\n" + "\n".join(lines) +
                    "\n\nWhich node reported the highest temperature, and what should we check first?")
        if len(llm.tokenize(text.encode(), add_bos=False, special=True)) >= min_tokens:
            return text


def greedy(llm, ids):
    llm.reset()
    llm.eval(ids)
    out, margins = [], []
    for _ in range(STEPS):
        # The last evaluated token's logits, straight from llama.cpp (llm.scores has only n_batch rows).
        logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).astype(np.float32)
        top2 = np.argsort(logits)[-2:]
        nxt = int(top2[1])
        out.append(nxt)
        margins.append(round(float(logits[top2[1]] - logits[top2[0]]), 6))
        llm.eval([nxt])
    return out, margins


def main(path):
    llm = Llama(model_path=path, n_ctx=4096, n_batch=512, n_threads=1, n_threads_batch=1,
                type_k=0, type_v=0, verbose=False)  # type 0 = F32 K and V cache
    prompts = [
        ("chat", chat("What is the capital of France?")),
        ("plain", "The printing press changed Europe because"),
        ("code", "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n"),
        ("long", maintenance_log(llm, 1600)),
    ]
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    cases = []
    for name, text in prompts:
        ids = llm.tokenize(text.encode(), add_bos=False, special=True)
        out, margins = greedy(llm, ids)
        cases.append({"name": name, "prompt": text, "prompt_ids": ids, "greedy_ids": out, "top2_margins": margins,
                      "greedy_text": llm.detokenize(out).decode("utf-8", "replace")})
        print(f"{name}: {len(ids)} prompt tokens, {out[:12]}", file=sys.stderr)
    json.dump({"generator": "Benchmarks/make_smollm2_goldens.py, llama-cpp-python 0.3.36, n_threads 1, F32 KV cache",
               "model": path.split("/")[-1], "model_sha256": sha, "cases": cases}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1])
