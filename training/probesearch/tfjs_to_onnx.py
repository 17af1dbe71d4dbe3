"""TF.js graph model (model JSON + weight shards) → ONNX, using only onnx and numpy.

Covers the ops the CenterNet detector's `keypoints` and `wh` outputs use. TF.js graphs are
NHWC; the ONNX graph transposes the input to NCHW once, keeps every 4-D activation NCHW, and
transposes the requested outputs back to NHWC, so callers see TF.js's layout exactly.

CLI: PYTHONPATH=training /usr/bin/python3 -m probesearch.tfjs_to_onnx MODEL_JSON OUT_ONNX
"""
from __future__ import annotations

import argparse
import base64
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
# CenterNet: ONNX output name -> TF.js node. `tower_0/detections` (TopK/Gather post-processing)
# is dropped: decoding lives in src/model/detections.ts.
CENTERNET_OUTPUTS = {"heatmap": "tower_0/keypoints", "wh": "tower_0/wh"}
NHWC_TO_NCHW = (0, 3, 1, 2)
NCHW_TO_NHWC = (0, 2, 3, 1)
# TF.js weight dtypes and the bytes each stored element takes.
STORED_BYTES = {"float32": 4, "int32": 4, "bool": 1, "float16": 2, "uint8": 1, "uint16": 2}


@dataclass
class Weight:
    """A dequantised TF.js constant; `fp16_exact` marks values that came from float16 storage."""

    value: np.ndarray
    fp16_exact: bool


def load_weights(model_json: Path, manifest: list[dict]) -> dict[str, Weight]:
    """Reads every shard group and dequantises per the weightsManifest."""
    weights: dict[str, Weight] = {}
    for group in manifest:
        data = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            weight, size = _read_weight(spec, data, offset)
            weights[spec["name"]] = weight
            offset += size
        if offset != len(data):
            raise ValueError(f"weight group {group['paths']} has {len(data) - offset} unread bytes")
    return weights


def _read_weight(spec: dict, data: bytes, offset: int) -> tuple[Weight, int]:
    shape = [int(d) for d in spec["shape"]]
    count = int(np.prod(shape, dtype=np.int64))
    quant = spec.get("quantization")
    stored = quant["dtype"] if quant else spec["dtype"]
    size = count * STORED_BYTES[stored]
    raw = data[offset : offset + size]
    if len(raw) != size:
        raise ValueError(f"weight {spec['name']} runs past the end of its shard")
    if stored == "float16":
        value = np.frombuffer(raw, dtype="<f2").astype(np.float32)
    elif stored in ("uint8", "uint16"):
        q = np.frombuffer(raw, dtype=np.uint8 if stored == "uint8" else "<u2").astype(np.float32)
        value = (q * np.float32(quant["scale"]) + np.float32(quant["min"])).astype(np.float32)
    elif stored == "float32":
        value = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    elif stored == "int32":
        value = np.frombuffer(raw, dtype="<i4").astype(np.int32)
    else:
        raise ValueError(f"unsupported weight dtype {stored} for {spec['name']}")
    return Weight(value.reshape(shape), fp16_exact=stored == "float16"), size


def _attr_str(node: dict, key: str) -> str:
    return base64.b64decode(node["attr"][key]["s"]).decode()


def _attr_ints(node: dict, key: str) -> list[int]:
    return [int(i) for i in node["attr"][key]["list"].get("i", [])]


def _attr_bool(node: dict, key: str) -> bool:
    return bool(node.get("attr", {}).get(key, {}).get("b", False))


def _fused_ops(node: dict) -> list[str]:
    ops = node.get("attr", {}).get("fused_ops", {}).get("list", {}).get("s", [])
    return [base64.b64decode(s).decode() for s in ops]


def _source(name: str) -> str:
    """TF input reference → node name (drops ':0' output index; control deps are rejected)."""
    if name.startswith("^"):
        raise ValueError(f"control dependency {name} is not supported")
    base, _, index = name.partition(":")
    if index not in ("", "0"):
        raise ValueError(f"multi-output reference {name} is not supported")
    return base


def _conv_pads(in_hw: list[int], kernel: list[int], strides: list[int], dilations: list[int],
               padding: str) -> tuple[list[int], list[int]]:
    """TF SAME/VALID → explicit ONNX pads (TF puts the odd extra pixel after) and output size."""
    begins, ends, out = [], [], []
    for size, k, s, d in zip(in_hw, kernel, strides, dilations):
        extent = (k - 1) * d + 1
        if padding == "SAME":
            o = -(-size // s)
            total = max((o - 1) * s + extent - size, 0)
        elif padding == "VALID":
            o = -(-(size - extent + 1) // s)
            total = 0
        else:
            raise ValueError(f"padding {padding} is not supported")
        begins.append(total // 2)
        ends.append(total - total // 2)
        out.append(o)
    return begins + ends, out


@dataclass
class _Builder:
    """Accumulates ONNX nodes/initializers; tracks each tensor's TF (NHWC) shape."""

    tf_nodes: dict[str, dict]
    weights: dict[str, Weight]
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    initializers: list[onnx.TensorProto] = field(default_factory=list)
    shapes: dict[str, list[int]] = field(default_factory=dict)  # tf name -> NHWC shape
    onnx_name: dict[str, str] = field(default_factory=dict)  # tf name -> onnx tensor

    def initializer(self, name: str, value: np.ndarray, fp16: bool = False) -> str:
        """Adds a constant once; fp16=True stores it as float16 plus a Cast (lossless for fp16 data)."""
        if any(t.name in (name, name + "_fp16") for t in self.initializers):
            return name
        if not fp16:
            self.initializers.append(numpy_helper.from_array(value, name))
            return name
        self.initializers.append(numpy_helper.from_array(value.astype(np.float16), name + "_fp16"))
        self.nodes.append(helper.make_node("Cast", [name + "_fp16"], [name], to=TensorProto.FLOAT))
        return name

    def const(self, tf_name: str) -> Weight:
        node = self.tf_nodes[tf_name]
        if node["op"] != "Const":
            raise ValueError(f"{tf_name} must be a constant, is {node['op']}")
        if tf_name not in self.weights:
            raise ValueError(f"constant {tf_name} has no entry in the weightsManifest")
        return self.weights[tf_name]

    def emit(self, op: str, inputs: list[str], output: str, **attrs: object) -> str:
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def activation(self, tf_name: str) -> str:
        if tf_name not in self.onnx_name:
            raise ValueError(f"{tf_name} is used before it is produced")
        return self.onnx_name[tf_name]


def _topological(tf_nodes: dict[str, dict], outputs: list[str]) -> list[str]:
    """Nodes the outputs depend on, producers first."""
    order: list[str] = []
    state: dict[str, int] = {}
    for root in outputs:
        stack = [(root, False)]
        while stack:
            name, expanded = stack.pop()
            if expanded:
                state[name] = 2
                order.append(name)
                continue
            if state.get(name):
                continue
            state[name] = 1
            stack.append((name, True))
            for ref in tf_nodes[name].get("input", []):
                if not state.get(_source(ref)):
                    stack.append((_source(ref), False))
    return order


def _conv(b: _Builder, name: str, node: dict, depthwise: bool) -> None:
    inputs = [_source(i) for i in node["input"]]
    x_shape = b.shapes[inputs[0]]
    if _attr_str(node, "data_format") != "NHWC":
        raise ValueError(f"{name}: only NHWC convolutions are supported")
    w = b.const(inputs[1])
    kh, kw, cin, cmult = w.value.shape
    if depthwise:
        # [kh, kw, cin, mult] -> [cin*mult, 1, kh, kw]; output channel = c*mult + m, as in TF.
        kernel = w.value.transpose(2, 3, 0, 1).reshape(cin * cmult, 1, kh, kw)
        cout, group = cin * cmult, cin
    else:
        kernel = w.value.transpose(3, 2, 0, 1)
        cout, group = cmult, 1
        if cin != x_shape[3]:
            raise ValueError(f"{name}: kernel expects {cin} channels, input has {x_shape[3]}")
    strides = _attr_ints(node, "strides")[1:3]
    dilations = _attr_ints(node, "dilations")[1:3] if "dilations" in node.get("attr", {}) else [1, 1]
    pads, out_hw = _conv_pads(x_shape[1:3], [kh, kw], strides, dilations, _attr_str(node, "padding"))
    conv_inputs = [b.activation(inputs[0]), b.initializer(f"{name}/kernel", np.ascontiguousarray(kernel), w.fp16_exact)]
    fused = _fused_ops(node)
    if node["op"] in ("Conv2D", "DepthwiseConv2dNative") and fused:
        raise ValueError(f"{name}: unfused op with fused_ops")
    if fused:
        if fused[0] != "BiasAdd" or len(inputs) != 3:
            raise ValueError(f"{name}: fused ops {fused} are not supported")
        conv_inputs.append(b.initializer(f"{name}/bias", b.const(inputs[2]).value.astype(np.float32)))
    activation = fused[1:]
    out = b.emit("Conv", conv_inputs, name if not activation else f"{name}/conv", kernel_shape=[kh, kw],
                 strides=strides, dilations=dilations, pads=pads, group=group)
    if activation == ["Relu"]:
        out = b.emit("Relu", [out], name)
    elif activation == ["Relu6"]:
        out = _relu6(b, out, name)
    elif activation:
        raise ValueError(f"{name}: fused activation {activation} is not supported")
    b.onnx_name[name] = out
    b.shapes[name] = [x_shape[0], out_hw[0], out_hw[1], cout]


def _relu6(b: _Builder, x: str, name: str) -> str:
    lo = b.initializer(f"{name}/min", np.array(0, dtype=np.float32))
    hi = b.initializer(f"{name}/max", np.array(6, dtype=np.float32))
    return b.emit("Clip", [x, lo, hi], name)


def _operand(b: _Builder, tf_name: str, other_rank: int) -> tuple[str, list[int]]:
    """An elementwise operand: an activation, or a constant laid out for NCHW broadcasting."""
    node = b.tf_nodes[tf_name]
    if node["op"] != "Const":
        return b.activation(tf_name), b.shapes[tf_name]
    value = b.const(tf_name).value.astype(np.float32)
    shape = list(value.shape)
    if value.ndim == 0 or value.size == 1:
        value = value.reshape(())
    elif other_rank == 4 and value.ndim == 1:
        value = value.reshape(1, -1, 1, 1)  # per-channel NHWC vector -> NCHW broadcast
    elif other_rank == 4:
        raise ValueError(f"constant {tf_name} with shape {shape} cannot broadcast against NCHW")
    return b.initializer(f"{tf_name}/value", value), shape


def _binary(b: _Builder, name: str, node: dict, op: str) -> None:
    a_name, c_name = (_source(i) for i in node["input"])
    ranks = [len(b.shapes[n]) for n in (a_name, c_name) if n in b.shapes]
    if not ranks:
        raise ValueError(f"{name}: both operands are constants; fold them before converting")
    rank = max(ranks)
    a, a_shape = _operand(b, a_name, rank)
    c, c_shape = _operand(b, c_name, rank)
    b.onnx_name[name] = b.emit(op, [a, c], name)
    b.shapes[name] = list(np.broadcast_shapes(tuple(a_shape), tuple(c_shape)))


def _nchw_axis(axis: int, rank: int) -> int:
    axis = axis % rank
    return NHWC_TO_NCHW.index(axis) if rank == 4 else axis


def _mean(b: _Builder, name: str, node: dict) -> None:
    x, axes_name = (_source(i) for i in node["input"])
    rank = len(b.shapes[x])
    tf_axes = sorted({int(a) % rank for a in np.atleast_1d(b.const(axes_name).value)})
    keep = _attr_bool(node, "keep_dims")
    if rank == 4 and not keep:
        raise ValueError(f"{name}: Mean without keep_dims on a 4-D tensor would break the NCHW layout")
    axes = sorted(_nchw_axis(a, rank) for a in tf_axes)
    b.onnx_name[name] = b.emit("ReduceMean", [b.activation(x)], name, axes=axes, keepdims=int(keep))
    b.shapes[name] = [1 if i in tf_axes else d for i, d in enumerate(b.shapes[x]) if keep or i not in tf_axes]


def _concat(b: _Builder, name: str, node: dict) -> None:
    refs = [_source(i) for i in node["input"]]
    parts, axis_name = refs[:-1], refs[-1]
    rank = len(b.shapes[parts[0]])
    axis = int(b.const(axis_name).value) % rank
    b.onnx_name[name] = b.emit("Concat", [b.activation(p) for p in parts], name, axis=_nchw_axis(axis, rank))
    shape = list(b.shapes[parts[0]])
    shape[axis] = sum(b.shapes[p][axis] for p in parts)
    b.shapes[name] = shape


def _resize_bilinear(b: _Builder, name: str, node: dict) -> None:
    x, size_name = (_source(i) for i in node["input"])
    height, width = (int(v) for v in b.const(size_name).value)
    n, _, _, c = b.shapes[x]
    if _attr_bool(node, "align_corners"):
        mode = "align_corners"
    elif _attr_bool(node, "half_pixel_centers"):
        mode = "half_pixel"
    else:
        mode = "asymmetric"  # TF's legacy mapping: src = dst * in/out
    sizes = b.initializer(f"{name}/sizes", np.array([n, c, height, width], dtype=np.int64))
    b.onnx_name[name] = b.emit("Resize", [b.activation(x), "", "", sizes], name, mode="linear",
                               coordinate_transformation_mode=mode)
    b.shapes[name] = [n, height, width, c]


def _unary(b: _Builder, name: str, node: dict, op: str) -> None:
    x = _source(node["input"][0])
    out = _relu6(b, b.activation(x), name) if op == "Relu6" else b.emit(op, [b.activation(x)], name)
    b.onnx_name[name] = out
    b.shapes[name] = list(b.shapes[x])


def _placeholder(b: _Builder, name: str, node: dict, input_name: str) -> onnx.ValueInfoProto:
    shape = [int(d["size"]) for d in node["attr"]["shape"]["shape"]["dim"]]
    if len(shape) != 4 or min(shape) <= 0:
        raise ValueError(f"input {name} needs a static NHWC shape, has {shape}")
    b.onnx_name[name] = b.emit("Transpose", [input_name], f"{input_name}/nchw", perm=list(NHWC_TO_NCHW))
    b.shapes[name] = shape
    return helper.make_tensor_value_info(input_name, TensorProto.FLOAT, shape)


def _convert_node(b: _Builder, name: str, node: dict) -> None:
    op = node["op"]
    if op in ("_FusedConv2D", "Conv2D"):
        _conv(b, name, node, depthwise=False)
    elif op in ("FusedDepthwiseConv2dNative", "DepthwiseConv2dNative"):
        _conv(b, name, node, depthwise=True)
    elif op in ("Add", "AddV2", "Mul", "Sub"):
        _binary(b, name, node, {"AddV2": "Add"}.get(op, op))
    elif op in ("Relu", "Relu6", "Sigmoid"):
        _unary(b, name, node, op)
    elif op == "Identity":
        src = _source(node["input"][0])
        b.onnx_name[name] = b.activation(src)
        b.shapes[name] = b.shapes[src]
    elif op == "Mean":
        _mean(b, name, node)
    elif op == "ConcatV2":
        _concat(b, name, node)
    elif op == "ResizeBilinear":
        _resize_bilinear(b, name, node)
    else:
        raise ValueError(f"TF op {op} ({name}) is not supported by this converter")


def build_model(model: dict, weights: dict[str, Weight], outputs: dict[str, str],
                input_name: str = "image") -> onnx.ModelProto:
    """Translates the subgraph that `outputs` (ONNX name -> TF node) depend on."""
    tf_nodes = {n["name"]: n for n in model["modelTopology"]["node"]}
    b = _Builder(tf_nodes=tf_nodes, weights=weights)
    graph_inputs = []
    for name in _topological(tf_nodes, list(outputs.values())):
        node = tf_nodes[name]
        if node["op"] == "Const":
            continue
        if node["op"] == "Placeholder":
            if graph_inputs:
                raise ValueError("only single-input graphs are supported")
            graph_inputs.append(_placeholder(b, name, node, input_name))
            continue
        _convert_node(b, name, node)
    graph_outputs = []
    for out_name, tf_name in outputs.items():
        shape = b.shapes[tf_name]
        if len(shape) == 4:
            b.emit("Transpose", [b.activation(tf_name)], out_name, perm=list(NCHW_TO_NHWC))
        else:
            b.emit("Identity", [b.activation(tf_name)], out_name)
        graph_outputs.append(helper.make_tensor_value_info(out_name, TensorProto.FLOAT, shape))
    graph = helper.make_graph(b.nodes, "tfjs_graph", graph_inputs, graph_outputs, b.initializers)
    onnx_model = helper.make_model(graph, producer_name="probesearch.tfjs_to_onnx",
                                   opset_imports=[helper.make_opsetid("", OPSET)])
    onnx_model.ir_version = 8  # opset 13 works with IR 7+; 8 is what ORT-web 1.x expects most
    onnx.checker.check_model(onnx_model)
    return onnx_model


def convert(model_json: Path, out: Path, outputs: dict[str, str] | None = None,
            input_name: str = "image") -> dict:
    """Converts a TF.js graph model file to ONNX at `out`; returns a summary."""
    model_json = Path(model_json)
    model = json.loads(model_json.read_text())
    if model.get("format") != "graph-model":
        raise ValueError(f"{model_json} is not a TF.js graph model")
    weights = load_weights(model_json, model["weightsManifest"])
    onnx_model = build_model(model, weights, outputs or CENTERNET_OUTPUTS, input_name)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(onnx_model, str(out))
    params = sum(int(np.prod(t.dims, dtype=np.int64)) for t in onnx_model.graph.initializer)
    return {
        "ops": dict(sorted(Counter(n.op_type for n in onnx_model.graph.node).items())),
        "params": params,
        "bytes": out.stat().st_size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_json", type=Path)
    parser.add_argument("out_onnx", type=Path)
    args = parser.parse_args()
    print(json.dumps(convert(args.model_json, args.out_onnx), indent=2))


if __name__ == "__main__":
    main()
