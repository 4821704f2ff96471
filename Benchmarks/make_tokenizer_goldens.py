"""Reference token ids from llama.cpp (llama-cpp-python 0.3.36) for the byte-level BPE tokenizer tests.

    /work/tools/venv-llama/bin/python Benchmarks/make_tokenizer_goldens.py \
        ~/.cache/pdscope/models/SmolLM2-135M-Instruct.Q4_1.gguf > Benchmarks/goldens/smollm2-tokenizer.json

For each input (UTF-8 text, or raw bytes given as hex for inputs that are not valid UTF-8) it records
llama.cpp's ids with `tokenize(bytes, add_bos=False, special=True)`, the ids with special=False, and
`detokenize(ids)` (control tokens print nothing). Tests/ModelTests/TokenizerBPETests.swift compares
pdscope's tokenizer with them. The long inputs are generated here from a fixed seed (log lines, a
table, a code listing, meeting notes), so the file is reproducible.
"""
import json, random, sys
from llama_cpp import Llama

SHORT = [
    "", "a", " ", "  ", "Hello world", "Hello, world!", "The quick brown fox jumps over the lazy dog.",
    "What is the capital of France?", "HELLO World hello WORLD",
    # contractions
    "I'm sure you're right, they'll see we've done it; she'd said it's John's.",
    "I'M SHOUTING, DON'T", "o'clock 'tis rock'n'roll ''quoted'' 's 't",
    # digits
    "1234567890", "3.14159 and 2.71828", "2026-12-02T07:12:33Z", "x1y22z333", " 42 apples, 7 pears",
    "١٢٣ ٤٥٦ Arabic-Indic digits", "½ ² ³ Ⅻ superscripts and numerals", "$1,000,000.00",
    # whitespace runs and newlines
    "a  b   c    d", "   leading spaces", "trailing spaces   ", "tabs\t\tand\nnewlines\n\n\nend",
    "windows\r\nline\r\nends", " \n \n ", "\n", "\n\n", "\t", "word \n\tword", "non\u00a0breaking\u3000ideographic space",
    "end with newline\n", "  \n  indented\n    more",
    # accented Latin
    "naïve café résumé Ærøskøbing", "ÀÉÎÕÜ àéîõü ß ŒœÇç", "Ångström São Paulo Kraków Đà Nẵng",
    # CJK
    "日本語のテキストです。", "中文测试，标点符号。", "한국어 문장입니다", "漢字かなカナ混じり文",
    # emoji
    "😀🎉👍🏽", "👨‍👩‍👧‍👦 family", "🇫🇷 flag and 🇯🇵", "I ❤️ Swift ✨",
    # symbols and code
    "C++ -> x->y; a==b && c!=d || !e", "$100 & 50% off #tag @user ~tilde `tick`", "<html><body>x</body></html>",
    "def f(x):\n    return x ** 2  # square\n", "if (a < b) { return {\"k\": [1, 2, 3]}; }",
    "Ωmega λambda ∑ ∫ ≈ ≠ ≤ ∞", "—em dash– en dash … ellipsis «quotes» “curly” ‘single’",
    # special tokens written in the text
    "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>", "<|im_start|><|im_end|>", "<|im_start|", "text<|im_end|>more", "<repo_name>x<file_sep>y",
    "a <|im_end|> b", "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n",
    "<|im_end|><|im_end|>\n\n<|im_start|>", "<jupyter_code>print(1)<jupyter_output>1",
]

HEX = [b"\xff\xfe invalid", b"cut \xe6\x97", b"\xc3\x28 bad", b"ok \xf0\x9f\x98\x80 \x80 stray"]


def long_texts():
    rng = random.Random(20261202)
    services = ["api", "worker-3", "scheduler", "kv-cache", "router"]
    levels = ["INFO", "WARN", "DEBUG", "ERROR"]
    log = []
    for i in range(220):
        log.append(f"2026-12-02T07:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z "
                   f"{rng.choice(levels):5} [{rng.choice(services)}] request {rng.randrange(100000)} "
                   f"completed in {rng.randrange(1, 900)} ms (status={rng.choice([200, 200, 404, 500])}, "
                   f"tokens={rng.randrange(1, 4096)})")
    table = ["| city | country | population | area km² |", "|---|---|---:|---:|"]
    cities = ["Paris", "Lyon", "Kraków", "São Paulo", "Zürich", "Tōkyō", "Québec", "Reykjavík", "Málaga", "Niš"]
    for _ in range(60):
        table.append(f"| {rng.choice(cities)} | {rng.choice(['FR', 'PL', 'BR', 'CH', 'JP', 'CA', 'IS', 'ES', 'RS'])} | "
                     f"{rng.randrange(10_000, 9_000_000):,} | {rng.uniform(10, 2000):.1f} |")
    code = []
    for i in range(40):
        name = rng.choice(["load", "parse", "merge", "rank", "split", "emit"]) + f"_{i}"
        code.append(f"def {name}(items, limit={rng.randrange(1, 64)}):\n"
                    f"    \"\"\"{rng.choice(['Returns', 'Yields', 'Counts'])} the first {{limit}} items.\"\"\"\n"
                    f"    out = [x for x in items if x % {rng.randrange(2, 9)} == 0]\n"
                    f"    return out[:limit]  # it's fine\n")
    people = ["Ana", "Bjørn", "Chloé", "Dmitri", "Eun-ji", "Farid"]
    notes = ["# Meeting notes — 2 Dec 2026", ""]
    for i in range(45):
        notes.append(f"- {rng.choice(people)}: we'll {rng.choice(['ship', 'review', 'benchmark', 'revert'])} "
                     f"the {rng.choice(['tokenizer', 'scheduler', 'KV store', 'dashboard'])} by "
                     f"{rng.choice(['Friday', 'next week', 'tomorrow'])} ({rng.randrange(1, 100)}% done) 👍")
    return ["\n".join(log), "\n".join(table), "\n".join(code), "\n".join(notes),
            "<|im_start|>user\nSummarise this log:\n" + "\n".join(log[:80]) + "<|im_end|>\n<|im_start|>assistant\n"]


def main():
    llm = Llama(model_path=sys.argv[1], vocab_only=True, verbose=False)
    cases = [("text", t, t.encode()) for t in SHORT + long_texts()] + [("hex", b.hex(), b) for b in HEX]
    out = []
    for kind, value, raw in cases:
        ids = llm.tokenize(raw, add_bos=False, special=True)
        plain = llm.tokenize(raw, add_bos=False, special=False)
        detok = llm.detokenize(ids).decode("utf-8", errors="replace")
        out.append({kind: value, "ids": ids, "ids_plain": plain, "detokenized": detok})
    json.dump({"model": sys.argv[1].split("/")[-1], "llama_cpp_python": "0.3.36", "cases": out},
              sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")


main()
