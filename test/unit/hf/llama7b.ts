/**
 * A 7B LLaMA checkpoint that costs no disk space, for the guard-rail tests (issue #14 §6): the real
 * config.json of a 7B llama, and a model.safetensors whose header lists every tensor of the model
 * (6.74 B float16 parameters) and whose 13.5 GB data region is a hole of a sparse file, plus the
 * tiny llama fixture's tokenizer files. Every
 * header-only reader (static tier, snapshot inspection, guard rails) sees a complete, runnable
 * checkpoint; anything that read the weights would take minutes and 27 GB. Not committed: built in
 * a temporary folder by the tests that need it.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, ftruncateSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LLAMA_7B = {
  architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 4096, intermediate_size: 11008, num_attention_heads: 32,
  num_hidden_layers: 32, num_key_value_heads: 32, vocab_size: 32000, max_position_embeddings: 4096, rms_norm_eps: 1e-5, torch_dtype: 'float16',
  hidden_act: 'silu', tie_word_embeddings: false, rope_theta: 10000,
};

/**
 * Writes the sparse 7B llama into `folder` (created) and returns it. `tokenizerFrom`: the folder of
 * the tiny llama fixture (default: found from this file; bundled callers pass it).
 */
export function writeSparseLlama7b(folder = mkdtempSync(join(tmpdir(), 'tl-llama7b-sparse-')), tokenizerFrom = join(__dirname, '..', '..', 'fixtures', 'hf-models', 'llama')): string {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'config.json'), JSON.stringify(LLAMA_7B));
  // A real (tiny) llama tokenizer, so text analyses reach the checkpoint as they would for a real download.
  for (const name of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) if (existsSync(join(tokenizerFrom, name))) copyFileSync(join(tokenizerFrom, name), join(folder, name));
  const { hidden_size: h, intermediate_size: m, vocab_size: v, num_hidden_layers: layers } = LLAMA_7B;
  const shapes: [string, number[]][] = [['model.embed_tokens.weight', [v, h]]];
  for (let i = 0; i < layers; i++) {
    const p = `model.layers.${i}`;
    shapes.push([`${p}.input_layernorm.weight`, [h]], [`${p}.post_attention_layernorm.weight`, [h]]);
    for (const n of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) shapes.push([`${p}.self_attn.${n}.weight`, [h, h]]);
    shapes.push([`${p}.mlp.gate_proj.weight`, [m, h]], [`${p}.mlp.up_proj.weight`, [m, h]], [`${p}.mlp.down_proj.weight`, [h, m]]);
  }
  shapes.push(['model.norm.weight', [h]], ['lm_head.weight', [v, h]]);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: 'F16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (text.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(text.length));
  const file = join(folder, 'model.safetensors');
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, length, 0, 8, 0);
    writeSync(fd, Buffer.from(text), 0, text.length, 8);
    ftruncateSync(fd, 8 + text.length + offset);
  } finally {
    closeSync(fd);
  }
  return folder;
}
