"""A tiny TF.js graph model that uses every op tfjs_to_onnx translates, for converter tests.

Odd input size (SAME padding with stride 2 pads unevenly), fp16, uint8 and float32 weights,
depthwise multiplier 2, fused Relu/Relu6, hard-swish arithmetic, squeeze-excite Mean,
legacy ResizeBilinear, ConcatV2 and Identity outputs. pytest checks the ONNX structurally;
scripts/detector/converter.test.ts runs it against TF.js numerically.

CLI: PYTHONPATH=training /usr/bin/python3 -m probesearch.tfjs_test_graph OUT_DIR
  writes OUT_DIR/model.json, OUT_DIR/weights.bin and OUT_DIR/model.onnx.
"""
from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

import numpy as np

from .tfjs_to_onnx import convert

INPUT_SHAPE = (1, 9, 11, 3)
OUTPUTS = {"features": "out/features", "gate": "out/gate"}


def _b64(text: str) -> dict:
    return {"s": base64.b64encode(text.encode()).decode()}


def _ints(values: list[int]) -> dict:
    return {"list": {"i": [str(v) for v in values]}}


def _conv_attrs(strides: int, padding: str, fused: list[str] | None) -> dict:
    attrs = {"strides": _ints([1, strides, strides, 1]), "dilations": _ints([1, 1, 1, 1]),
             "padding": _b64(padding), "data_format": _b64("NHWC")}
    if fused is not None:
        attrs["fused_ops"] = {"list": {"s": [base64.b64encode(f.encode()).decode() for f in fused]}}
        attrs["num_args"] = {"i": "1"}
    return attrs


def build(rng: np.random.Generator) -> tuple[dict, bytes, dict[str, np.ndarray]]:
    """(model JSON, weight bytes, the dequantised weights the converter must reproduce)."""
    specs: list[dict] = []
    blobs: list[bytes] = []
    values: dict[str, np.ndarray] = {}
    nodes: list[dict] = []

    def weight(name: str, shape: tuple[int, ...], stored: str, dtype: str = "float32", data=None) -> str:
        data = rng.normal(0, 0.5, size=shape) if data is None else np.asarray(data)
        spec = {"name": name, "shape": list(shape), "dtype": dtype}
        if stored == "float16":
            q = data.astype("<f2")
            spec["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
            values[name] = q.astype(np.float32)
        elif stored == "uint8":
            lo, scale = float(data.min()), float((data.max() - data.min()) / 255)
            q = np.round((data - lo) / scale).astype(np.uint8)
            spec["quantization"] = {"dtype": "uint8", "min": lo, "scale": scale, "original_dtype": "float32"}
            values[name] = (q.astype(np.float32) * np.float32(scale) + np.float32(lo)).astype(np.float32)
        else:
            q = data.astype("<i4" if dtype == "int32" else "<f4")
            values[name] = q
        specs.append(spec)
        blobs.append(q.tobytes())
        nodes.append({"name": name, "op": "Const", "attr": {"dtype": {"type": "DT_INT32" if dtype == "int32" else "DT_FLOAT"}}})
        return name

    def node(name: str, op: str, inputs: list[str], attr: dict | None = None) -> str:
        nodes.append({"name": name, "op": op, "input": inputs, "attr": attr or {}})
        return name

    x = node("images", "Placeholder", [], {"shape": {"shape": {"dim": [{"size": str(d)} for d in INPUT_SHAPE]}}})
    # Stem: 3×3 stride-2 SAME conv on 9×11 (uneven padding), fp16 weights, then hard-swish.
    c1 = node("stem", "_FusedConv2D", [x, weight("stem/w", (3, 3, 3, 4), "float16"),
                                       weight("stem/b", (4,), "float16")], _conv_attrs(2, "SAME", ["BiasAdd"]))
    a = node("hs/add", "Add", [c1, weight("hs/three", (), "float16", data=3.0)])
    r6 = node("hs/relu6", "Relu6", [a])
    m = node("hs/mul", "Mul", [weight("hs/sixth", (), "float32", data=1 / 6), c1])
    hs = node("hs/out", "Mul", [m, r6])
    # Depthwise 5×5 stride 2, multiplier 2, uint8 weights, fused Relu; plain depthwise 3×3.
    d1 = node("dw", "FusedDepthwiseConv2dNative", [hs, weight("dw/w", (5, 5, 4, 2), "uint8"),
                                                   weight("dw/b", (8,), "float32")], _conv_attrs(2, "SAME", ["BiasAdd", "Relu"]))
    d2 = node("dw2", "DepthwiseConv2dNative", [d1, weight("dw2/w", (3, 3, 8, 1), "float16")], _conv_attrs(1, "SAME", None))
    # Squeeze-excite: Mean over H,W (keep dims), 1×1 conv + Relu6, plain Conv2D, Sigmoid gate.
    mean = node("se/mean", "Mean", [d2, weight("se/axes", (2,), "int32", "int32", data=[1, 2])], {"keep_dims": {"b": True}})
    se1 = node("se/fc1", "_FusedConv2D", [mean, weight("se/w1", (1, 1, 8, 4), "float16"), weight("se/b1", (4,), "float16")],
               _conv_attrs(1, "SAME", ["BiasAdd", "Relu6"]))
    se2 = node("se/fc2", "Conv2D", [se1, weight("se/w2", (1, 1, 4, 8), "float16")], _conv_attrs(1, "SAME", None))
    gate = node("se/sigmoid", "Sigmoid", [se2])
    scaled = node("se/scaled", "Mul", [d2, gate])
    # Upsample ×2 with TF's legacy mapping, concat with the stem branch, VALID 1×1 conv, Relu.
    up = node("up", "ResizeBilinear", [scaled, weight("up/size", (2,), "int32", "int32", data=[5, 6])],
              {"align_corners": {"b": False}, "half_pixel_centers": {"b": False}})
    cat = node("cat", "ConcatV2", [hs, up, weight("cat/axis", (), "int32", "int32", data=3)])
    head = node("head", "_FusedConv2D", [cat, weight("head/w", (1, 1, 12, 5), "float16"), weight("head/b", (5,), "float16")],
                _conv_attrs(1, "VALID", ["BiasAdd"]))
    relu = node("head/relu", "Relu", [head])
    node(OUTPUTS["features"], "Identity", [relu])
    node(OUTPUTS["gate"], "Identity", [gate])
    model = {
        "format": "graph-model", "generatedBy": "probesearch.tfjs_test_graph", "convertedBy": "hand-written",
        "modelTopology": {"node": nodes, "library": {}, "versions": {}},
        "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
    }
    return model, b"".join(blobs), values


def write(out_dir: Path, seed: int = 7) -> dict[str, np.ndarray]:
    model, data, values = build(np.random.default_rng(seed))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model.json").write_text(json.dumps(model))
    (out_dir / "weights.bin").write_bytes(data)
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args()
    write(args.out_dir)
    print(json.dumps(convert(args.out_dir / "model.json", args.out_dir / "model.onnx", OUTPUTS, "images")))


if __name__ == "__main__":
    main()
