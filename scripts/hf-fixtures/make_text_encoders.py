"""Parity fixtures for the text encoders (issue #14): bert, roberta, xlm-roberta, distilbert,
distilbert-sinusoidal, electra and a sentence-transformers folder around a tiny bert.

Each model is a tiny randomly initialised `transformers` model saved with `save_pretrained`
(safetensors, float32) together with a tokenizer trained here with `tokenizers` on a small corpus
(WordPiece for the BERT-likes, byte-level BPE for roberta, Unigram/Metaspace for xlm-roberta) and
saved through the transformers tokenizer class so tokenizer_config.json is written. reference.json
(schema in scripts/hf-fixtures/README.md) holds the padded batch the HF tokenizer returns, the last
hidden state, intermediate hidden states and the pooled outputs PyTorch computes.

Parameters are re-drawn after init (weights N(0, 0.2), LayerNorm weights 1 + N(0, 0.1), biases
N(0, 0.1)) so a missing bias, a LayerNorm read as identity or a transposed weight changes the
outputs well beyond the tests' rtol 1e-4. Sizes are non-square (hidden 32, intermediate 37,
electra embedding 24) so most transpositions also fail the shape check.

Extra keys beyond the schema (read only by test/unit/hf/tokenizer.test.ts):
  "truncated": {"max_length", "input_ids", "attention_mask", "token_type_ids"}  (truncation=True)
  "left": the texts without pairs, padding_side = truncation_side = "left", truncated to max_length.

Run: /work/venv/bin/python scripts/hf-fixtures/make_text_encoders.py  (torch is seeded and the
committed tokenizers are reused, so reruns write the same files; see committed()).
"""
import json
import os
import shutil

import numpy as np
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (AutoModel, BertConfig, DistilBertConfig, ElectraConfig, PreTrainedTokenizerFast,
                          RobertaConfig, XLMRobertaConfig)

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'hf-models')

CORPUS = [
    'The quick brown fox jumps over the lazy dog.',
    'A pretrained checkpoint often beats training from scratch on small datasets.',
    'Transfer learning works when the source and target domains overlap.',
    'We measure the overlap of features between layers of the network.',
    'Hello world, this is a small corpus for a tiny tokenizer.',
    'The café on the corner serves coffee and naïve art hangs on the walls.',
    'Tokyo is written 東京 in Japanese; Kyoto is 京都.',
    'Sentences of different lengths make padding visible in the batch.',
    'Models read tokens, positions and segments, then attention mixes them.',
    'Layer normalisation, residual connections and feed-forward blocks repeat.',
    'Numbers like 2024 and 3.14 appear too, as do commas, colons: and dashes - here.',
    'Short one.',
] * 4

TEXTS = [
    'Hello world, this is a café.',
    'The naïve fox visits 東京 with an unseen word ☃ and keeps walking over the lazy dog today.',
    'Short one.',
]
PAIRS = [
    'A second segment.',
    'Transfer learning works.',
    'The café serves coffee and the dog sleeps.',
]


def seed(n=0):
    torch.manual_seed(n)
    np.random.seed(n)


def randomise(model):
    g = torch.Generator().manual_seed(1234)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'LayerNorm.weight' in name or name.endswith('layer_norm.weight') or 'norm' in name.lower() and name.endswith('weight'):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith('bias'):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif 'position_embeddings' in name and getattr(model.config, 'sinusoidal_pos_embds', False):
                continue  # distilbert's fixed sinusoidal table stays as init wrote it
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))


def committed(name):
    """The tokenizer committed in test/fixtures/hf-models/<name>/, if any. `tokenizers` trains
    WordPiece and Unigram vocabularies in a run-dependent order (Rust hash maps), so reruns reuse
    the committed tokenizer.json; delete it to train anew."""
    path = os.path.join(ROOT, name, 'tokenizer.json')
    if not os.path.exists(path):
        return None
    tok = Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    return tok


def wordpiece_tokenizer(name):
    tok = committed(name)
    if tok is None:
        tok = train_wordpiece()
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token='[UNK]', pad_token='[PAD]', cls_token='[CLS]',
                                   sep_token='[SEP]', mask_token='[MASK]', model_max_length=64,
                                   model_input_names=['input_ids', 'token_type_ids', 'attention_mask'])


def train_wordpiece():
    tok = Tokenizer(models.WordPiece(unk_token='[UNK]'))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=300, special_tokens=['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'])
    tok.train_from_iterator(CORPUS, trainer)
    cls, sep = tok.token_to_id('[CLS]'), tok.token_to_id('[SEP]')
    tok.post_processor = processors.TemplateProcessing(
        single='[CLS] $A [SEP]', pair='[CLS] $A [SEP] $B:1 [SEP]:1', special_tokens=[('[CLS]', cls), ('[SEP]', sep)])
    tok.decoder = decoders.WordPiece()
    return tok


def bytelevel_bpe_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=['<s>', '<pad>', '</s>', '<unk>', '<mask>'],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.RobertaProcessing(('</s>', tok.token_to_id('</s>')), ('<s>', tok.token_to_id('<s>')))
    tok.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token='<s>', eos_token='</s>', unk_token='<unk>', pad_token='<pad>',
                                   cls_token='<s>', sep_token='</s>', mask_token='<mask>', model_max_length=128)


def unigram_tokenizer():
    tok = committed('xlm-roberta') or train_unigram()
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token='<s>', eos_token='</s>', unk_token='<unk>', pad_token='<pad>',
                                   cls_token='<s>', sep_token='</s>', mask_token='<mask>', model_max_length=128)


def train_unigram():
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement='▁', prepend_scheme='always')
    trainer = trainers.UnigramTrainer(vocab_size=250, special_tokens=['<s>', '<pad>', '</s>', '<unk>', '<mask>'], unk_token='<unk>')
    tok.train_from_iterator(CORPUS, trainer)
    s, e = tok.token_to_id('<s>'), tok.token_to_id('</s>')
    tok.post_processor = processors.TemplateProcessing(
        single='<s> $A </s>', pair='<s> $A </s> </s> $B </s>', special_tokens=[('<s>', s), ('</s>', e)])
    tok.decoder = decoders.Metaspace(replacement='▁', prepend_scheme='always')
    return tok


def tensor_json(t):
    a = t.detach().cpu().numpy().astype(np.float32)
    return {'shape': list(a.shape), 'data': [float('%.8g' % x) for x in a.reshape(-1)]}


def batch_json(enc):
    out = {'input_ids': enc['input_ids'].tolist(), 'attention_mask': enc['attention_mask'].tolist()}
    if 'token_type_ids' in enc:
        out['token_type_ids'] = enc['token_type_ids'].tolist()
    return out


def mean_pool(h, mask):
    m = mask.unsqueeze(-1).float()
    return (h * m).sum(1) / m.sum(1).clamp(min=1e-9)


def tokenizer_cases(tokenizer, folder, texts, pairs, max_length):
    cases = {}
    enc = tokenizer(texts, pairs, padding=True, truncation=True, max_length=max_length, return_tensors='pt')
    cases['truncated'] = {'max_length': max_length, **batch_json(enc)}
    left = PreTrainedTokenizerFast.from_pretrained(folder, padding_side='left', truncation_side='left')
    # Single texts: which side gets the odd token when longest_first cuts a pair from the left
    # is not reproduced exactly (see tokenizer.ts longestFirst); pairs are covered by 'truncated'.
    enc = left(texts, padding=True, truncation=True, max_length=max_length, return_tensors='pt')
    cases['left'] = {'max_length': max_length, 'pairs': False, **batch_json(enc)}
    return cases


def build(name, config, tokenizer, default_pooling, pairs=None, layers=(0, 1)):
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)  # not emptied: the ONNX export script adds onnx/ here
    seed(0)
    model = AutoModel.from_config(config)
    randomise(model)
    model.eval()
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    tokenizer = PreTrainedTokenizerFast.from_pretrained(folder)
    enc = tokenizer(TEXTS, pairs, padding=True, return_tensors='pt')
    kwargs = {k: enc[k] for k in ('input_ids', 'attention_mask') if k in enc}
    if 'token_type_ids' in enc and config.model_type not in ('distilbert', 'roberta', 'xlm-roberta'):
        kwargs['token_type_ids'] = enc['token_type_ids']
    with torch.no_grad():
        out = model(**kwargs, output_hidden_states=True)
    h = out.last_hidden_state
    pooled = {'cls': tensor_json(h[:, 0]), 'mean': tensor_json(mean_pool(h, enc['attention_mask']))}
    if getattr(out, 'pooler_output', None) is not None:
        pooled['pooler'] = tensor_json(out.pooler_output)
    ref = {
        'model_type': config.model_type, 'modality': 'text', 'transformers_version': transformers.__version__,
        'inputs': TEXTS, **({'pairs': pairs} if pairs else {}),
        **batch_json(enc),
        'last_hidden_state': tensor_json(h),
        'hidden_states': {str(i): tensor_json(out.hidden_states[i]) for i in layers},
        'pooled': pooled,
        'default_pooling': default_pooling,
        **tokenizer_cases(tokenizer, folder, TEXTS, pairs, 9),
    }
    with open(os.path.join(folder, 'reference.json'), 'w') as f:
        json.dump(ref, f)
    return folder


def sentence_transformers_fixture(bert_tokenizer):
    from sentence_transformers import SentenceTransformer, models as st_models
    folder = os.path.join(ROOT, 'sentence-transformers')
    os.makedirs(folder, exist_ok=True)  # not emptied: the ONNX export script adds onnx/ here
    work = os.path.join('/tmp', 'st-bert')
    shutil.rmtree(work, ignore_errors=True)
    seed(1)
    cfg = BertConfig(vocab_size=len(bert_tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=37, max_position_embeddings=64, type_vocab_size=2)
    model = AutoModel.from_config(cfg)
    randomise(model)
    model.save_pretrained(work, safe_serialization=True)
    bert_tokenizer.save_pretrained(work)
    transformer = st_models.Transformer(work, max_seq_length=64)
    pooling = st_models.Pooling(32, pooling_mode='mean')
    st = SentenceTransformer(modules=[transformer, pooling, st_models.Normalize()], device='cpu')
    st.eval()
    st.save(folder)
    st = SentenceTransformer(folder, device='cpu')
    emb = st.encode(TEXTS, convert_to_tensor=True, normalize_embeddings=False, batch_size=8)
    tok = PreTrainedTokenizerFast.from_pretrained(folder)
    enc = tok(TEXTS, padding=True, return_tensors='pt')
    hf = AutoModel.from_pretrained(folder).eval()
    with torch.no_grad():
        out = hf(**enc, output_hidden_states=True)
    h = out.last_hidden_state
    ref = {
        'model_type': 'bert', 'modality': 'text', 'transformers_version': transformers.__version__,
        'inputs': TEXTS, **batch_json(enc),
        'last_hidden_state': tensor_json(h),
        'hidden_states': {'1': tensor_json(out.hidden_states[1])},
        'pooled': {'cls': tensor_json(h[:, 0]), 'mean': tensor_json(mean_pool(h, enc['attention_mask'])),
                   'pooler': tensor_json(out.pooler_output)},
        'default_pooling': 'pooler',
        'sentence_embedding': tensor_json(emb),
        'sentence_pooling': 'mean', 'sentence_normalize': True,
    }
    with open(os.path.join(folder, 'reference.json'), 'w') as f:
        json.dump(ref, f)
    os.remove(os.path.join(folder, 'README.md'))  # model card boilerplate, not needed

    # The same model in the layout sentence-transformers 2.x/3.x wrote (most cached models):
    # sentence_transformers.models.* module types, pooling_mode_* flags; [CLS] pooling, no Normalize.
    old = os.path.join(ROOT, 'sentence-transformers-v2')
    os.makedirs(os.path.join(old, '1_Pooling'), exist_ok=True)
    for name in ('config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'sentence_bert_config.json'):
        shutil.copy(os.path.join(folder, name), os.path.join(old, name))
    with open(os.path.join(old, 'sentence_bert_config.json'), 'w') as f:
        json.dump({'max_seq_length': 64, 'do_lower_case': False}, f, indent=2)
    with open(os.path.join(old, 'modules.json'), 'w') as f:
        json.dump([{'idx': 0, 'name': '0', 'path': '', 'type': 'sentence_transformers.models.Transformer'},
                   {'idx': 1, 'name': '1', 'path': '1_Pooling', 'type': 'sentence_transformers.models.Pooling'}], f, indent=2)
    with open(os.path.join(old, '1_Pooling', 'config.json'), 'w') as f:
        json.dump({'word_embedding_dimension': 32, 'pooling_mode_cls_token': True, 'pooling_mode_mean_tokens': False,
                   'pooling_mode_max_tokens': False, 'pooling_mode_mean_sqrt_len_tokens': False,
                   'pooling_mode_weightedmean_tokens': False, 'pooling_mode_lasttoken': False, 'include_prompt': True}, f, indent=2)
    st_old = SentenceTransformer(old, device='cpu')
    emb_old = st_old.encode(TEXTS, convert_to_tensor=True, normalize_embeddings=False, batch_size=8)
    ref_old = dict(ref, sentence_embedding=tensor_json(emb_old), sentence_pooling='cls', sentence_normalize=False)
    with open(os.path.join(old, 'reference.json'), 'w') as f:
        json.dump(ref_old, f)


def main():
    wp = wordpiece_tokenizer('bert')
    n_wp = len(wp)
    # bert: exact gelu, post-LN, token types, pooler; non-default epsilon.
    build('bert', BertConfig(vocab_size=n_wp, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                             max_position_embeddings=64, type_vocab_size=2, hidden_act='gelu', layer_norm_eps=1e-7),
          wp, 'pooler', pairs=PAIRS, layers=(0, 1))
    bpe = bytelevel_bpe_tokenizer()
    build('roberta', RobertaConfig(vocab_size=len(bpe), hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
                                   max_position_embeddings=130, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                                   hidden_act='gelu_new'),
          bpe, 'cls', layers=(0, 1))
    uni = unigram_tokenizer()
    build('xlm-roberta', XLMRobertaConfig(vocab_size=len(uni), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                          intermediate_size=37, max_position_embeddings=130, type_vocab_size=1, pad_token_id=1,
                                          bos_token_id=0, eos_token_id=2),
          uni, 'cls', pairs=PAIRS, layers=(0, 1))
    build('distilbert', DistilBertConfig(vocab_size=n_wp, dim=32, n_layers=2, n_heads=4, hidden_dim=37, max_position_embeddings=64,
                                         activation='gelu', pad_token_id=0),
          wordpiece_tokenizer('distilbert'), 'cls', layers=(0, 1))
    build('distilbert-sinusoidal', DistilBertConfig(vocab_size=n_wp, dim=32, n_layers=2, n_heads=4, hidden_dim=37,
                                                    max_position_embeddings=64, activation='relu', sinusoidal_pos_embds=True,
                                                    pad_token_id=0),
          wordpiece_tokenizer('distilbert-sinusoidal'), 'cls', layers=(1,))
    build('electra', ElectraConfig(vocab_size=n_wp, embedding_size=24, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                   intermediate_size=37, max_position_embeddings=64, type_vocab_size=2, hidden_act='gelu_new'),
          wordpiece_tokenizer('electra'), 'cls', pairs=PAIRS, layers=(0, 1))
    sentence_transformers_fixture(wordpiece_tokenizer('sentence-transformers'))


if __name__ == '__main__':
    main()
