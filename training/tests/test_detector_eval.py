import json

import pytest

from probesearch.detector_eval import THRESHOLDS, evaluate
from probesearch.paths import COCO_MINI


def _write(tmp_path, detections, annotations):
    categories = [{"id": i if i < 12 else i + 10, "name": f"c{i}"} for i in range(1, 81)]
    instances = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 50}],
        "annotations": annotations,
        "categories": categories[::-1],  # order in the file must not matter
    }
    (tmp_path / "instances.json").write_text(json.dumps(instances))
    (tmp_path / "det.json").write_text(json.dumps([{"file": "dir/a.jpg", "width": 100, "height": 50, "detections": detections}]))
    return tmp_path / "det.json", tmp_path / "instances.json"


def test_sweep_counts_class_aware_matches(tmp_path):
    # Truth: category id 22 (channel 11 after sorting ids 1..11, 22..) at x 10..60, y 5..30.
    annotations = [{"image_id": 1, "category_id": 22, "bbox": [10, 5, 50, 25], "iscrowd": 0},
                   {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "iscrowd": 1}]
    detections = [
        {"classIndex": 11, "score": 0.6, "box": [0.1, 0.1, 0.6, 0.6]},   # hit
        {"classIndex": 11, "score": 0.35, "box": [0.12, 0.1, 0.6, 0.6]},  # duplicate: NMS removes it
        {"classIndex": 3, "score": 0.12, "box": [0.0, 0.0, 0.2, 0.2]},   # wrong class
    ]
    result = evaluate(*_write(tmp_path, detections, annotations))
    rows = {(r["score_threshold"], r["nms_iou"]): r for r in result["rows"]}
    assert len(result["rows"]) == 2 * len(THRESHOLDS)
    assert rows[(0.1, None)]["true_positives"] == 1 and rows[(0.1, None)]["predictions"] == 3
    assert rows[(0.1, None)]["ground_truths"] == 1  # crowd box ignored
    assert rows[(0.1, 0.4)]["predictions"] == 2
    assert rows[(0.4, None)]["precision"] == 1.0
    # Best F1 = 1.0 at 0.4 and 0.5 (with or without NMS): ties go to the higher threshold, NMS on.
    assert (result["score_threshold"], result["nms_iou"], result["max_regions"]) == (0.5, 0.4, 1)
    assert "| 0.50 | IoU 0.4 | 1.000 |" in result["table_markdown"]


@pytest.mark.skipif(not (COCO_MINI / "instances.json").exists(), reason="coco-mini not available")
def test_missing_photos_are_an_error(tmp_path):
    (tmp_path / "det.json").write_text("[]")
    with pytest.raises(ValueError, match="no detections entry"):
        evaluate(tmp_path / "det.json", COCO_MINI / "instances.json")
