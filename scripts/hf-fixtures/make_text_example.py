"""The text example's checkpoint and its measured truth (issue #15), reproducibly, on CPU.

1. A corpus of 24,000 review-like sentences generated from the word lists of
   scripts/text-fixtures/make.ts (seeded). Clauses joined by "and" share their polarity and
   clauses joined by "but" flip it, so masked-language modelling can learn which words are
   positive and which are negative from context alone (no labels are used).
2. A WordPiece tokenizer (tokenizers) and a tiny BERT (hidden 64, 2 layers, 4 heads) pretrained
   with masked-language modelling for 2 epochs (transformers, torch CPU, seed 0), saved with
   save_pretrained (safetensors) plus sentence-transformers mean pooling (modules.json,
   1_Pooling) as examples/text/checkpoint/.
3. The measured truth is computed by scripts/hf-fixtures/text_example_truth.py.

Run: /work/venv/bin/python scripts/hf-fixtures/make_text_example.py   (minutes on a busy 2-core
machine; 40 on the day it was made), then text_example_truth.py.
"""
import json
import random
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForMaskedLM, BertModel, DataCollatorForLanguageModeling, PreTrainedTokenizerFast

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / 'examples' / 'text' / 'checkpoint'
random.seed(0)
np.random.seed(0)
torch.manual_seed(0)

VALENCE = {'good': 3, 'great': 3, 'excellent': 3, 'wonderful': 4, 'superb': 5, 'enjoyable': 2, 'fun': 2, 'charming': 3, 'clever': 2, 'moving': 2,
           'bad': -3, 'awful': -3, 'boring': -3, 'dull': -2, 'terrible': -3, 'weak': -2, 'tedious': -2, 'messy': -2, 'annoying': -2, 'poor': -2}
POS = [w for w, v in VALENCE.items() if v > 0]
NEG = [w for w, v in VALENCE.items() if v < 0]
SUBJECTS = ['the film', 'the movie', 'the plot', 'the cast', 'the soundtrack', 'the ending', 'the script', 'the pacing', 'the dialogue', 'the story']
VERBS = ['was', 'felt', 'seemed', 'looked', 'turned out']
FILLER = ['quite', 'really', 'very', 'rather', 'truly', 'somewhat', '']
TAILS = ['overall', 'at times', 'for most of it', 'in the end', 'to me', 'honestly', '']


def clause(positive):
    word = random.choice(POS if positive else NEG)
    return ' '.join(x for x in [random.choice(SUBJECTS), random.choice(VERBS), random.choice(FILLER), word, random.choice(TAILS)] if x)


def corpus_sentence():
    polarity = random.random() < 0.5
    parts = [clause(polarity)]
    for _ in range(random.randint(0, 2)):
        joiner = random.choice([' and ', ' but '])
        if joiner == ' but ':
            polarity = not polarity
        parts.append(joiner + clause(polarity))
    return ''.join(parts)


corpus = [corpus_sentence() for _ in range(24000)]

tok = Tokenizer(models.WordPiece(unk_token='[UNK]'))
tok.normalizer = normalizers.BertNormalizer(lowercase=True)
tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
tok.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=400, special_tokens=['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']))
cls, sep = tok.token_to_id('[CLS]'), tok.token_to_id('[SEP]')
tok.post_processor = processors.TemplateProcessing(single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1', special_tokens=[('[CLS]', cls), ('[SEP]', sep)])
fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token='[UNK]', pad_token='[PAD]', cls_token='[CLS]', sep_token='[SEP]', mask_token='[MASK]', model_max_length=64)

config = BertConfig(vocab_size=len(fast), hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128, max_position_embeddings=64, type_vocab_size=2)
model = BertForMaskedLM(config)
collator = DataCollatorForLanguageModeling(fast, mlm_probability=0.15)
encoded = [fast(s, truncation=True, max_length=64)['input_ids'] for s in corpus]
optim = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
model.train()
for epoch in range(2):
    order = np.random.permutation(len(encoded))
    total = 0.0
    for b in range(0, len(order), 64):
        batch = collator([{'input_ids': encoded[i]} for i in order[b:b + 64]])
        loss = model(**batch).loss
        optim.zero_grad()
        loss.backward()
        optim.step()
        total += loss.item()
    print(f'epoch {epoch}: mean MLM loss {total / (len(order) / 64):.3f}')
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

# The measured truth: scripts/hf-fixtures/text_example_truth.py (run it after this script).
print('checkpoint written to', OUT)
