"""Chooses the detector's decode options from real photos with COCO boxes.

Input: the JSON of scripts/detector/detect-folder.ts (decoded at score ≥ 0.05, no NMS, ≤ 100)
and a COCO instances.json. Each threshold/NMS setting is applied with the decoder's own
post-processing (probesearch.detections.postprocess, mirrored in src/model/detections.ts), so
the chosen options are exactly what the browser does.

Rule: the score threshold is the setting with the highest F1 at IoU 0.5 (class-aware, greedy
by score; crowd boxes ignored); ties go to the higher threshold, then to NMS on. Max regions =
99th percentile of detections per photo at that setting, capped at 24.

CLI: PYTHONPATH=training /usr/bin/python3 -m probesearch.detector_eval DETECTIONS_JSON [INSTANCES_JSON]
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from .detections import Box, DecodeOptions, Detection, MatchCounts, match, postprocess
from .paths import COCO_MINI

THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
NMS_IOU = 0.4
MATCH_IOU = 0.5
MAX_REGIONS_CAP = 24
SWEEP_MAX_REGIONS = 100  # detect-folder.ts keeps up to 100: no cap while sweeping


def load_truths(instances_json: Path) -> dict[str, list[tuple[int, Box]]]:
    """file_name → [(channel, normalised box)]; channel = rank of the category id."""
    coco = json.loads(Path(instances_json).read_text())
    channel = {c["id"]: i for i, c in enumerate(sorted(coco["categories"], key=lambda c: c["id"]))}
    if len(channel) != 80:
        raise ValueError(f"expected the 80 COCO categories, found {len(channel)}")
    images = {img["id"]: img for img in coco["images"]}
    truths: dict[str, list[tuple[int, Box]]] = {img["file_name"]: [] for img in coco["images"]}
    for ann in coco["annotations"]:
        if ann.get("iscrowd", 0):
            continue
        img = images[ann["image_id"]]
        x, y, w, h = ann["bbox"]
        box = (x / img["width"], y / img["height"], (x + w) / img["width"], (y + h) / img["height"])
        truths[img["file_name"]].append((channel[ann["category_id"]], box))
    return truths


def load_detections(detections_json: Path) -> dict[str, list[Detection]]:
    photos = json.loads(Path(detections_json).read_text())
    return {
        Path(p["file"]).name: [Detection(d["classIndex"], d["score"], tuple(d["box"])) for d in p["detections"]]
        for p in photos
    }


def _evaluate_setting(detections: dict[str, list[Detection]], truths: dict[str, list[tuple[int, Box]]],
                      options: DecodeOptions) -> tuple[MatchCounts, list[int]]:
    total = MatchCounts(0, 0, 0)
    counts = []
    for name, photo_truths in truths.items():
        kept = postprocess(detections.get(name, []), options)
        counts.append(len(kept))
        total = total + match(kept, photo_truths, MATCH_IOU)
    return total, counts


def _row(threshold: float, nms_iou: float | None, counts: MatchCounts, per_photo: list[int]) -> dict:
    return {
        "score_threshold": threshold, "nms_iou": nms_iou,
        "precision": counts.precision, "recall": counts.recall, "f1": counts.f1,
        "true_positives": counts.true_positives, "predictions": counts.predictions,
        "ground_truths": counts.ground_truths,
        "mean_per_photo": float(np.mean(per_photo)), "p99_per_photo": float(np.percentile(per_photo, 99)),
    }


def _table(rows: list[dict]) -> str:
    lines = ["| threshold | NMS | precision | recall | F1 | TP / pred / GT | per photo mean / p99 |",
             "| ---: | :---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        nms = "off" if r["nms_iou"] is None else f"IoU {r['nms_iou']}"
        lines.append(f"| {r['score_threshold']:.2f} | {nms} | {r['precision']:.3f} | {r['recall']:.3f} | "
                     f"{r['f1']:.3f} | {r['true_positives']} / {r['predictions']} / {r['ground_truths']} | "
                     f"{r['mean_per_photo']:.1f} / {r['p99_per_photo']:.1f} |")
    return "\n".join(lines)


def evaluate(detections_json: Path, instances_json: Path) -> dict:
    truths = load_truths(instances_json)
    detections = load_detections(detections_json)
    missing = sorted(set(truths) - set(detections))
    if missing:
        raise ValueError(f"{len(missing)} annotated photos have no detections entry, e.g. {missing[0]}")
    rows, per_photo_counts = [], []
    for nms_iou in (None, NMS_IOU):
        for threshold in THRESHOLDS:
            options = DecodeOptions(score_threshold=threshold, max_regions=SWEEP_MAX_REGIONS, nms_iou=nms_iou)
            counts, per_photo = _evaluate_setting(detections, truths, options)
            rows.append(_row(threshold, nms_iou, counts, per_photo))
            per_photo_counts.append(per_photo)
    best = max(range(len(rows)), key=lambda i: (round(rows[i]["f1"], 12), rows[i]["score_threshold"],
                                                rows[i]["nms_iou"] is not None))
    chosen = rows[best]
    max_regions = min(MAX_REGIONS_CAP, max(1, math.ceil(np.percentile(per_photo_counts[best], 99))))
    final_options = DecodeOptions(score_threshold=chosen["score_threshold"], max_regions=max_regions,
                                  nms_iou=chosen["nms_iou"])
    final_counts, final_per_photo = _evaluate_setting(detections, truths, final_options)
    final = _row(chosen["score_threshold"], chosen["nms_iou"], final_counts, final_per_photo)
    return {
        "score_threshold": chosen["score_threshold"],
        "nms_iou": chosen["nms_iou"],
        "max_regions": max_regions,
        "max_candidates": final_options.max_candidates,
        "rule": "max F1 at IoU 0.5 (ties: higher threshold, then NMS on); max_regions = ceil(p99 count per photo), cap 24",
        "rows": rows,
        "final": final,
        "photos": len(truths),
        "table_markdown": _table(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Sweep detector decode options against COCO boxes.")
    parser.add_argument("detections_json", type=Path)
    parser.add_argument("instances_json", type=Path, nargs="?", default=COCO_MINI / "instances.json")
    args = parser.parse_args()
    result = evaluate(args.detections_json, args.instances_json)
    print(result["table_markdown"])
    final = result["final"]
    nms = "off" if result["nms_iou"] is None else f"IoU {result['nms_iou']}"
    print(f"\nchosen ({result['rule']}): score ≥ {result['score_threshold']}, NMS {nms}, "
          f"max regions {result['max_regions']} → precision {final['precision']:.3f}, recall {final['recall']:.3f}, "
          f"F1 {final['f1']:.3f} on {result['photos']} photos")


if __name__ == "__main__":
    main()
