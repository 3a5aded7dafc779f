"""Tiny BERTs for the text ground truth (issue #15, bench/groundtruth/text), reproducibly, on CPU.

One checkpoint per corpus, pretrained with masked-language modelling (no labels) on real text
that bench/groundtruth/text/corpora.ts cleans and writes to bench/groundtruth/text/corpus/:
  mails  the SpamAssassin corpus (6,043 mails, subject + body, ≤ 600 characters each)
  sotu   State of the Union addresses split into ~50-word passages (25,732)
For each: a WordPiece tokenizer (vocabulary 4,000, lower-cased) trained on the corpus, a BERT with
hidden size 64, 2 layers, 4 heads, intermediate 128, 64 positions (texts are cut at 64 tokens,
as the tool cuts them at the tokenizer's maximum), trained for STEPS = 2000 steps of 32 sequences (AdamW lr 2e-3, 50 warm-up steps, linear decay, 15% masking, loss on the masked positions only), seed 0, one CPU
thread; saved with save_pretrained (safetensors) plus sentence-transformers mean pooling
(modules.json, 1_Pooling) under bench/groundtruth/text/checkpoints/<corpus>/.

The checkpoints are pretrained on every text of their corpus, the rows the benchmark later
samples its tasks from included (unlabelled, domain-adaptive pretraining): the truth measures this
checkpoint against TF-IDF, which is what the tool is asked about.

Run: npx tsx bench/groundtruth/text/corpora.ts
     /work/venv/bin/python scripts/hf-fixtures/make_text_groundtruth.py mails   (≈ 12 min on a busy 2-core machine)
     /work/venv/bin/python scripts/hf-fixtures/make_text_groundtruth.py sotu    (≈ 12 min on a busy 2-core machine)
"""
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForMaskedLM, BertModel, DataCollatorForLanguageModeling, PreTrainedTokenizerFast

ROOT = Path(__file__).resolve().parents[2]
TEXT = ROOT / 'bench' / 'groundtruth' / 'text'
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
MAX_LEN = 64
BATCH = 32

name = sys.argv[1]
assert name in ('mails', 'sotu'), 'usage: make_text_groundtruth.py mails|sotu [steps]'
OUT = TEXT / 'checkpoints' / name
torch.set_num_threads(1)
random.seed(0)
np.random.seed(0)
torch.manual_seed(0)

corpus = [line for line in (TEXT / 'corpus' / f'{name}.txt').read_text(encoding='utf8').split('\n') if line.strip()]
print(f'{name}: {len(corpus)} texts', flush=True)

tok = Tokenizer(models.WordPiece(unk_token='[UNK]'))
tok.normalizer = normalizers.BertNormalizer(lowercase=True)
tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
tok.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=4000, min_frequency=2, special_tokens=['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']))
cls, sep = tok.token_to_id('[CLS]'), tok.token_to_id('[SEP]')
tok.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1', special_tokens=[('[CLS]', cls), ('[SEP]', sep)])
fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token='[UNK]', pad_token='[PAD]', cls_token='[CLS]', sep_token='[SEP]', mask_token='[MASK]', model_max_length=MAX_LEN)

config = BertConfig(vocab_size=len(fast), hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128, max_position_embeddings=MAX_LEN, type_vocab_size=2)
model = BertForMaskedLM(config)
collator = DataCollatorForLanguageModeling(fast, mlm_probability=0.15)
encoded = [fast(s, truncation=True, max_length=MAX_LEN)['input_ids'] for s in corpus]
print(f'tokenized: mean {np.mean([len(e) for e in encoded]):.1f} tokens per text', flush=True)
optim = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
schedule = torch.optim.lr_scheduler.LambdaLR(optim, lambda s: min(1.0, (s + 1) / 50) * max(0.05, 1 - s / STEPS))
model.train()
started = time.time()
order = np.random.permutation(len(encoded))
cursor = 0
running = 0.0
for step in range(STEPS):
    if cursor + BATCH > len(order):
        order = np.random.permutation(len(encoded))
        cursor = 0
    batch = collator([{'input_ids': encoded[i]} for i in order[cursor:cursor + BATCH]])
    cursor += BATCH
    labels = batch['labels']
    hidden = model.bert(input_ids=batch['input_ids'], attention_mask=batch['attention_mask']).last_hidden_state
    masked = labels != -100
    logits = model.cls(hidden[masked])
    loss = torch.nn.functional.cross_entropy(logits, labels[masked])
    optim.zero_grad()
    loss.backward()
    optim.step()
    schedule.step()
    running += loss.item()
    if (step + 1) % 20 == 0:
        print(f'step {step + 1}/{STEPS}: MLM loss {running / 20:.3f} ({time.time() - started:.0f} s)', flush=True)
        running = 0.0
model.eval()

OUT.mkdir(parents=True, exist_ok=True)
encoder = BertModel(config, add_pooling_layer=False)
encoder.load_state_dict({k[len('bert.'):]: v for k, v in model.state_dict().items() if k.startswith('bert.')})
encoder.save_pretrained(OUT, safe_serialization=True)
fast.save_pretrained(OUT)
(OUT / 'modules.json').write_text(json.dumps([
    {'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
    {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'},
], indent=2) + '\n')
(OUT / '1_Pooling').mkdir(exist_ok=True)
(OUT / '1_Pooling' / 'config.json').write_text(json.dumps({'word_embedding_dimension': 64, 'pooling_mode_cls_token': False, 'pooling_mode_mean_tokens': True, 'pooling_mode_max_tokens': False}, indent=2) + '\n')
print(f'checkpoint written to {OUT} after {time.time() - started:.0f} s', flush=True)
