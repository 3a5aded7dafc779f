"""The full fine-tuning arm of the text ground truth (issue #15, bench/groundtruth/text, family
text-full): the tiny BERT fine-tuned end to end on every draw of n training rows, tested on the
case's held-out rows.

bench/groundtruth/text/run.ts writes, per full case, work/finetune/<case>.json with the checkpoint
folder, the task, the held-out texts and labels, and the training texts and labels of each draw
(the same draws its TF-IDF and probe arms use). This script fine-tunes, per draw, a fresh copy of
the checkpoint with a head on its mean-pooled output (the pooling its modules.json declares):
  classification: linear head, cross-entropy; regression: linear head, MSE on standardised y;
  AdamW lr 3e-4 (head and encoder), weight decay 0.01, batch 16, epochs = clamp(1600 / n, 4, 30),
  texts cut at the tokenizer's 64 tokens, seed = draw index, one CPU thread;
and writes the test risk of each draw (error rate; regression MSE in label units²) to the case
folder's ft.json. No early stopping on the test rows: the recipe is fixed in advance.

Run: /work/venv/bin/python scripts/hf-fixtures/text_groundtruth_finetune.py [case-id ...]
     then npx tsx bench/groundtruth/text/run.ts --generate-only (folds ft.json into truth.json).
"""
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / 'bench' / 'groundtruth' / 'text' / 'work' / 'finetune'
torch.set_num_threads(1)


def pooled(model, batch):
    hidden = model(input_ids=batch['input_ids'], attention_mask=batch['attention_mask']).last_hidden_state
    mask = batch['attention_mask'].unsqueeze(-1).float()
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def run_case(spec):
    folder = ROOT / spec['checkpoint']
    tok = AutoTokenizer.from_pretrained(folder)
    regression = spec['task'] == 'regression'
    classes = spec['classNames']
    encode = lambda texts: tok(texts, truncation=True, max_length=64, padding=True, return_tensors='pt')
    test = encode(spec['test']['texts'])
    test_y = spec['test']['labels']
    risks = []
    for d, draw in enumerate(spec['draws']):
        started = time.time()
        torch.manual_seed(d)
        rng = np.random.default_rng(d)
        model = AutoModel.from_pretrained(folder)
        n = len(draw['texts'])
        if regression:
            y = np.array(draw['labels'], dtype=np.float64)
            mu, sd = y.mean(), y.std() or 1.0
            target = torch.tensor((y - mu) / sd, dtype=torch.float32)
            head = torch.nn.Linear(model.config.hidden_size, 1)
        else:
            target = torch.tensor([classes.index(v) for v in draw['labels']])
            head = torch.nn.Linear(model.config.hidden_size, len(classes))
        params = list(model.parameters()) + list(head.parameters())
        optim = torch.optim.AdamW(params, lr=3e-4, weight_decay=0.01)
        train = encode(draw['texts'])
        epochs = int(min(30, max(4, math.ceil(1600 / n))))
        model.train()
        for _ in range(epochs):
            order = rng.permutation(n)
            for b in range(0, n, 16):
                idx = torch.tensor(order[b:b + 16])
                batch = {k: v[idx] for k, v in train.items()}
                out = head(pooled(model, batch))
                loss = torch.nn.functional.mse_loss(out.squeeze(-1), target[idx]) if regression else torch.nn.functional.cross_entropy(out, target[idx])
                optim.zero_grad()
                loss.backward()
                optim.step()
        model.eval()
        with torch.no_grad():
            outs = []
            for b in range(0, len(test_y), 128):
                batch = {k: v[b:b + 128] for k, v in test.items()}
                outs.append(head(pooled(model, batch)))
            out = torch.cat(outs)
        if regression:
            pred = out.squeeze(-1).numpy() * sd + mu
            risk = float(np.mean((pred - np.array(test_y, dtype=np.float64)) ** 2))
        else:
            pred = out.argmax(-1).numpy()
            risk = float(np.mean([classes[p] != t for p, t in zip(pred, test_y)]))
        risks.append(risk)
        print(f"{spec['id']} draw {d}: risk {risk:.4f} ({epochs} epochs, {time.time() - started:.0f} s)", flush=True)
    out_file = ROOT / spec['out']
    out_file.write_text(json.dumps({'id': spec['id'], 'risks': risks, 'recipe': 'AdamW lr 3e-4, wd 0.01, batch 16, epochs clamp(1600/n, 4, 30), mean pooling + linear head, max 64 tokens'}, indent=2) + '\n')
    print(f'{spec["id"]}: mean risk {np.mean(risks):.4f} over {len(risks)} draws → {out_file}', flush=True)


ids = sys.argv[1:]
for path in sorted(WORK.glob('*.json')):
    spec = json.loads(path.read_text())
    if ids and spec['id'] not in ids:
        continue
    run_case(spec)
