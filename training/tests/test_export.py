"""The exported ONNX files and the cross-probe tensor file reproduce the PyTorch models.

ONNX models run through onnxruntime-node (scripts/run-onnx.ts), the runtime the app uses:
Debian's python has no onnxruntime. Skips when node_modules is absent.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from probesearch.export import (WEIGHT_ALIGN, export_cross_probe, export_full_cross_encoder,
                                export_text_encoder, export_vision_encoder, late_layer_tensors,
                                read_tensor_file, round_to_fp16, store_weights_as_fp16,
                                write_tensor_file)
from probesearch.model import CrossProbeModel, FullCrossEncoder, ModelConfig
from probesearch.paths import REPO

CFG = ModelConfig(width=32, heads=2, ffn=64, early_layers=2, late_layers=1, text_probes=2,
                  vision_probes=3, max_words=8, max_regions=6)
VOCAB = 20
TOLERANCE = 1e-5


def _randomised(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """Every weight random (zero-initialised ones too, so none of them hides an export bug),
    then rounded to fp16 as the build does."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=generator) * 0.2)
    round_to_fp16(model)
    return model.eval()


@pytest.fixture(scope="module")
def models() -> tuple[CrossProbeModel, FullCrossEncoder]:
    generator = torch.Generator().manual_seed(7)
    words = torch.randn(VOCAB, CFG.glove_dim, generator=generator)
    words[0] = 0  # pad
    labels = torch.randn(CFG.classes, CFG.glove_dim, generator=generator)
    return (_randomised(CrossProbeModel(CFG, words, labels), 1),
            _randomised(FullCrossEncoder(CFG, words, labels), 2))


@pytest.fixture(scope="module")
def inputs() -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(3)
    ids = torch.zeros(1, CFG.max_words, dtype=torch.int64)
    ids[0, :5] = torch.randint(2, VOCAB, (5,), generator=generator)
    k = 3
    classes = torch.randint(0, CFG.classes, (k, CFG.max_regions), generator=generator)
    features = torch.rand(k, CFG.max_regions, 6, generator=generator)
    mask = torch.zeros(k, CFG.max_regions)
    mask[0, :4] = 1
    mask[1, :] = 1  # full; row 2 stays empty: an image with no detections
    return {"ids": ids, "classes": classes, "features": features, "mask": mask}


def _tensor(t: torch.Tensor) -> dict:
    kind = "int64" if t.dtype == torch.int64 else "float32"
    return {"type": kind, "dims": list(t.shape), "data": t.reshape(-1).tolist()}


def run_onnx(model: Path, feeds: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """Runs `model` on onnxruntime-node; returns its outputs by name."""
    if not (REPO / "node_modules" / "onnxruntime-node").is_dir() or shutil.which("npx") is None:
        pytest.skip("node_modules with onnxruntime-node is not installed")
    request = {"model": str(model), "inputs": {name: _tensor(t) for name, t in feeds.items()}}
    result = subprocess.run(["npx", "tsx", "scripts/run-onnx.ts"], input=json.dumps(request),
                            capture_output=True, text=True, cwd=REPO, timeout=120, check=True)
    outputs = json.loads(result.stdout)["outputs"]
    return {name: np.asarray(o["data"], np.float32).reshape(o["dims"])
            for name, o in outputs.items()}


def assert_close(name: str, expected: torch.Tensor, actual: np.ndarray) -> None:
    assert tuple(expected.shape) == actual.shape, name
    delta = float(np.abs(expected.detach().numpy() - actual).max())
    print(f"{name}: max |delta| ORT vs PyTorch {delta:.2e}")  # shown with pytest -s
    assert delta <= TOLERANCE, name


@torch.no_grad()
def test_text_encoder_onnx_matches_pytorch(models, inputs, tmp_path):
    model, _ = models
    export_text_encoder(model, tmp_path / "text.onnx")
    out = run_onnx(tmp_path / "text.onnx", {"token_ids": inputs["ids"]})
    probes, glob = model.encode_text(inputs["ids"])
    assert_close("text_probes", probes, out["text_probes"])
    assert_close("text_global", glob, out["text_global"])


@torch.no_grad()
def test_vision_encoder_onnx_matches_pytorch(models, inputs, tmp_path):
    model, _ = models
    export_vision_encoder(model, tmp_path / "vision.onnx")
    out = run_onnx(tmp_path / "vision.onnx", {"region_classes": inputs["classes"],
                                              "region_features": inputs["features"],
                                              "region_mask": inputs["mask"]})
    probes, glob = model.encode_vision(inputs["classes"], inputs["features"], inputs["mask"] > 0.5)
    assert_close("vision_probes", probes, out["vision_probes"])
    assert_close("vision_global", glob, out["vision_global"])


@torch.no_grad()
def test_cross_probe_onnx_matches_pytorch(models, inputs, tmp_path):
    model, _ = models
    export_cross_probe(model, tmp_path / "cross.onnx")
    tp, tg = model.encode_text(inputs["ids"])
    vp, vg = model.encode_vision(inputs["classes"], inputs["features"], inputs["mask"] > 0.5)
    out = run_onnx(tmp_path / "cross.onnx", {"text_probes": tp, "text_global": tg,
                                             "vision_probes": vp, "vision_global": vg})
    k = vp.shape[0]
    expected = model.cross(tp.expand(k, -1, -1), tg.expand(k, -1), vp, vg)
    assert_close("cross-probe scores", expected, out["scores"])


@torch.no_grad()
def test_full_cross_encoder_onnx_matches_pytorch(models, inputs, tmp_path):
    _, model = models
    export_full_cross_encoder(model, tmp_path / "full.onnx")
    out = run_onnx(tmp_path / "full.onnx", {"token_ids": inputs["ids"],
                                            "region_classes": inputs["classes"],
                                            "region_features": inputs["features"],
                                            "region_mask": inputs["mask"]})
    k = inputs["classes"].shape[0]
    expected = model.score(inputs["ids"].expand(k, -1), inputs["classes"], inputs["features"],
                           inputs["mask"] > 0.5)
    assert_close("full cross-encoder scores", expected, out["scores"])


def test_tensor_file_round_trips_exactly(models, tmp_path):
    model, _ = models
    tensors = late_layer_tensors(model)
    table = write_tensor_file(tensors, tmp_path / "cross_probe.bin")
    size = (tmp_path / "cross_probe.bin").stat().st_size
    back = read_tensor_file(tmp_path / "cross_probe.bin", table)
    assert [t["name"] for t in table] == [name for name, _ in tensors]
    for entry, (name, array) in zip(table, tensors):
        assert entry["offset"] % WEIGHT_ALIGN == 0
        assert entry["bytes"] == array.size * 4 and entry["offset"] + entry["bytes"] <= size
        assert np.array_equal(back[name], array)
    assert table[-1]["offset"] + table[-1]["bytes"] == size
    names = {t["name"] for t in table}
    assert {"layers.0.attn.qkv.weight", "norm.weight", "norm.bias"} <= names
    assert back["layers.0.attn.qkv.weight"].shape == (3 * CFG.width, CFG.width)  # [out, in]


def test_store_weights_as_fp16_keeps_small_tensors_fp32(models, tmp_path):
    model, _ = models
    export_cross_probe(model, tmp_path / "cross.onnx")
    graph = onnx.load(tmp_path / "cross.onnx").graph
    cast_inputs = {n.input[0] for n in graph.node if n.op_type == "Cast"}
    halves = [i for i in graph.initializer if i.data_type == onnx.TensorProto.FLOAT16]
    floats = [i for i in graph.initializer if i.data_type == onnx.TensorProto.FLOAT]
    assert halves and floats
    assert all(int(np.prod(i.dims)) >= 1024 and i.name in cast_inputs for i in halves)
    assert all(int(np.prod(i.dims)) < 1024 for i in floats)


def test_store_weights_as_fp16_is_exact_for_fp16_values():
    weight = np.float16(np.random.default_rng(0).normal(size=(40, 30))).astype(np.float32)
    bias = np.arange(30, dtype=np.float32)
    node = onnx.helper.make_node("Add", ["w", "b"], ["y"])
    graph = onnx.helper.make_graph(
        [node], "g", [], [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [40, 30])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")])
    model = store_weights_as_fp16(onnx.helper.make_model(graph))
    inits = {i.name: i for i in model.graph.initializer}
    assert set(inits) == {"w_fp16", "b"}
    assert np.array_equal(numpy_helper.to_array(inits["w_fp16"]).astype(np.float32), weight)
    assert inits["b"].data_type == onnx.TensorProto.FLOAT
    assert model.graph.node[0].op_type == "Cast" and model.graph.node[0].output[0] == "w"
    onnx.checker.check_model(model)
