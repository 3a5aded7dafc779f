"""Vision parity fixtures (issue #14): tiny, seeded, randomly initialised vit, deit, resnet,
convnext, mobilenet_v2, clip (full CLIPModel: the vision tower is read, the text tower ignored) and
clip_vision_model, saved by transformers itself with their image processor, plus the outputs
transformers computes in PyTorch on three small fixture images (test/fixtures/hf-models/images/).

Reference pixel_values come from the PIL backend of each image processor (`...ImageProcessorPil`,
what transformers uses when torchvision is absent; it saves the same preprocessor_config.json as the
default class). Hidden states are keyed by TransferLens' numbering (src/node/hf/types.ts): for vit,
deit, clip, resnet and convnext it is transformers' own `output_hidden_states` index; mobilenet_v2's
transformers tuple lacks the stem, so its entry i is stored under i + 1 (0 = stem output) and the
last hidden state (conv_1x1) is index 17. The last index is always the model's last_hidden_state.

Run: /work/venv/bin/python scripts/hf-fixtures/make_vision.py   (needs torch, transformers, pillow)
"""
import json
import os

import numpy as np
import torch
import transformers as T
from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'hf-models')
IMAGES = ['a.png', 'b.jpg', 'c.png']


def make_images():
    """Three small RGB images of different sizes/aspects (so resize and crop matter)."""
    folder = os.path.join(ROOT, 'images')
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(14)
    specs = [('a.png', 40, 32), ('b.jpg', 48, 36), ('c.png', 30, 44)]  # name, width, height
    for name, w, h in specs:
        y, x = np.mgrid[0:h, 0:w]
        r = (x * 255 / (w - 1))
        g = (y * 255 / (h - 1))
        b = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 4.0)
        img = np.stack([r, g, b], axis=-1) + rng.normal(0, 20, (h, w, 3))
        img = np.clip(np.round(img), 0, 255).astype(np.uint8)
        path = os.path.join(folder, name)
        if name.endswith('.jpg'):
            Image.fromarray(img, 'RGB').save(path, quality=92)
        else:
            Image.fromarray(img, 'RGB').save(path)


def make_resize_reference():
    """Pillow's Image.resize with every filter, down and up, on a 16×12 crop of a.png (uint8 RGB)."""
    src = Image.open(os.path.join(ROOT, 'images', 'a.png')).convert('RGB').crop((0, 0, 16, 12))
    out = {'pillow_version': Image.__version__, 'source': {'width': 16, 'height': 12, 'data': np.array(src).reshape(-1).tolist()},
           'resized': []}
    for resample in range(6):  # NEAREST, LANCZOS, BILINEAR, BICUBIC, BOX, HAMMING
        for w, h in [(7, 9), (23, 29), (16, 5)]:
            r = src.resize((w, h), resample=resample)
            out['resized'].append({'resample': resample, 'width': w, 'height': h, 'data': np.array(r).reshape(-1).tolist()})
    with open(os.path.join(ROOT, 'images', 'resize_reference.json'), 'w') as f:
        json.dump(out, f)


def arr(t):
    a = t.detach().cpu().numpy().astype(np.float32)
    return {'shape': list(a.shape), 'data': [float(f'{v:.7g}') for v in a.reshape(-1).tolist()]}


def save(name, model_type, model, processor, ref_fn, default_pooling):
    out = os.path.join(ROOT, name)
    # Overwrite our files only: export_onnx.py keeps its onnx/ exports in the same folders.
    os.makedirs(out, exist_ok=True)
    model.eval()
    model.save_pretrained(out)
    processor.save_pretrained(out)
    images = [Image.open(os.path.join(ROOT, 'images', f)).convert('RGB') for f in IMAGES]
    pixel_values = processor(images=images, return_tensors='pt')['pixel_values']
    with torch.no_grad():
        ref = ref_fn(model, pixel_values)
    ref.update({
        'model_type': model_type,
        'modality': 'image',
        'transformers_version': T.__version__,
        'images': ['../images/' + f for f in IMAGES],
        'image_processor': type(processor).__name__,
        'pixel_values': arr(pixel_values),
        'default_pooling': default_pooling,
    })
    with open(os.path.join(out, 'reference.json'), 'w') as f:
        json.dump(ref, f)
    size = sum(os.path.getsize(os.path.join(out, p)) for p in os.listdir(out))
    print(f'{name}: {size / 1024:.0f} KB, pixel_values {list(pixel_values.shape)}')


def vit_like_ref(model, pv, intermediate=1):
    o = model(pixel_values=pv, output_hidden_states=True)
    last = o.last_hidden_state
    pooled = {'cls': arr(last[:, 0]), 'mean': arr(last.mean(1))}
    if getattr(o, 'pooler_output', None) is not None:
        pooled['pooler'] = arr(o.pooler_output)
    n = len(o.hidden_states) - 1
    return {
        'last_hidden_state': arr(last),
        'hidden_states': {'0': arr(o.hidden_states[0]), str(intermediate): arr(o.hidden_states[intermediate])},
        'num_layers': n,
        'pooled': pooled,
    }


def nchw_to_nhwc(t):
    return t.permute(0, 2, 3, 1)


def cnn_ref(model, pv, stem_missing=False, intermediates=(1,)):
    o = model(pixel_values=pv, output_hidden_states=True)
    hs = list(o.hidden_states)
    if stem_missing:  # mobilenet_v2: record the stem output ourselves, append conv_1x1's output
        stem = model.conv_stem(pv)
        hs = [stem] + hs + [o.last_hidden_state]
    n = len(hs) - 1
    last = o.last_hidden_state
    assert torch.equal(hs[n], last)
    return {
        'last_hidden_state': arr(nchw_to_nhwc(last)),
        'hidden_states': {str(i): arr(nchw_to_nhwc(hs[i])) for i in intermediates},
        'num_layers': n,
        'layout': 'NHWC (transposed from transformers NCHW)',
        'pooled': {'gap': arr(last.mean([2, 3])), 'mean': arr(last.mean([2, 3])), 'pooler': arr(o.pooler_output.flatten(1))},
    }


def main():
    make_images()
    make_resize_reference()
    vit_kw = dict(image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=37)

    torch.manual_seed(0)
    save('vit', 'vit', T.ViTModel(T.ViTConfig(**vit_kw)),
         T.ViTImageProcessorPil(size={'height': 32, 'width': 32}), vit_like_ref, 'cls')

    torch.manual_seed(1)
    save('deit', 'deit', T.DeiTModel(T.DeiTConfig(**vit_kw)),
         T.DeiTImageProcessorPil(size={'height': 36, 'width': 36}, crop_size={'height': 32, 'width': 32}),
         vit_like_ref, 'cls')

    torch.manual_seed(2)
    resnet = T.ResNetModel(T.ResNetConfig(embedding_size=8, hidden_sizes=[16, 24, 32], depths=[2, 1, 1],
                                          layer_type='bottleneck', downsample_in_first_stage=False,
                                          downsample_in_bottleneck=True))
    randomize_bn(resnet)
    save('resnet', 'resnet', resnet,
         T.ConvNextImageProcessorPil(size={'shortest_edge': 28}, crop_pct=0.875, resample=2), cnn_ref, 'gap')

    torch.manual_seed(3)
    resnet_basic = T.ResNetModel(T.ResNetConfig(embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1],
                                                layer_type='basic', downsample_in_first_stage=True))
    randomize_bn(resnet_basic)
    save('resnet-basic', 'resnet', resnet_basic,
         T.ConvNextImageProcessorPil(size={'shortest_edge': 24}, crop_pct=0.875), cnn_ref, 'gap')

    torch.manual_seed(4)
    convnext = T.ConvNextModel(T.ConvNextConfig(hidden_sizes=[8, 16, 24], depths=[1, 2, 1], num_stages=3,
                                                layer_scale_init_value=0.5))
    with torch.no_grad():  # random layer scales, so a missing scale is caught
        for n, p in convnext.named_parameters():
            if n.endswith('layer_scale_parameter'):
                p.copy_(torch.rand_like(p) + 0.5)
    save('convnext', 'convnext', convnext,
         T.ConvNextImageProcessorPil(size={'shortest_edge': 32}, crop_pct=0.875), cnn_ref, 'pooler')

    torch.manual_seed(5)
    mobilenet = T.MobileNetV2Model(T.MobileNetV2Config(image_size=28, depth_multiplier=0.25, tf_padding=True, expand_ratio=2.0,
                                                        finegrained_output=False))
    randomize_bn(mobilenet)
    save('mobilenet_v2', 'mobilenet_v2', mobilenet,
         T.MobileNetV2ImageProcessorPil(size={'shortest_edge': 32}, crop_size={'height': 28, 'width': 28}),
         lambda m, pv: cnn_ref(m, pv, stem_missing=True, intermediates=(0, 6)), 'gap')

    torch.manual_seed(6)
    clip_vision = dict(vit_kw, hidden_act='quick_gelu')
    clip = T.CLIPModel(T.CLIPConfig(
        vision_config=clip_vision,
        text_config=dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=20,
                         vocab_size=64, max_position_embeddings=16, bos_token_id=0, eos_token_id=1, pad_token_id=1),
        projection_dim=8))
    clip_proc = T.CLIPImageProcessorPil(size={'shortest_edge': 32}, crop_size={'height': 32, 'width': 32})
    save('clip', 'clip', clip, clip_proc, lambda m, pv: vit_like_ref(m.vision_model, pv), 'pooler')

    torch.manual_seed(7)
    save('clip_vision_model', 'clip_vision_model', T.CLIPVisionModel(T.CLIPVisionConfig(**clip_vision)),
         clip_proc, lambda m, pv: vit_like_ref(m, pv), 'pooler')


def randomize_bn(model):
    """Random running statistics and affine parameters (fresh ones are 0/1: folding bugs would hide)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn_like(m.running_mean) * 0.1)
                m.running_var.copy_(torch.rand_like(m.running_var) * 0.8 + 0.2)
                m.weight.copy_(torch.rand_like(m.weight) + 0.5)
                m.bias.copy_(torch.randn_like(m.bias) * 0.1)


if __name__ == '__main__':
    main()
