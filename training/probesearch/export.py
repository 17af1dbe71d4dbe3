"""Exports the trained models for the browser (DESIGN §4).

* text_encoder.onnx   token ids [1, maxWords] -> text probes [1, Pt, d], text global [1, d]
* vision_encoder.onnx region tokens [B, R] -> vision probes [B, Pv, d], vision global [B, d]
* cross_probe.onnx    one query's probes + global against K candidates' -> scores [K]
                      (the late layers batched over candidates: the CPU / WASM path)
* cross_probe.bin     the same late-layer weights, float32, one tensor after another at
                      256-byte aligned offsets, for the WGSL kernels; described by a tensor table
* full_cross_encoder.onnx  the single-stream baseline, one query against K candidates
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import Tensor, nn

from .model import CrossProbeModel, FullCrossEncoder

OPSET = 17
WEIGHT_ALIGN = 256


class _TextEncoder(nn.Module):
    def __init__(self, model: CrossProbeModel):
        super().__init__()
        self.model = model

    def forward(self, token_ids: Tensor) -> tuple[Tensor, Tensor]:
        return self.model.encode_text(token_ids)


class _VisionEncoder(nn.Module):
    def __init__(self, model: CrossProbeModel):
        super().__init__()
        self.model = model

    def forward(self, region_classes: Tensor, region_features: Tensor, region_mask: Tensor
                ) -> tuple[Tensor, Tensor]:
        return self.model.encode_vision(region_classes, region_features, region_mask > 0.5)


class _CrossProbe(nn.Module):
    def __init__(self, model: CrossProbeModel):
        super().__init__()
        self.model = model

    def forward(self, text_probes: Tensor, text_global: Tensor, vision_probes: Tensor,
                vision_global: Tensor) -> Tensor:
        k = vision_probes.shape[0]
        return self.model.cross(text_probes.expand(k, -1, -1), text_global.expand(k, -1),
                                vision_probes, vision_global)


class _FullCrossEncoder(nn.Module):
    def __init__(self, model: FullCrossEncoder):
        super().__init__()
        self.model = model

    def forward(self, token_ids: Tensor, region_classes: Tensor, region_features: Tensor,
                region_mask: Tensor) -> Tensor:
        k = region_classes.shape[0]
        return self.model.score(token_ids.expand(k, -1), region_classes, region_features,
                                region_mask > 0.5)


def _export(module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str],
            dynamic: dict[str, dict[int, str]]) -> None:
    module.eval()
    buffer = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(module, args, buffer, input_names=inputs, output_names=outputs,
                          dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    model = store_weights_as_fp16(onnx.load_model_from_string(buffer.getvalue()))
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())


def round_to_fp16(module: nn.Module) -> None:
    """Rounds every weight to the nearest float16 value, in place, so that the packed fp16
    files reproduce the model exactly; evaluation and golden vectors use the rounded weights."""
    with torch.no_grad():
        for tensor in [*module.parameters(), *module.buffers()]:
            if tensor.is_floating_point():
                tensor.copy_(tensor.half().float())


def store_weights_as_fp16(model: onnx.ModelProto, min_elements: int = 1024) -> onnx.ModelProto:
    """Stores large float32 initializers as float16 followed by a Cast back to float32. Exact
    for weights already rounded to fp16; halves the download; ORT folds the Cast at load, so the
    graph still computes in float32 on every backend (no shader-f16 needed)."""
    graph = model.graph
    casts = []
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT or int(np.prod(init.dims)) < min_elements:
            continue
        array = numpy_helper.to_array(init)
        name = init.name
        init.CopyFrom(numpy_helper.from_array(array.astype(np.float16), name + "_fp16"))
        casts.append(onnx.helper.make_node("Cast", [name + "_fp16"], [name],
                                           to=onnx.TensorProto.FLOAT, name=name + "_to_fp32"))
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def export_text_encoder(model: CrossProbeModel, path: Path) -> None:
    ids = torch.zeros(1, model.cfg.max_words, dtype=torch.int64)
    ids[0, :3] = torch.tensor([2, 3, 4])
    _export(_TextEncoder(model), (ids,), path, ["token_ids"], ["text_probes", "text_global"],
            {"token_ids": {0: "batch"}, "text_probes": {0: "batch"}, "text_global": {0: "batch"}})


def example_regions(cfg, batch: int = 2) -> tuple[Tensor, Tensor, Tensor]:
    classes = torch.zeros(batch, cfg.max_regions, dtype=torch.int64)
    features = torch.rand(batch, cfg.max_regions, 6)
    mask = torch.zeros(batch, cfg.max_regions)
    mask[:, :3] = 1
    return classes, features, mask


def export_vision_encoder(model: CrossProbeModel, path: Path) -> None:
    names = ["region_classes", "region_features", "region_mask"]
    _export(_VisionEncoder(model), example_regions(model.cfg), path, names,
            ["vision_probes", "vision_global"],
            {n: {0: "batch"} for n in names + ["vision_probes", "vision_global"]})


def export_cross_probe(model: CrossProbeModel, path: Path) -> None:
    cfg = model.cfg
    args = (torch.randn(1, cfg.text_probes, cfg.width), torch.randn(1, cfg.width),
            torch.randn(3, cfg.vision_probes, cfg.width), torch.randn(3, cfg.width))
    names = ["text_probes", "text_global", "vision_probes", "vision_global"]
    _export(_CrossProbe(model), args, path, names, ["scores"],
            {"vision_probes": {0: "candidates"}, "vision_global": {0: "candidates"},
             "scores": {0: "candidates"}})


def export_full_cross_encoder(model: FullCrossEncoder, path: Path) -> None:
    ids = torch.zeros(1, model.cfg.max_words, dtype=torch.int64)
    ids[0, :3] = torch.tensor([2, 3, 4])
    names = ["token_ids", "region_classes", "region_features", "region_mask"]
    _export(_FullCrossEncoder(model), (ids, *example_regions(model.cfg, 3)), path, names,
            ["scores"], {"region_classes": {0: "candidates"}, "region_features": {0: "candidates"},
                         "region_mask": {0: "candidates"}, "scores": {0: "candidates"}})


def late_layer_tensors(model: CrossProbeModel) -> list[tuple[str, np.ndarray]]:
    """The cross-probe (late) weights in kernel order. Linear weights keep PyTorch's
    [out, in] layout: y = x W^T + b."""
    tensors = []
    for i, layer in enumerate(model.late.layers):
        for name, p in [("ln1.weight", layer.ln1.weight), ("ln1.bias", layer.ln1.bias),
                        ("attn.qkv.weight", layer.attn.qkv.weight),
                        ("attn.qkv.bias", layer.attn.qkv.bias),
                        ("attn.out.weight", layer.attn.out.weight),
                        ("attn.out.bias", layer.attn.out.bias),
                        ("ln2.weight", layer.ln2.weight), ("ln2.bias", layer.ln2.bias),
                        ("ffn1.weight", layer.ffn1.weight), ("ffn1.bias", layer.ffn1.bias),
                        ("ffn2.weight", layer.ffn2.weight), ("ffn2.bias", layer.ffn2.bias)]:
            tensors.append((f"layers.{i}.{name}", p.detach().numpy().astype(np.float32)))
    assert model.late.norm is not None
    tensors.append(("norm.weight", model.late.norm.weight.detach().numpy().astype(np.float32)))
    tensors.append(("norm.bias", model.late.norm.bias.detach().numpy().astype(np.float32)))
    return tensors


def write_tensor_file(tensors: list[tuple[str, np.ndarray]], path: Path) -> list[dict]:
    """Writes float32 tensors little-endian at WEIGHT_ALIGN-aligned offsets; returns the table."""
    table, blob = [], bytearray()
    for name, array in tensors:
        blob.extend(b"\0" * (-len(blob) % WEIGHT_ALIGN))
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        table.append({"name": name, "shape": list(array.shape), "dtype": "float32",
                      "offset": len(blob), "bytes": len(data)})
        blob.extend(data)
    path.write_bytes(bytes(blob))
    return table


def read_tensor_file(path: Path, table: list[dict]) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    return {t["name"]: np.frombuffer(raw, "<f4", count=int(np.prod(t["shape"])),
                                     offset=t["offset"]).reshape(t["shape"]) for t in table}

