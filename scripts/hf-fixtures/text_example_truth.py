"""Measured truth for examples/text (issue #15): does a linear probe on the checkpoint's features
beat the TF-IDF model a practitioner would train from scratch, at the config's n?

Independent of TransferLens's TypeScript: features from `transformers` (PyTorch), arms from
scikit-learn. R = 40 draws of n training rows from examples/text/data/reviews.csv, each tested on
all other rows: (a) RidgeClassifierCV (alphas 1e-3…1e3) on the pooled features (the pooling
TransferLens uses for the folder: sentence-transformers mean when modules.json says so, else the
BERT pooler when its weights exist, else [CLS]), truncated at max_seq_length; (b) TF-IDF word
1-2-grams + char_wb 2-4-grams (sublinear tf) with RidgeClassifierCV. The gain is scratch error −
probe error; the verdict is 'positive' / 'negative' when its 95% interval over draws excludes 0.

Run: /work/venv/bin/python scripts/hf-fixtures/text_example_truth.py
"""
import csv
import json
from pathlib import Path

import numpy as np
import torch
import yaml
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeClassifierCV
from transformers import AutoModel, AutoTokenizer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / 'examples' / 'text'
cfg = yaml.safe_load((EXAMPLE / 'config.yaml').read_text())
folder = (EXAMPLE / cfg['model_name_or_path']).resolve()
n = int(cfg['max_train_samples'])
max_len = int(cfg.get('max_seq_length', 128))
tok = AutoTokenizer.from_pretrained(folder)
model = AutoModel.from_pretrained(folder).eval()
if (folder / 'modules.json').exists():
    pooling = 'mean'
elif getattr(model, 'pooler', None) is not None:
    pooling = 'pooler'
else:
    pooling = 'cls'

with open(EXAMPLE / 'data' / 'reviews.csv') as f:
    rows = list(csv.DictReader(f))
texts = [r['text'] for r in rows]
y = np.array([1 if r['label'] == 'pos' else 0 for r in rows])
feats = []
with torch.no_grad():
    for b in range(0, len(texts), 64):
        enc = tok(texts[b:b + 64], truncation=True, max_length=max_len, padding=True, return_tensors='pt')
        out = model(**enc)
        h = out.last_hidden_state
        if pooling == 'mean':
            m = enc['attention_mask'].unsqueeze(-1).float()
            feats.append(((h * m).sum(1) / m.sum(1)).numpy())
        elif pooling == 'pooler':
            feats.append(out.pooler_output.numpy())
        else:
            feats.append(h[:, 0].numpy())
phi = np.concatenate(feats)
alphas = np.logspace(-3, 3, 13)
gains, probe_err, scratch_err = [], [], []
rng = np.random.default_rng(0)
for r in range(40):
    idx = rng.permutation(len(texts))
    tr, te = idx[:n], idx[n:]
    if len(set(y[tr])) < 2:
        continue
    pe = float(np.mean(RidgeClassifierCV(alphas=alphas).fit(phi[tr], y[tr]).predict(phi[te]) != y[te]))
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    char = TfidfVectorizer(analyzer='char_wb', ngram_range=(2, 4), sublinear_tf=True)
    xtr = hstack([word.fit_transform([texts[i] for i in tr]), char.fit_transform([texts[i] for i in tr])]).tocsr()
    xte = hstack([word.transform([texts[i] for i in te]), char.transform([texts[i] for i in te])]).tocsr()
    se_ = float(np.mean(RidgeClassifierCV(alphas=alphas).fit(xtr, y[tr]).predict(xte) != y[te]))
    probe_err.append(pe)
    scratch_err.append(se_)
    gains.append(se_ - pe)
gains = np.array(gains)
mean, se = float(gains.mean()), float(gains.std(ddof=1) / np.sqrt(len(gains)))
verdict = 'positive' if mean - 1.96 * se > 0 else 'negative' if mean + 1.96 * se < 0 else 'too-close'
truth = {
    'checkpoint': cfg['model_name_or_path'], 'n': n, 'draws': int(len(gains)), 'maxSeqLength': max_len, 'pooling': pooling,
    'probeError': float(np.mean(probe_err)), 'scratchError': float(np.mean(scratch_err)),
    'gain': mean, 'gainStandardError': se, 'verdict': verdict,
    'how': 'scripts/hf-fixtures/text_example_truth.py: scikit-learn RidgeClassifierCV probe on the pooled features (transformers, PyTorch) vs TF-IDF (word 1-2 + char_wb 2-4) RidgeClassifierCV, each trained on n rows and tested on the other rows, 40 draws',
}
(EXAMPLE / 'truth.json').write_text(json.dumps(truth, indent=2) + '\n')
print(truth)
