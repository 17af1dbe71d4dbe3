import json
from collections import Counter

import numpy as np
import onnx
import pytest
from onnx import TensorProto, numpy_helper

from probesearch import tfjs_test_graph
from probesearch.paths import HUMAN_MODELS
from probesearch.tfjs_to_onnx import OPSET, convert

CENTERNET_JSON = HUMAN_MODELS / "models" / "centernet.json"


def _initializers(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    return {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}


def _shape(value_info) -> list[int]:
    return [d.dim_value for d in value_info.type.tensor_type.shape.dim]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    values = tfjs_test_graph.write(out)
    summary = convert(out / "model.json", out / "model.onnx", tfjs_test_graph.OUTPUTS, "images")
    return out, values, summary, onnx.load(str(out / "model.onnx"))


def test_tiny_graph_is_valid_onnx_with_nhwc_interface(tiny):
    _, _, summary, model = tiny
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == OPSET
    assert [i.name for i in model.graph.input] == ["images"]
    assert _shape(model.graph.input[0]) == list(tfjs_test_graph.INPUT_SHAPE)
    outputs = {o.name: _shape(o) for o in model.graph.output}
    assert outputs == {"features": [1, 5, 6, 5], "gate": [1, 1, 1, 8]}
    assert summary["ops"] == dict(sorted(Counter(n.op_type for n in model.graph.node).items()))


def test_tiny_graph_ops_and_layout(tiny):
    _, _, _, model = tiny
    ops = Counter(n.op_type for n in model.graph.node)
    assert ops["Conv"] == 6 and ops["Resize"] == 1 and ops["ReduceMean"] == 1 and ops["Clip"] == 2
    convs = {n.name: {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute} for n in model.graph.node if n.op_type == "Conv"}
    # 9×11, 3×3 stride 2 SAME → 5×6 with even pads; then 5×5 stride 2 on 5×6 → 3×3 pads 4 rows,
    # 3 cols: TF puts the odd pixel after (ONNX pads = [top, left, bottom, right]).
    assert convs["stem"]["pads"] == [1, 1, 1, 1]
    assert convs["dw/conv"]["pads"] == [2, 1, 2, 2]
    assert convs["dw/conv"]["group"] == 4 and convs["head"]["pads"] == [0, 0, 0, 0]
    resize = next(n for n in model.graph.node if n.op_type == "Resize")
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in resize.attribute}
    assert attrs["coordinate_transformation_mode"] == b"asymmetric" and attrs["mode"] == b"linear"
    mean = next(n for n in model.graph.node if n.op_type == "ReduceMean")
    assert onnx.helper.get_attribute_value(mean.attribute[0]) == [2, 3]  # NHWC axes 1,2 → NCHW 2,3


def test_dequantisation_is_exact(tiny):
    _, values, _, model = tiny
    inits = _initializers(model)
    # fp16 weights stay fp16 (then a Cast), transposed HWIO → OIHW, bit-identical.
    stem = next(t for t in model.graph.initializer if t.name == "stem/kernel_fp16")
    assert stem.data_type == TensorProto.FLOAT16
    np.testing.assert_array_equal(inits["stem/kernel_fp16"].astype(np.float32), values["stem/w"].transpose(3, 2, 0, 1))
    casts = [n for n in model.graph.node if n.op_type == "Cast"]
    assert {c.input[0] for c in casts} >= {"stem/kernel_fp16", "head/kernel_fp16"}
    # uint8: min + q·scale in float32, kept float32; depthwise [kh,kw,c,m] → [c·m,1,kh,kw].
    dw = inits["dw/kernel"]
    assert dw.dtype == np.float32
    np.testing.assert_array_equal(dw, values["dw/w"].transpose(2, 3, 0, 1).reshape(8, 1, 5, 5))
    np.testing.assert_array_equal(inits["stem/bias"], values["stem/b"])
    assert float(inits["hs/three/value"]) == 3.0


def test_unsupported_op_is_reported(tmp_path):
    model, data, _ = tfjs_test_graph.build(np.random.default_rng(0))
    model["modelTopology"]["node"].append({"name": "odd", "op": "Erf", "input": ["head"], "attr": {}})
    (tmp_path / "model.json").write_text(json.dumps(model))
    (tmp_path / "weights.bin").write_bytes(data)
    with pytest.raises(ValueError, match="Erf"):
        convert(tmp_path / "model.json", tmp_path / "model.onnx", {"odd": "odd"}, "images")


@pytest.mark.skipif(not CENTERNET_JSON.exists(), reason="human-models not unpacked in .cache/sources")
def test_centernet_converts(tmp_path):
    summary = convert(CENTERNET_JSON, tmp_path / "detector.onnx")
    model = onnx.load(str(tmp_path / "detector.onnx"))
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == ["image"]
    assert _shape(model.graph.input[0]) == [1, 512, 512, 3]
    assert {o.name: _shape(o) for o in model.graph.output} == {"heatmap": [1, 128, 128, 80], "wh": [1, 128, 128, 4]}
    assert set(summary["ops"]) == {"Add", "Cast", "Clip", "Concat", "Conv", "Mul", "ReduceMean", "Relu",
                                   "Resize", "Sigmoid", "Transpose"}
    assert summary["params"] > 1_900_000 and summary["bytes"] < 4_500_000  # fp16 storage
