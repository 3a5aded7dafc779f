"""Weight-storage variants of one tiny BertModel (issue #14, "bf16 and sharded give the same
features as float32"): the same randomly initialised weights saved by `transformers` three ways,

  test/fixtures/hf-models/variants/f32/      model.safetensors, float32, one file
  test/fixtures/hf-models/variants/bf16/     model.safetensors, bfloat16 (model.to(torch.bfloat16))
  test/fixtures/hf-models/variants/sharded/  model-0000k-of-0000n.safetensors + index, float32,
                                             max_shard_size small enough for >= 3 shards
  test/fixtures/hf-models/variants/pytorch/  pytorch_model.bin (torch.save zip), float32

plus reference.json with, for a few tensors, the float32 values torch gives after the bf16 round
trip (bf16 -> float32 is exact, so the TypeScript reader must reproduce them bit for bit) and the
float32 originals. No tokenizer is saved: the variants are about weights; feature tests feed token
ids directly.

Run: /work/venv/bin/python scripts/hf-fixtures/make_variants.py   (seeded: a rerun writes the same files)
"""
import json
import os
import shutil

import torch
from transformers import BertConfig, BertModel

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "hf-models", "variants")
TENSORS = [
    "embeddings.word_embeddings.weight",
    "encoder.layer.0.attention.self.query.weight",
    "encoder.layer.1.output.LayerNorm.weight",
    "pooler.dense.bias",
]


def main() -> None:
    torch.manual_seed(1234)
    config = BertConfig(
        vocab_size=100,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=64,
        type_vocab_size=2,
    )
    model = BertModel(config).eval()
    # Random LayerNorm parameters too, so a mixed-up gamma/beta or a missing bias shows.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.copy_(torch.randn_like(p) * 0.1 + (1.0 if name.endswith("weight") else 0.0))
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(ROOT)
    model.save_pretrained(os.path.join(ROOT, "f32"), safe_serialization=True)
    # ~110 KB of float32 weights: 40 KB shards give at least 3.
    model.save_pretrained(os.path.join(ROOT, "sharded"), safe_serialization=True, max_shard_size="40KB")
    bf16 = BertModel(config).eval()
    bf16.load_state_dict(model.state_dict())
    bf16 = bf16.to(torch.bfloat16)
    bf16.save_pretrained(os.path.join(ROOT, "bf16"), safe_serialization=True)

    # pytorch_model.bin as transformers 4 wrote it (torch.save of the state dict, zip format), for
    # the restricted reader in src/node/hf/torchZip.ts. (torch.save stores a random
    # .data/serialization_id, so this one file differs between runs; its tensors do not.)
    os.makedirs(os.path.join(ROOT, "pytorch"))
    shutil.copy(os.path.join(ROOT, "f32", "config.json"), os.path.join(ROOT, "pytorch", "config.json"))
    torch.save(model.state_dict(), os.path.join(ROOT, "pytorch", "pytorch_model.bin"))

    shards = [f for f in os.listdir(os.path.join(ROOT, "sharded")) if f.endswith(".safetensors")]
    assert len(shards) >= 3, shards
    state = model.state_dict()
    bstate = bf16.state_dict()

    def values(t: torch.Tensor) -> dict:
        return {"shape": list(t.shape), "data": [float(v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]}

    # Features of fixed token ids, float32 and the bf16 model run in float32 (what we do: weights
    # widened to float32, arithmetic in float32), for the feature-equality tests.
    input_ids = torch.tensor([[2, 17, 45, 9, 3, 0], [2, 88, 5, 61, 33, 3]])
    attention_mask = torch.tensor([[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]])
    with torch.no_grad():
        out32 = model(input_ids=input_ids, attention_mask=attention_mask)
        widened = BertModel(config).eval()
        widened.load_state_dict({k: v.to(torch.float32) for k, v in bstate.items()})
        out16 = widened(input_ids=input_ids, attention_mask=attention_mask)
    reference = {
        "model_type": "bert",
        "transformers_version": __import__("transformers").__version__,
        "torch_version": torch.__version__,
        "shards": sorted(shards),
        "bf16_as_float32": {name: values(bstate[name]) for name in TENSORS},
        "float32": {name: values(state[name]) for name in TENSORS},
        "input_ids": input_ids.tolist(),
        "attention_mask": attention_mask.tolist(),
        "last_hidden_state_f32": values(out32.last_hidden_state),
        "pooler_output_f32": values(out32.pooler_output),
        "last_hidden_state_bf16_weights": values(out16.last_hidden_state),
    }
    with open(os.path.join(ROOT, "reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")
    print("wrote", ROOT, "shards:", sorted(shards))


if __name__ == "__main__":
    main()
