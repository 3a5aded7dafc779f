"""PyTorch side of bench/hf-features.ts (a benchmark, never a test).

  make <dir>                 writes randomly initialised, seeded BERT-base-sized, ViT-base-sized and
                             ResNet-50 models into <dir>/<name>/ (save_pretrained safetensors, float32)
                             with an ONNX export of each at onnx/model.onnx (torch.onnx.export, opset
                             17, dynamo=False, dynamic batch/sequence axes, outputs last_hidden_state
                             and pooler_output, as optimum exports them). Skips models already there.
  time <dir> <name> <batch> <runs> <threads>
                             feature extraction samples/second on CPU with torch.set_num_threads:
                             the model's forward under torch.inference_mode on a fixed seeded batch
                             (BERT: 128 tokens; ViT: 224 px; ResNet-50: 224 px) + the family's
                             pooling, median of <runs> timed batches after one warm-up. Prints JSON.

Needs torch, transformers, safetensors, onnx (the Python package mirror); bench/hf-features.ts runs
it with /work/venv/bin/python when that exists, else python3, and skips PyTorch with a note otherwise.
"""
import json
import os
import sys
import time

import torch

SEQ = 128
SIDE = 224
MODELS = ("bert-base", "vit-base", "resnet-50")


def build(name):
    from transformers import BertConfig, BertModel, ResNetConfig, ResNetModel, ViTConfig, ViTModel
    torch.manual_seed(16)
    if name == "bert-base":
        return BertModel(BertConfig()), "text"  # 12 layers, hidden 768, vocab 30,522: 110 M parameters
    if name == "vit-base":
        return ViTModel(ViTConfig()), "image"  # 224 px, patch 16, 12 layers, hidden 768: 86 M
    if name == "resnet-50":
        return ResNetModel(ResNetConfig()), "image"  # bottleneck [3, 4, 6, 3], 2,048 channels: 23.5 M
    raise SystemExit(f"unknown model {name}")


def inputs_for(name, batch):
    g = torch.Generator().manual_seed(7)
    if name == "bert-base":
        ids = torch.randint(1000, 30000, (batch, SEQ), generator=g)
        ids[:, 0] = 101
        ids[:, -1] = 102
        return {"input_ids": ids, "attention_mask": torch.ones(batch, SEQ, dtype=torch.int64),
                "token_type_ids": torch.zeros(batch, SEQ, dtype=torch.int64)}
    return {"pixel_values": torch.randn(batch, 3, SIDE, SIDE, generator=g)}


def make(directory):
    for name in MODELS:
        folder = os.path.join(directory, name)
        if os.path.exists(os.path.join(folder, "onnx", "model.onnx")):
            continue
        model, modality = build(name)
        model.eval()
        model.save_pretrained(folder)
        inputs = inputs_for(name, 1)
        names = list(inputs)
        with_pooler = True
        outputs = ["last_hidden_state", "pooler_output"]
        dynamic = {n: ({0: "batch", 1: "sequence"} if modality == "text" else {0: "batch"}) for n in names}
        dynamic["last_hidden_state"] = {0: "batch", 1: "sequence"} if modality == "text" else {0: "batch"}
        dynamic["pooler_output"] = {0: "batch"}

        class Wrapper(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, *args):
                out = self.m(**dict(zip(names, args)), return_dict=True)
                return (out.last_hidden_state, out.pooler_output) if with_pooler else (out.last_hidden_state,)

        os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
        torch.onnx.export(Wrapper(model).eval(), tuple(inputs[n] for n in names), os.path.join(folder, "onnx", "model.onnx"),
                          input_names=names, output_names=outputs, dynamic_axes=dynamic, opset_version=17, dynamo=False)
        model.eval()
        print(f"made {folder}", file=sys.stderr)


def pooled(name, out, inputs):
    if name == "bert-base":
        return out.pooler_output  # BertForSequenceClassification reads the pooler
    if name == "vit-base":
        return out.last_hidden_state[:, 0]  # ViTForImageClassification reads [CLS]
    return out.pooler_output.flatten(1)  # ResNet: global average pool


def time_model(directory, name, batch, runs, threads):
    from transformers import AutoModel
    torch.set_num_threads(threads)
    model = AutoModel.from_pretrained(os.path.join(directory, name)).eval()
    inputs = inputs_for(name, batch)
    with torch.inference_mode():
        pooled(name, model(**inputs), inputs)  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            pooled(name, model(**inputs), inputs)
            times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    print(json.dumps({"model": name, "batch": batch, "threads": threads, "torch": torch.__version__,
                      "median_s": median, "samples_per_s": batch / median, "runs_s": times}))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "time":
        time_model(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
    else:
        raise SystemExit(__doc__)
