"""Parity fixtures for the decoder architectures (gpt2, llama, qwen2, mistral): tiny randomly
initialised models saved by `transformers` itself (save_pretrained, safetensors, float32) with a
tokenizer trained here, plus the reference outputs PyTorch computes (see README.md for the
layout and the reference.json schema).

What each fixture exercises:
- gpt2: Conv1D weights ([in, out]), learned positions, gelu_new, ln_f; byte-level BPE; GPT-2 has no
  pad token, so pad = eos (<|endoftext|>), right padding.
- llama: RMSNorm, grouped-query attention (4 heads, 2 kv heads), SwiGLU, RoPE with
  rope_type 'llama3' (original_max_position_embeddings small enough that all three frequency bands
  occur); SentencePiece-style BPE with byte_fallback (<0xNN> tokens); pad = <unk>, LEFT padding
  (positions stay arange, as transformers computes them when position_ids are not given).
- qwen2: q/k/v biases, rope_theta 1e6, RoPE 'yarn' (attention factor scales cos/sin), byte-level
  BPE, a chat_template in tokenizer_config.json, right padding.
- mistral: explicit head_dim (16 ≠ hidden/heads = 12), RoPE 'linear' factor 2, sliding_window 4
  (shorter than the longest text, so the window matters), byte-fallback BPE, pad = eos, left padding.

Run: /work/venv/bin/python scripts/hf-fixtures/make_decoders.py  (seeded: a rerun writes the same files)
"""
import json
import os
import sys

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (
    AutoModel,
    GPT2Config,
    LlamaConfig,
    MistralConfig,
    PreTrainedTokenizerFast,
    Qwen2Config,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "hf-models"))

CORPUS = [
    "Transfer learning reuses a pretrained checkpoint on a new task.",
    "Training from scratch needs more samples than fine-tuning.",
    "The quick brown fox jumps over the lazy dog.",
    "A frozen probe reads features from an intermediate layer.",
    "Decoders attend only to earlier tokens in the sequence.",
    "Rotary position embeddings rotate queries and keys by angle.",
    "Grouped query attention shares keys and values across heads.",
    "Small models, small vocabularies, and reproducible seeds.",
    "hello world, hello tokens, hello models",
    "Numbers like 1234 and 56.78 appear in text too.",
] * 3

TEXTS = [
    "Hello world",
    "Transfer learning beats training from scratch, sometimes. Ünï 日本 🙂!",
    "The fox reads tokens.",
]

CHAT_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def byte_level_bpe(vocab_size, specials):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer)
    return tok


def byte_fallback_bpe(vocab_size):
    """Llama-2 / Mistral style: <unk>=0, <s>=1, </s>=2, then the 256 <0xNN> byte tokens, then merges;
    '▁' marks spaces (normalizer prepends one), unknown characters fall back to bytes; <s> is added."""
    base = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    base.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 256, special_tokens=["<unk>", "<s>", "</s>"], show_progress=False)
    base.train_from_iterator(CORPUS, trainer)
    spec = json.loads(base.to_str())
    trained = spec["model"]["vocab"]
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for token, _ in sorted(trained.items(), key=lambda kv: kv[1]):
        if token not in vocab:
            vocab[token] = len(vocab)
    spec["model"]["vocab"] = vocab
    spec["model"]["byte_fallback"] = True
    spec["model"]["fuse_unk"] = True
    spec["pre_tokenizer"] = None
    spec["decoder"] = None
    tok = Tokenizer.from_str(json.dumps(spec))
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)]
    )
    return tok


def tensor_json(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(f"{x:.9g}") for x in t.reshape(-1).tolist()]}


def build(name, config, tokenizer, intermediate_layer):
    out = os.path.join(ROOT, name)
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(1234)
    model = AutoModel.from_config(config, dtype=torch.float32)
    # Random init leaves norms at 1 and biases at 0: perturb them so a missing norm weight / bias fails parity.
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if p.ndim == 1:
                p.add_(torch.randn_like(p) * 0.1)
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    # transformers 5 writes a chat template to chat_template.jinja; most Hub repos keep it in
    # tokenizer_config.json (the 4.x layout), which is the case this fixture covers.
    jinja = os.path.join(out, "chat_template.jinja")
    if os.path.exists(jinja):
        with open(jinja) as f:
            template = f.read()
        os.remove(jinja)
        config_path = os.path.join(out, "tokenizer_config.json")
        with open(config_path) as f:
            tokenizer_config = json.load(f)
        tokenizer_config["chat_template"] = template
        with open(config_path, "w") as f:
            json.dump(tokenizer_config, f, indent=2, ensure_ascii=False)
            f.write("\n")

    enc = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        result = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], output_hidden_states=True)
    hidden = result.last_hidden_state
    mask = enc["attention_mask"].to(torch.float32)
    mean = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
    positions = torch.arange(mask.shape[1])[None, :] + 1
    last_index = (enc["attention_mask"] * positions).argmax(1)
    last = hidden[torch.arange(hidden.shape[0]), last_index]
    assert torch.isfinite(hidden).all(), f"{name}: non-finite reference"
    reference = {
        "model_type": config.model_type,
        "modality": "text",
        "transformers_version": transformers.__version__,
        "inputs": TEXTS,
        "input_ids": enc["input_ids"].tolist(),
        "attention_mask": enc["attention_mask"].tolist(),
        "last_hidden_state": tensor_json(hidden),
        "hidden_states": {str(intermediate_layer): tensor_json(result.hidden_states[intermediate_layer])},
        "pooled": {"last": tensor_json(last), "mean": tensor_json(mean)},
        "default_pooling": "last",
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f)
    size = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, T={hidden.shape[1]}, "
          f"padding {tokenizer.padding_side}, {size // 1024} KB", file=sys.stderr)


def main():
    torch.manual_seed(0)

    # gpt2: byte-level BPE; GPT-2 defines no pad token, so pad = eos (<|endoftext|>), as is usual.
    tok = byte_level_bpe(280, ["<|endoftext|>"])
    gpt2_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>", unk_token="<|endoftext|>",
        pad_token="<|endoftext|>", padding_side="right", model_max_length=128,
    )
    gpt2 = GPT2Config(
        vocab_size=tok.get_vocab_size(), n_positions=128, n_embd=32, n_layer=2, n_head=4, n_inner=80,
        activation_function="gelu_new", layer_norm_epsilon=1e-5, bos_token_id=0, eos_token_id=0, pad_token_id=0,
    )
    build("gpt2", gpt2, gpt2_tok, 1)

    # llama: byte-fallback BPE, <s> added, pad = <unk>, left padding (Llama's tokenizer default).
    tok = byte_fallback_bpe(300)
    llama_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<unk>",
        padding_side="left", model_max_length=128,
    )
    llama = LlamaConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=48, intermediate_size=72, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-5,
        rope_theta=10000.0,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 64},
        bos_token_id=1, eos_token_id=2, pad_token_id=0, tie_word_embeddings=False,
    )
    build("llama", llama, llama_tok, 1)

    # qwen2: byte-level BPE (no <s>), q/k/v biases, yarn RoPE, a chat template, right padding.
    tok = byte_level_bpe(290, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    qwen_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", padding_side="right",
        model_max_length=128, chat_template=CHAT_TEMPLATE,
    )
    qwen2 = Qwen2Config(
        vocab_size=tok.get_vocab_size(), hidden_size=32, intermediate_size=88, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128, rms_norm_eps=1e-6,
        rope_theta=1000000.0,
        rope_scaling={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32},
        use_sliding_window=False, eos_token_id=2, pad_token_id=0, tie_word_embeddings=True,
    )
    build("qwen2", qwen2, qwen_tok, 1)

    # mistral: byte-fallback BPE, pad = eos, left padding, head_dim 16, linear RoPE, sliding window 4.
    tok = byte_fallback_bpe(290)
    mistral_tok = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="</s>",
        padding_side="left", model_max_length=128,
    )
    mistral = MistralConfig(
        vocab_size=tok.get_vocab_size(), hidden_size=48, intermediate_size=80, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=128,
        rms_norm_eps=1e-5, rope_theta=10000.0, rope_scaling={"rope_type": "linear", "factor": 2.0},
        sliding_window=4, bos_token_id=1, eos_token_id=2, pad_token_id=2, tie_word_embeddings=False,
    )
    build("mistral", mistral, mistral_tok, 1)


if __name__ == "__main__":
    main()
