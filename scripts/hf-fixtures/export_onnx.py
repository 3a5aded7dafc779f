"""ONNX fixtures for issue #16 (onnxruntime-node as the optional native engine).

Two jobs, both seeded and offline (torch, transformers, tokenizers, onnx, onnxruntime from the
Python package mirror; CI never runs this):

1. `export`: every parity fixture folder under test/fixtures/hf-models/<name>/ that holds a
   `config.json`, `model.safetensors` and `reference.json` (written by make_text_encoders.py,
   make_decoders.py, make_vision.py) gets `onnx/model.onnx`: the same weights exported by
   `torch.onnx.export` (opset 17, dynamo=False, dynamic batch / sequence axes), with the outputs
   `last_hidden_state`, `pooler_output` (when the family has one) and `hidden_states.<i>` for
   every hidden state (index 0 = embeddings / stem, as `output_hidden_states=True` numbers them).
   Real third-party exports (optimum, Xenova) carry only the first two; the extra outputs let the
   ONNX engine serve `feature_layer` on our fixtures. Vision CNN outputs stay NCHW like every
   PyTorch export. After export the model is put back in eval mode (the exporter leaves it in
   training mode) and the ONNX outputs are checked against PyTorch on reference.json's inputs.

2. `onnx-only`: snapshots that hold an ONNX export and no safetensors at all, with their
   tokenizer / processor files and a reference.json computed by PyTorch before the weights were
   dropped:
     onnx-only-bert   text, BERT (a family the TF.js side implements: engine choice falls to ONNX
                      because there is nothing else), plus onnx/model_quantized.onnx (dynamic int8)
     onnx-only-vit    vision, ViT with preprocessor_config.json and two PNGs; its export has only
                      last_hidden_state and pooler_output, as optimum / Xenova exports do
     onnx-only-mpnet  text, MPNet: an architecture the TF.js side does not implement, as a
                      sentence-transformers folder (modules.json, 1_Pooling/config.json: mean)

Usage: /work/venv/bin/python scripts/hf-fixtures/export_onnx.py [export|onnx-only|all] [names…]
"""
import inspect
import json
import os
import shutil
import sys
import warnings

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "hf-models")
OPSET = 17
warnings.filterwarnings("ignore")


def tensor_json(t):
    a = t.detach().cpu().numpy().astype(np.float32)
    return {"shape": list(a.shape), "data": [float(x) for x in a.reshape(-1)]}


class Exported(torch.nn.Module):
    """Returns (last_hidden_state, [pooler_output], hidden_states…) as a flat tuple."""

    def __init__(self, model, input_names, with_pooler, with_hidden=True):
        super().__init__()
        self.with_hidden = with_hidden
        self.model = model
        self.input_names = input_names
        self.with_pooler = with_pooler
        self.stem_missing = stem_missing(model)

    def forward(self, *args):
        kwargs = dict(zip(self.input_names, args))
        out = self.model(**kwargs, output_hidden_states=True, return_dict=True)
        result = [out.last_hidden_state]
        if self.with_pooler:
            result.append(out.pooler_output)
        if self.with_hidden:
            result.extend(hidden_states(self.model, kwargs, out))
        return tuple(result)


def stem_missing(model):
    """mobilenet_v2's transformers tuple lacks the stem and the final 1x1 conv (see make_vision.py)."""
    return getattr(model.config, "model_type", None) == "mobilenet_v2"


def hidden_states(model, kwargs, out):
    """Hidden states in TransferLens' numbering (src/node/hf/types.ts): 0 = embeddings / stem."""
    hs = list(out.hidden_states)
    if stem_missing(model):
        hs = [model.conv_stem(kwargs["pixel_values"])] + hs + [out.last_hidden_state]
    return hs


def forward_accepts(model, name):
    return name in inspect.signature(model.forward).parameters


def export(model, path, inputs, modality, with_hidden=True):
    """inputs: ordered dict name → tensor. Returns output names. with_hidden=False exports only
    last_hidden_state (+ pooler_output), as optimum and Xenova exports do."""
    model.eval()
    names = list(inputs)
    with torch.no_grad():
        probe = model(**inputs, output_hidden_states=True, return_dict=True)
    with_pooler = getattr(probe, "pooler_output", None) is not None
    hidden = len(hidden_states(model, inputs, probe))
    outputs = ["last_hidden_state"] + (["pooler_output"] if with_pooler else []) + ([f"hidden_states.{i}" for i in range(hidden)] if with_hidden else [])
    if modality == "text":
        dynamic = {n: {0: "batch", 1: "sequence"} for n in names}
        for o in outputs:
            dynamic[o] = {0: "batch"} if o == "pooler_output" else {0: "batch", 1: "sequence"}
    else:
        dynamic = {n: {0: "batch"} for n in names}
        for o in outputs:
            dynamic[o] = {0: "batch"}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    wrapper = Exported(model, names, with_pooler, with_hidden).eval()
    torch.onnx.export(
        wrapper, tuple(inputs[n] for n in names), path,
        input_names=names, output_names=outputs, dynamic_axes=dynamic,
        opset_version=OPSET, dynamo=False, do_constant_folding=True,
    )
    model.eval()  # the exporter leaves modules in training mode: dropout would spoil what follows
    return outputs


def check_with_onnxruntime(path, inputs, model, label):
    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    feeds = {k: v.numpy() for k, v in inputs.items()}
    got = session.run(None, feeds)
    names = [o.name for o in session.get_outputs()]
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True, return_dict=True)
    want = {"last_hidden_state": out.last_hidden_state}
    if getattr(out, "pooler_output", None) is not None:
        want["pooler_output"] = out.pooler_output
    for i, h in enumerate(hidden_states(model, inputs, out)):
        want[f"hidden_states.{i}"] = h
    worst = 0.0
    for name, value in zip(names, got):
        if name not in want:
            continue
        diff = float(np.max(np.abs(value - want[name].detach().numpy())))
        worst = max(worst, diff)
    print(f"  {label}: onnxruntime vs PyTorch max |diff| {worst:.2e} over {len(names)} outputs")
    if worst > 1e-4:
        raise SystemExit(f"{label}: ONNX export disagrees with PyTorch ({worst})")


# ---------------------------------------------------------------------------------------------
# 1. export the parity fixtures


def load_for_export(folder, config):
    from transformers import AutoModel
    model_type = config.get("model_type")
    kwargs = {}
    if model_type in ("llama", "mistral", "qwen2", "gpt2"):
        kwargs["attn_implementation"] = "eager"
    if model_type == "clip":
        from transformers import CLIPVisionModel
        return CLIPVisionModel.from_pretrained(folder, **kwargs)
    model = AutoModel.from_pretrained(folder, **kwargs)
    if hasattr(model.config, "use_cache"):
        model.config.use_cache = False
    return model


def export_fixture(folder):
    name = os.path.basename(folder)
    with open(os.path.join(folder, "reference.json")) as f:
        reference = json.load(f)
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    modality = reference.get("modality", "text")
    torch.manual_seed(0)
    model = load_for_export(folder, config).eval()
    if modality == "text":
        inputs = {"input_ids": torch.tensor(reference["input_ids"], dtype=torch.int64),
                  "attention_mask": torch.tensor(reference["attention_mask"], dtype=torch.int64)}
        if "token_type_ids" in reference and forward_accepts(model, "token_type_ids"):
            inputs["token_type_ids"] = torch.tensor(reference["token_type_ids"], dtype=torch.int64)
    else:
        pv = reference["pixel_values"]
        inputs = {"pixel_values": torch.tensor(pv["data"], dtype=torch.float32).reshape(pv["shape"])}
    path = os.path.join(folder, "onnx", "model.onnx")
    export(model, path, inputs, modality)
    check_with_onnxruntime(path, inputs, model, name)
    # Against the committed reference (computed by the fixture script, same weights).
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True, return_dict=True)
    ref = reference["last_hidden_state"]
    diff = float(np.max(np.abs(out.last_hidden_state.numpy().reshape(-1) - np.array(ref["data"], dtype=np.float32))))
    print(f"  {name}: PyTorch now vs reference.json last_hidden_state max |diff| {diff:.2e}")
    print(f"  {name}: onnx/model.onnx {os.path.getsize(path) // 1024} KB")


def export_all(names):
    folders = sorted(d for d in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, d)))
    for d in folders:
        folder = os.path.join(ROOT, d)
        if names and d not in names:
            continue
        if d.startswith("onnx-only-"):
            continue
        if not all(os.path.exists(os.path.join(folder, f)) for f in ("config.json", "model.safetensors", "reference.json")):
            continue
        print(f"export {d}")
        try:
            export_fixture(folder)
        except SystemExit:
            raise
        except Exception as e:  # noqa: BLE001 — report the folder and go on with the others
            print(f"  {d}: NOT exported: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")


# ---------------------------------------------------------------------------------------------
# 2. ONNX-only snapshots

TEXTS = ["the quick brown fox jumps over the lazy dog", "a second, longer text about transfer learning and features it reuses"]
CORPUS = TEXTS + [
    "features are fate: what a checkpoint learned decides what transfers",
    "training from scratch can win when the target lies outside the pretrained span",
    "sample count matters as much as similarity between datasets",
    "hello world, this is a tiny tokenizer for tests",
]


def train_wordpiece(special):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    tok = Tokenizer(models.WordPiece(unk_token=special[1]))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(CORPUS * 3, trainers.WordPieceTrainer(vocab_size=200, special_tokens=special))
    return tok.get_vocab()


def text_reference(model, tokenizer, model_type, default_pooling, with_types):
    enc = tokenizer(TEXTS, padding=True, return_tensors="pt")
    inputs = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
    if with_types:
        inputs["token_type_ids"] = enc["token_type_ids"]
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True, return_dict=True)
    mask = inputs["attention_mask"].unsqueeze(-1).float()
    mean = (out.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    ref = {
        "model_type": model_type, "modality": "text",
        "transformers_version": __import__("transformers").__version__,
        "inputs": TEXTS,
        "input_ids": inputs["input_ids"].tolist(), "attention_mask": inputs["attention_mask"].tolist(),
        "last_hidden_state": tensor_json(out.last_hidden_state),
        "hidden_states": {str(i): tensor_json(h) for i, h in enumerate(out.hidden_states) if i > 0 and i < len(out.hidden_states) - 1},
        "pooled": {"cls": tensor_json(out.last_hidden_state[:, 0]), "mean": tensor_json(mean)},
        "default_pooling": default_pooling,
    }
    if with_types:
        ref["token_type_ids"] = inputs["token_type_ids"].tolist()
    if getattr(out, "pooler_output", None) is not None:
        ref["pooled"]["pooler"] = tensor_json(out.pooler_output)
    return ref, inputs


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=None, separators=(",", ":"))
        f.write("\n")


def fresh(folder):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)


def drop_weights(folder):
    for f in ("model.safetensors", "pytorch_model.bin", "generation_config.json"):
        p = os.path.join(folder, f)
        if os.path.exists(p):
            os.remove(p)


def onnx_only_bert():
    from transformers import BertConfig, BertModel, BertTokenizer
    folder = os.path.join(ROOT, "onnx-only-bert")
    fresh(folder)
    torch.manual_seed(1601)
    vocab = train_wordpiece(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tokenizer = BertTokenizer(vocab=vocab, model_max_length=64)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=64, type_vocab_size=2,
                        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    model = BertModel(config).eval()
    ref, inputs = text_reference(model, tokenizer, "bert", "pooler", True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    path = os.path.join(folder, "onnx", "model.onnx")
    export(model, path, inputs, "text")
    check_with_onnxruntime(path, inputs, model, "onnx-only-bert")
    # Dynamic int8 quantisation, as Xenova / optimum ship it beside the fp32 graph.
    from onnxruntime.quantization import QuantType, quantize_dynamic
    quantize_dynamic(path, os.path.join(folder, "onnx", "model_quantized.onnx"), weight_type=QuantType.QInt8)
    drop_weights(folder)
    write_json(os.path.join(folder, "reference.json"), ref)


def onnx_only_mpnet():
    from transformers import MPNetConfig, MPNetModel, MPNetTokenizer
    folder = os.path.join(ROOT, "onnx-only-mpnet")
    fresh(folder)
    torch.manual_seed(1602)
    vocab = train_wordpiece(["<s>", "<unk>", "</s>", "<pad>", "<mask>"])
    tokenizer = MPNetTokenizer(vocab=vocab, unk_token="<unk>", model_max_length=64)
    config = MPNetConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                         intermediate_size=37, max_position_embeddings=80, relative_attention_num_buckets=32,
                         pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id)
    model = MPNetModel(config).eval()
    ref, inputs = text_reference(model, tokenizer, "mpnet", "mean", False)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    # sentence-transformers layout (all-mpnet-base-v2 style): the transformer at the top level.
    write_json(os.path.join(folder, "modules.json"), [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    ])
    os.makedirs(os.path.join(folder, "1_Pooling"))
    write_json(os.path.join(folder, "1_Pooling", "config.json"), {
        "word_embedding_dimension": 32, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
    })
    write_json(os.path.join(folder, "sentence_bert_config.json"), {"max_seq_length": 64, "do_lower_case": False})
    path = os.path.join(folder, "onnx", "model.onnx")
    export(model, path, inputs, "text")
    check_with_onnxruntime(path, inputs, model, "onnx-only-mpnet")
    drop_weights(folder)
    write_json(os.path.join(folder, "reference.json"), ref)


def onnx_only_vit():
    from PIL import Image
    from transformers import ViTConfig, ViTModel
    try:
        from transformers import ViTImageProcessorPil as Processor
    except ImportError:
        from transformers import ViTImageProcessor as Processor
    folder = os.path.join(ROOT, "onnx-only-vit")
    fresh(folder)
    torch.manual_seed(1603)
    rng = np.random.default_rng(1603)
    images = []
    for i, (h, w) in enumerate([(40, 48), (36, 36)]):
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([xx * 255 / w, yy * 255 / h, (xx + yy) * 127 / (h + w)], -1)
        pixels = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
        name = f"image{i}.png"
        Image.fromarray(pixels).save(os.path.join(folder, name))
        images.append(name)
    processor = Processor(size={"height": 32, "width": 32}, do_resize=True, do_normalize=True,
                          image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    config = ViTConfig(image_size=32, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2,
                       num_attention_heads=4, intermediate_size=37, hidden_dropout_prob=0.1,
                       attention_probs_dropout_prob=0.1)
    model = ViTModel(config).eval()
    pixel_values = processor(images=[Image.open(os.path.join(folder, n)).convert("RGB") for n in images], return_tensors="pt")["pixel_values"]
    inputs = {"pixel_values": pixel_values}
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True, return_dict=True)
    ref = {
        "model_type": "vit", "modality": "image",
        "transformers_version": __import__("transformers").__version__,
        "images": images,
        "pixel_values": tensor_json(pixel_values),
        "last_hidden_state": tensor_json(out.last_hidden_state),
        "hidden_states": {"1": tensor_json(out.hidden_states[1])},
        "pooled": {"cls": tensor_json(out.last_hidden_state[:, 0]), "mean": tensor_json(out.last_hidden_state.mean(1)),
                   "pooler": tensor_json(out.pooler_output)},
        "default_pooling": "cls",
    }
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    path = os.path.join(folder, "onnx", "model.onnx")
    # Only last_hidden_state + pooler_output, like real optimum / Xenova exports: the analysis must
    # then skip the per-layer overlap with a note (test/unit/hf/onnxSnapshot.test.ts).
    export(model, path, inputs, "image", with_hidden=False)
    check_with_onnxruntime(path, inputs, model, "onnx-only-vit")
    drop_weights(folder)
    write_json(os.path.join(folder, "reference.json"), ref)


def onnx_decoder_with_past():
    """A synthetic graph with the inputs of a transformers.js / optimum decoder-with-past export
    (input_ids, attention_mask, position_ids, past_key_values.0.key/value, use_cache_branch), whose
    last_hidden_state is a known function of them: [id + 10·position + 100·mask + Σ past, same × 2].
    Checks the ONNX engine feeds empty caches, arange positions and the mask (no model behind it)."""
    import onnx
    from onnx import TensorProto, helper
    folder = os.path.join(ROOT, "onnx-synthetic-decoder")
    fresh(folder)
    f, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = [
        helper.make_tensor_value_info("input_ids", i64, ["batch", "sequence"]),
        helper.make_tensor_value_info("attention_mask", i64, ["batch", "total"]),
        helper.make_tensor_value_info("position_ids", i64, ["batch", "sequence"]),
        helper.make_tensor_value_info("past_key_values.0.key", f, ["batch", 2, "past", 4]),
        helper.make_tensor_value_info("past_key_values.0.value", f, ["batch", 2, "past", 4]),
        helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1]),
    ]
    const = lambda name, value, t=f: helper.make_tensor(name, t, [len(value)] if isinstance(value, list) else [], value if isinstance(value, list) else [value])
    nodes = [
        helper.make_node("Cast", ["input_ids"], ["ids"], to=f),
        helper.make_node("Cast", ["position_ids"], ["pos"], to=f),
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=f),
        helper.make_node("Mul", ["pos", "ten"], ["pos10"]),
        helper.make_node("Mul", ["mask", "hundred"], ["mask100"]),
        helper.make_node("Add", ["ids", "pos10"], ["a"]),
        helper.make_node("Add", ["a", "mask100"], ["h0"]),
        helper.make_node("ReduceSum", ["past_key_values.0.key", "all_axes"], ["pk"], keepdims=0),
        helper.make_node("ReduceSum", ["past_key_values.0.value", "all_axes"], ["pv"], keepdims=0),
        helper.make_node("Add", ["pk", "pv"], ["past_sum"]),
        helper.make_node("Add", ["h0", "past_sum"], ["h1"]),
        helper.make_node("Unsqueeze", ["h1", "axis2"], ["h"]),
        helper.make_node("Mul", ["h", "two"], ["h2"]),
        helper.make_node("Concat", ["h", "h2"], ["last_hidden_state"], axis=2),
    ]
    initializers = [const("ten", 10.0), const("hundred", 100.0), const("two", 2.0),
                    const("all_axes", [0, 1, 2, 3], TensorProto.INT64), const("axis2", [2], TensorProto.INT64)]
    graph = helper.make_graph(nodes, "synthetic_decoder", inputs,
                              [helper.make_tensor_value_info("last_hidden_state", f, ["batch", "sequence", 2])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.join(folder, "onnx"))
    onnx.save(model, os.path.join(folder, "onnx", "model.onnx"))
    write_json(os.path.join(folder, "config.json"), {"model_type": "synthetic-decoder", "hidden_size": 2, "num_hidden_layers": 1,
                                                     "num_attention_heads": 2, "num_key_value_heads": 2, "head_dim": 4})


def onnx_only(names):
    for name, build in (("onnx-only-bert", onnx_only_bert), ("onnx-only-mpnet", onnx_only_mpnet), ("onnx-only-vit", onnx_only_vit),
                        ("onnx-synthetic-decoder", onnx_decoder_with_past)):
        if names and name not in names:
            continue
        print(f"build {name}")
        build()
        total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(ROOT, name)) for f in fs)
        print(f"  {name}: {total // 1024} KB in all")


if __name__ == "__main__":
    job = sys.argv[1] if len(sys.argv) > 1 else "all"
    names = sys.argv[2:]
    if job in ("onnx-only", "all"):
        onnx_only(names)
    if job in ("export", "all"):
        export_all(names)
