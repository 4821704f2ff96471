"""Reference chat-template renderings (Jinja2 as transformers configures it: trim_blocks,
lstrip_blocks) for Tests/ModelTests/ChatTemplateTests.swift.

    /work/tools/venv-llama/bin/python Benchmarks/make_chat_template_goldens.py \
        ~/.cache/pdscope/models/SmolLM2-135M-Instruct.Q4_1.gguf > Benchmarks/goldens/chat-templates.json

Templates: SmolLM2's own (read from the GGUF) and a few written here to exercise whitespace
control, `set`, slicing, filters and tests. For each conversation it records the rendered text,
or that Jinja2 raised (a template that refuses the conversation).
"""
import json, sys
from jinja2.sandbox import ImmutableSandboxedEnvironment
from llama_cpp import Llama

CHATML_INDENTED = """{%- if messages[0]['role'] == 'system' %}
    {{- '<|im_start|>system\\n' + messages[0]['content'] | trim + '<|im_end|>\\n' }}
{%- else %}
    {{- '<|im_start|>system\\nYou answer briefly.<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if message.role == 'system' and loop.first %}
    {%- elif message.role in ['user', 'assistant'] %}
        {{- '<|im_start|>' ~ message.role ~ '\\n' ~ message.content ~ '<|im_end|>' + '\\n' }}
    {%- else %}
        {{- raise_exception('Unknown role: ' + message.role) }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
"""

SET_AND_SLICE = """{% if messages[0].role == "system" %}{% set system = messages[0].content %}{% set rest = messages[1:] %}\
{% else %}{% set system = "Be kind." %}{% set rest = messages %}{% endif %}
<|im_start|>system
{{ system }}<|im_end|>
{% for m in rest %}
<|im_start|>{{ m['role'] }}
{{ m['content'].strip() }}<|im_end|>
{% endfor %}
{% if add_generation_prompt %}<|im_start|>assistant
{% endif %}"""

BLOCKS_WITHOUT_DASHES = """{% for message in messages %}
  {% if loop.index0 == 0 and message.role != 'system' %}
<|im_start|>system
Default system text.<|im_end|>
  {% endif %}
<|im_start|>{{ message.role }}
{{ message.content }}<|im_end|>
{% endfor %}
{% if add_generation_prompt is defined and add_generation_prompt %}
<|im_start|>assistant
{% endif %}"""

INST_STYLE = """{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}\
{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}\
{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}\
{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}"""

CONVERSATIONS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "system", "content": "  You are terse.  "}, {"role": "user", "content": "Hi!\nHow are you?"}],
    [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": " 4 "}, {"role": "user", "content": "And 3+3? ünïcödé 😀"}],
    [{"role": "user", "content": "{{ not a tag }} {% neither %}"}],
]


def main():
    llm = Llama(model_path=sys.argv[1], vocab_only=True, verbose=False)
    templates = {"smollm2": llm.metadata["tokenizer.chat_template"], "chatml-indented": CHATML_INDENTED,
                 "set-and-slice": SET_AND_SLICE, "blocks-without-dashes": BLOCKS_WITHOUT_DASHES, "inst-style": INST_STYLE}
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def raise_exception(message):
        raise ValueError(message)

    env.globals["raise_exception"] = raise_exception
    out = []
    for name, source in templates.items():
        template = env.from_string(source)
        for messages in CONVERSATIONS:
            for gen in (True, False):
                case = {"template": name, "messages": messages, "add_generation_prompt": gen}
                try:
                    case["rendered"] = template.render(messages=messages, add_generation_prompt=gen,
                                                       bos_token="<s>", eos_token="</s>")
                except ValueError as e:
                    case["error"] = str(e)
                out.append(case)
    json.dump({"templates": templates, "cases": out}, sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")


main()
