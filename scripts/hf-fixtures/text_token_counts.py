"""Independent token counts for the text truncation tests (issue #15).

Encodes the text fixtures with the reference `tokenizers` library (Python, Rust core) exactly as
TransferLens builds each sample's text — alpaca: instruction, input, output (non-empty ones) joined
by newlines; sharegpt / messages: the message contents joined by newlines — with special tokens
added, and writes the lengths to test/fixtures/text/token-counts.json. The CLI tests compare the
truncation share and the tokens cut that `transferlens analyze` reports against these counts.

Run: /work/venv/bin/python scripts/hf-fixtures/text_token_counts.py
"""
import json
from pathlib import Path

from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
TEXT = ROOT / 'test' / 'fixtures' / 'text'
MODELS = ROOT / 'test' / 'fixtures' / 'hf-models'


def alpaca(record):
    return '\n'.join(record[k] for k in ('instruction', 'input', 'output') if record.get(k))


def chat(messages, content='content'):
    return '\n'.join(m[content] for m in messages)


def lengths(model, texts):
    tok = Tokenizer.from_file(str(MODELS / model / 'tokenizer.json'))
    return [len(tok.encode(t, add_special_tokens=True).ids) for t in texts]


out = {}
chat_rows = [json.loads(line) for line in (TEXT / 'chat.jsonl').read_text().splitlines() if line.strip()]
out['axolotl-chat:llama'] = lengths('llama', [chat(r['messages']) for r in chat_rows])
alpaca_rows = json.loads((TEXT / 'data' / 'sotu_alpaca.json').read_text())
out['llamafactory-alpaca:qwen2'] = lengths('qwen2', [alpaca(r) for r in alpaca_rows])
sharegpt_rows = json.loads((TEXT / 'data' / 'chat_sharegpt.json').read_text())
out['llamafactory-sharegpt:qwen2'] = lengths('qwen2', [chat(r['conversations'], 'value') for r in sharegpt_rows])
(TEXT / 'token-counts.json').write_text(json.dumps(out, indent=1) + '\n')
print({k: (len(v), sum(v)) for k, v in out.items()})
