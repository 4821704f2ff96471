"""Drives a running `pdscope serve` with the real openai-python client and raw HTTP, and prints
what it observed as one JSON object (ServeEndToEndTests asserts on it).

usage: serve_client.py BASE_URL AUTH_BASE_URL API_KEY
  BASE_URL       a server without an API key
  AUTH_BASE_URL  a server started with --api-key API_KEY and a tiny KV pool (--kv-blocks 8)
"""
import asyncio
import json
import sys
import time
import urllib.error
import urllib.request

import openai
from prometheus_client.parser import text_string_to_metric_families

BASE, AUTH_BASE, KEY = sys.argv[1], sys.argv[2], sys.argv[3]
MODEL = "tiny"
client = openai.OpenAI(base_url=BASE + "/v1", api_key="unused", max_retries=0, timeout=60)
out = {}
completion_tokens_seen = 0
requests_seen = 0


def count(usage):
    global completion_tokens_seen, requests_seen
    completion_tokens_seen += usage.completion_tokens
    requests_seen += 1


def http(method, url, body=None, headers=None):
    """Status, headers and parsed JSON (or text) of one raw request."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            status, hdrs, raw = r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, dict(e.headers), e.read()
    try:
        return status, hdrs, json.loads(raw)
    except ValueError:
        return status, hdrs, raw.decode(errors="replace")


def metrics(base):
    """{(name, engine): value} of the counters and gauges, and every family's type."""
    status, _, text = http("GET", base + "/metrics")
    values, types = {}, {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for s in family.samples:
            key = s.name + ("{finished_reason=%s}" % s.labels["finished_reason"] if "finished_reason" in s.labels else "")
            values.setdefault(key, {})[s.labels.get("engine", "")] = s.value
    return status, values, types


# Streaming chat with usage: role on the first chunk, finish_reason on the last content chunk,
# a usage-only chunk after it.
chunks = list(client.chat.completions.create(
    model=MODEL, messages=[{"role": "user", "content": "Tell me a story"}], max_tokens=12, stream=True,
    stream_options={"include_usage": True}, extra_body={"ignore_eos": True}))
content = [c for c in chunks if c.choices]
out["chat_stream"] = {
    "content_chunks": len(content),
    "first_role": content[0].choices[0].delta.role,
    "later_roles": [c.choices[0].delta.role for c in content[1:] if c.choices[0].delta.role],
    "finish_reasons": [c.choices[0].finish_reason for c in content],
    "usage_last": chunks[-1].usage is not None and not chunks[-1].choices,
    "completion_tokens": chunks[-1].usage.completion_tokens,
    "prompt_tokens": chunks[-1].usage.prompt_tokens,
    "text": "".join(c.choices[0].delta.content or "" for c in content),
}
count(chunks[-1].usage)

# Non-streamed completion.
r = client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=20, extra_body={"ignore_eos": True})
out["completion"] = {"text": r.choices[0].text, "finish_reason": r.choices[0].finish_reason,
                     "completion_tokens": r.usage.completion_tokens, "prompt_tokens": r.usage.prompt_tokens,
                     "total_tokens": r.usage.total_tokens, "object": r.object}
count(r.usage)
plain = r.choices[0].text

# Stop strings: the text ends just before the first occurrence of a piece of the plain output.
stop = None
for start in range(4, len(plain) - 3):
    candidate = plain[start:start + 3]
    if plain.find(candidate) == start and candidate.strip():
        stop = candidate
        break
r = client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=20, stop=[stop],
                              extra_body={"ignore_eos": True})
out["stop"] = {"stop": stop, "expected": plain[:plain.find(stop)], "text": r.choices[0].text,
               "finish_reason": r.choices[0].finish_reason, "completion_tokens": r.usage.completion_tokens}
count(r.usage)
streamed = client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=20, stop=stop, stream=True,
                                     stream_options={"include_usage": True}, extra_body={"ignore_eos": True})
pieces, finish = [], None
for c in streamed:
    if c.choices:
        pieces.append(c.choices[0].text)
        finish = c.choices[0].finish_reason or finish
    else:
        count(c.usage)
out["stop"]["streamed_text"] = "".join(pieces)
out["stop"]["streamed_finish"] = finish

# Seeds: the same seed gives the same sampled text, another seed another text.
def sampled(seed):
    r = client.completions.create(model=MODEL, prompt="The little dog", max_tokens=24, temperature=1.0, seed=seed,
                                  extra_body={"ignore_eos": True})
    count(r.usage)
    return r.choices[0].text
out["seed"] = {"a": sampled(42), "b": sampled(42), "c": sampled(43)}


# 32 concurrent streams.
async def concurrent(n):
    aclient = openai.AsyncOpenAI(base_url=BASE + "/v1", api_key="unused", max_retries=0, timeout=120)

    async def one(i):
        times, finish, usage = [], None, None
        stream = await aclient.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "request %d" % i}], max_tokens=64, stream=True,
            stream_options={"include_usage": True}, user="client-%d" % i, extra_body={"ignore_eos": True})
        async for c in stream:
            if c.choices:
                times.append(time.monotonic())
                finish = c.choices[0].finish_reason or finish
            else:
                usage = c.usage
        return {"chunks": len(times), "finish": finish, "first": times[0], "last": times[-1],
                "completion_tokens": usage.completion_tokens}
    results = await asyncio.gather(*(one(i) for i in range(n)))
    await aclient.close()
    return results
results = asyncio.run(concurrent(32))
for r in results:
    completion_tokens_seen += r["completion_tokens"]
    requests_seen += 1
out["concurrent"] = {
    "finishes": [r["finish"] for r in results],
    "chunks": [r["chunks"] for r in results],
    "completion_tokens": [r["completion_tokens"] for r in results],
    # Streams whose tokens were arriving while another stream's were (their first-to-last token
    # intervals intersect): sequential service would give 0.
    "overlapping": sum(1 for r in results
                       if any(o is not r and o["first"] < r["last"] and r["first"] < o["last"] for o in results)),
}

# A client that drops mid-stream: its request is aborted and its KV freed.
_, before, _ = metrics(BASE)
aborted_before = sum(before.get("vllm:request_success_total{finished_reason=abort}", {}).values())
stream = client.completions.create(model=MODEL, prompt="A long story", max_tokens=480, stream=True,
                                   extra_body={"ignore_eos": True})
received = 0
for c in stream:
    received += 1
    if received == 3:
        break
stream.close()
deadline = time.monotonic() + 20
while True:
    _, values, _ = metrics(BASE)
    running = sum(values["vllm:num_requests_running"].values())
    kv = sum(values["vllm:kv_cache_usage_perc"].values())
    aborted = sum(values.get("vllm:request_success_total{finished_reason=abort}", {}).values()) - aborted_before
    if (running == 0 and kv == 0 and aborted >= 1) or time.monotonic() > deadline:
        break
    time.sleep(0.05)
out["drop"] = {"received": received, "running": running, "kv_usage": kv, "aborted": aborted}
requests_seen += 1

# Errors, OpenAI-shaped.
def error(status, body):
    e = body.get("error", {}) if isinstance(body, dict) else {}
    return {"status": status, "type": e.get("type"), "param": e.get("param"), "code": e.get("code"),
            "message": e.get("message")}
errors = {}
s, h, b = http("POST", BASE + "/v1/completions", b"{not json")
errors["malformed"] = error(s, b)
s, h, b = http("POST", BASE + "/v1/completions", {"model": MODEL, "prompt": "hi", "temperature": "hot"})
errors["bad_type"] = error(s, b)
s, h, b = http("POST", BASE + "/v1/completions", {"model": MODEL, "prompt": "hi", "max_tokens": 0})
errors["bad_value"] = error(s, b)
s, h, b = http("POST", BASE + "/v1/chat/completions", {"model": MODEL})
errors["missing_messages"] = error(s, b)
s, h, b = http("POST", BASE + "/v1/completions", {"model": "no-such-model", "prompt": "hi"})
errors["unknown_model"] = error(s, b)
s, h, b = http("GET", BASE + "/v1/nothing-here")
errors["unknown_path"] = error(s, b)
s, h, b = http("POST", BASE + "/v1/completions", b'{"prompt": "' + b"a" * (9 * 1024 * 1024) + b'"}')
errors["oversized"] = error(s, b)
s, h, b = http("POST", BASE + "/v1/completions", {"model": MODEL, "prompt": "word " * 2000})
errors["too_long"] = error(s, b)
s, h, b = http("POST", AUTH_BASE + "/v1/completions", {"model": MODEL, "prompt": "hi"})
errors["no_key"] = error(s, b)
s, h, b = http("POST", AUTH_BASE + "/v1/completions", {"model": MODEL, "prompt": "hi"},
               {"Content-Type": "application/json", "Authorization": "Bearer wrong"})
errors["wrong_key"] = error(s, b)
s, h, b = http("POST", AUTH_BASE + "/v1/completions", {"model": MODEL, "prompt": "hi " * 100, "max_tokens": 300},
               {"Content-Type": "application/json", "Authorization": "Bearer " + KEY})
errors["no_room"] = error(s, b)
errors["no_room"]["retry_after"] = h.get("Retry-After")
authed = openai.OpenAI(base_url=AUTH_BASE + "/v1", api_key=KEY, max_retries=0)
errors["right_key_text"] = authed.completions.create(model=MODEL, prompt="hi", max_tokens=3).choices[0].text
try:
    openai.OpenAI(base_url=AUTH_BASE + "/v1", api_key="wrong", max_retries=0).models.list()
    errors["client_wrong_key"] = "accepted"
except openai.AuthenticationError:
    errors["client_wrong_key"] = "AuthenticationError"
out["errors"] = errors

# Models, health, version.
models = client.models.list()
out["models"] = {"ids": [m.id for m in models.data], "root": models.data[0].model_extra.get("root")}
out["health"] = http("GET", BASE + "/health")[0]
out["version"] = http("GET", BASE + "/version")[2]

# /metrics parsed with prometheus_client; counters against what this client saw.
status, values, types = metrics(BASE)
out["metrics"] = {
    "status": status,
    "types": types,
    "generation_tokens": sum(values["vllm:generation_tokens_total"].values()),
    "success": {reason: sum(values.get("vllm:request_success_total{finished_reason=%s}" % reason, {}).values())
                for reason in ("stop", "length", "abort")},
    "ttft_count": sum(values["vllm:time_to_first_token_seconds_count"].values()),
    "e2e_count": sum(values["vllm:e2e_request_latency_seconds_count"].values()),
    "engines": sorted(values["vllm:num_requests_running"].keys()),
    "running": sum(values["vllm:num_requests_running"].values()),
    "kv_usage": sum(values["vllm:kv_cache_usage_perc"].values()),
    "transfers": sum(values["vllm:nixl_xfer_time_seconds_count"].values()),
}
out["client"] = {"completion_tokens": completion_tokens_seen, "requests": requests_seen,
                 "drop_received": received}
print(json.dumps(out))
