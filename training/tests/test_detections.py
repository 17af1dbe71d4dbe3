import json

import numpy as np
import pytest

from probesearch.detections import (DecodeOptions, Detection, decode, input_box_to_image, iou,
                                    letterbox, match, nms)
from probesearch.make_detection_cases import build_cases
from probesearch.paths import TESTDATA

CASES = json.loads((TESTDATA / "detection_decode_cases.json").read_text())["cases"]


def _dense(sparse: dict) -> np.ndarray:
    out = np.zeros(int(np.prod(sparse["shape"])), dtype=np.float32)
    for index, value in sparse["entries"]:
        out[index] = value
    return out.reshape(sparse["shape"])


def _options(camel: dict) -> DecodeOptions:
    return DecodeOptions(score_threshold=camel["scoreThreshold"], max_regions=camel["maxRegions"],
                         max_candidates=camel["maxCandidates"], nms_iou=camel.get("nmsIou"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case(case):
    image = case["image"]
    geometry = letterbox(image["width"], image["height"], image["inputSize"])
    got = decode(_dense(case["heatmap"]), _dense(case["wh"]), geometry, _options(case["options"]), case["stride"])
    assert [d.class_index for d in got] == [e["classIndex"] for e in case["expected"]]
    for d, e in zip(got, case["expected"]):
        assert abs(d.score - e["score"]) <= 1e-6
        assert np.max(np.abs(np.array(d.box) - np.array(e["box"]))) <= 1e-6


def test_committed_cases_match_the_generator():
    assert json.loads(json.dumps(build_cases())) == CASES


def _case(name):
    return next(c for c in CASES if c["name"] == name)


def test_hand_checked_expectations():
    ties = _case("ties_by_lower_index")["expected"]
    # 0.75 first, then the three 0.5 peaks in flat NHWC order: (2,2,c1) < (5,5,c0) < (6,1,c2).
    assert [(d["classIndex"], d["score"]) for d in ties] == [(0, 0.75), (1, 0.5), (0, 0.5), (2, 0.5)]
    plateau = _case("plateaus")["expected"]
    assert [d["classIndex"] for d in plateau] == [0, 0, 1, 2]  # two plateau peaks, 0.35, isolated 0.3
    assert [d["classIndex"] for d in _case("threshold_inclusive")["expected"]] == [2, 0]
    assert len(_case("overlap_nms_off")["expected"]) == 3
    assert [d["classIndex"] for d in _case("overlap_nms_0.4")["expected"]] == [0, 2]
    border = _case("border_peaks_and_clipping")["expected"]
    assert border[0]["box"][:2] == [0.0, 0.0] and border[3]["box"][2:] == [1.0, 1.0]
    assert len(_case("max_candidates_then_max_regions")["expected"]) == 7


def test_letterbox_matches_typescript_rounding():
    g = letterbox(640, 427)
    assert (g.scaled_width, g.scaled_height, g.offset_x, g.offset_y) == (512, 342, 0, 85)
    # 1.5 rounds up like Math.round, not to even like round().
    assert letterbox(8, 5, 4).scaled_height == 3  # 2.5 → 3
    assert input_box_to_image((128, 256, 256, 600), g) == (0.25, 0.5, 0.5, 1.0)


def test_iou_and_nms():
    a = Detection(0, 0.9, (0.0, 0.0, 1.0, 1.0))
    b = Detection(1, 0.8, (0.0, 0.0, 1.0, 0.5))
    assert iou(a.box, b.box) == 0.5
    assert nms([a, b], 0.5) == [a, b] and nms([a, b], 0.4) == [a]
    assert iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0


def test_match_is_class_aware_and_greedy_by_score():
    truths = [(0, (0.0, 0.0, 0.5, 0.5)), (1, (0.5, 0.5, 1.0, 1.0))]
    preds = [
        Detection(0, 0.4, (0.0, 0.0, 0.5, 0.5)),   # duplicate, lower score: false positive
        Detection(0, 0.9, (0.0, 0.0, 0.45, 0.5)),  # IoU 0.9: takes the class-0 truth
        Detection(0, 0.8, (0.5, 0.5, 1.0, 1.0)),   # right place, wrong class
    ]
    counts = match(preds, truths)
    assert (counts.true_positives, counts.predictions, counts.ground_truths) == (1, 3, 2)
    assert counts.precision == pytest.approx(1 / 3) and counts.recall == 0.5
    assert match([], truths).f1 == 0.0
