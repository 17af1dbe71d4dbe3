"""Writes training/testdata/detection_decode_cases.json: golden decoder cases that the pytest
and vitest suites both check (expected values come from probesearch.detections.decode).

Run: PYTHONPATH=training /usr/bin/python3 -m probesearch.make_detection_cases
"""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .detections import DecodeOptions, decode, letterbox
from .paths import TESTDATA

OUT = TESTDATA / "detection_decode_cases.json"


def _small_grid(rng: np.random.Generator, grid: int = 8, channels: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Low background noise (below every threshold used) and plausible box extents."""
    heatmap = rng.uniform(0.0, 0.01, size=(grid, grid, channels)).astype(np.float32)
    wh = rng.uniform(1.0, 12.0, size=(grid, grid, 4)).astype(np.float32)
    return heatmap, wh


def _small_cases(rng: np.random.Generator) -> list[dict]:
    cases = []

    hm, wh = _small_grid(rng)
    hm[2, 2, 1] = hm[5, 5, 0] = hm[6, 1, 2] = 0.5  # three-way tie: order must follow flat index
    hm[3, 6, 0] = 0.75
    cases.append(dict(name="ties_by_lower_index", heatmap=hm, wh=wh, size=(32, 32),
                      options=DecodeOptions(score_threshold=0.1, max_regions=10)))

    hm, wh = _small_grid(rng)
    hm[0, 0, 0], hm[0, 7, 1], hm[7, 0, 2], hm[7, 7, 0], hm[0, 3, 2] = 0.9, 0.8, 0.7, 0.6, 0.4
    wh[0, 0] = (30.0, 30.0, 5.0, 5.0)  # runs off the top-left: clipped to 0
    wh[7, 7] = (5.0, 5.0, 40.0, 40.0)  # runs off the bottom-right: clipped to 1
    cases.append(dict(name="border_peaks_and_clipping", heatmap=hm, wh=wh, size=(32, 32),
                      options=DecodeOptions(score_threshold=0.1, max_regions=10)))

    hm, wh = _small_grid(rng)
    hm[3, 3, 0] = hm[3, 4, 0] = 0.6  # plateau of two equal maxima: both are peaks
    hm[5, 1:4, 1] = 0.3  # plateau next to a higher cell: none are peaks
    hm[6, 2, 1] = 0.35
    hm[1, 6, 2] = 0.3  # same value as the suppressed plateau, isolated: a peak
    cases.append(dict(name="plateaus", heatmap=hm, wh=wh, size=(32, 32),
                      options=DecodeOptions(score_threshold=0.1, max_regions=10)))

    hm, wh = _small_grid(rng)
    hm[1, 1, 0] = np.float32(0.25)  # exactly at the threshold: kept (≥)
    hm[4, 4, 1] = np.nextafter(np.float32(0.25), np.float32(0))  # one ulp below: dropped
    hm[6, 6, 2] = 0.5
    cases.append(dict(name="threshold_inclusive", heatmap=hm, wh=wh, size=(32, 32),
                      options=DecodeOptions(score_threshold=0.25, max_regions=10)))

    hm, wh = _small_grid(rng)
    # Two overlapping boxes of different classes and one far away.
    hm[3, 3, 0], hm[3, 4, 1], hm[6, 6, 2] = 0.8, 0.7, 0.6
    wh[3, 3] = (8.0, 8.0, 8.0, 8.0)
    wh[3, 4] = (10.0, 8.0, 6.0, 8.0)
    wh[6, 6] = (4.0, 4.0, 4.0, 4.0)
    for nms_iou in (None, 0.4):
        cases.append(dict(name=f"overlap_nms_{'off' if nms_iou is None else nms_iou}", heatmap=hm, wh=wh,
                          size=(32, 32), options=DecodeOptions(score_threshold=0.1, max_regions=10, nms_iou=nms_iou)))

    hm, wh = _small_grid(rng)
    spots = [(r, c, k) for r in range(0, 8, 2) for c in range(0, 8, 2) for k in range(3)]
    for i, (r, c, k) in enumerate(spots):
        hm[r, c, k] = 0.2 + 0.01 * i
    cases.append(dict(name="max_candidates_then_max_regions", heatmap=hm, wh=wh, size=(40, 24),
                      options=DecodeOptions(score_threshold=0.1, max_regions=7, max_candidates=12)))
    cases.append(dict(name="letterboxed_wide_image", heatmap=hm, wh=wh, size=(64, 24),
                      options=DecodeOptions(score_threshold=0.3, max_regions=20)))
    return cases


def _realistic_case(rng: np.random.Generator, options: DecodeOptions, name: str) -> dict:
    """128×128×80 with Gaussian blobs like CenterNet's (peak, ring of lower neighbours)."""
    grid, channels = 128, 80
    hm = np.zeros((grid, grid, channels), dtype=np.float32)
    wh = np.zeros((grid, grid, 4), dtype=np.float32)
    yy, xx = np.mgrid[-3:4, -3:4]
    for _ in range(30):
        y, x = (int(v) for v in rng.integers(3, grid - 3, size=2))
        c = int(rng.integers(0, channels))
        peak, sigma = rng.uniform(0.06, 0.8), rng.uniform(0.8, 2.0)
        blob = (peak * np.exp(-(yy ** 2 + xx ** 2) / (2 * sigma ** 2))).astype(np.float32)
        hm[y - 3:y + 4, x - 3:x + 4, c] = np.maximum(hm[y - 3:y + 4, x - 3:x + 4, c], blob)
        wh[y, x] = rng.uniform(4, 120, size=4).astype(np.float32)  # only peaks are ever read
    return dict(name=name, heatmap=hm, wh=wh, size=(640, 427), input_size=512, options=options)


def _options_json(options: DecodeOptions) -> dict:
    """snake_case fields → the camelCase DecodeOptions of src/model/detections.ts."""
    camel = {k.split("_")[0] + "".join(p.title() for p in k.split("_")[1:]): v
             for k, v in asdict(options).items() if v is not None}
    return camel


def _sparse(a: np.ndarray) -> dict:
    flat = a.reshape(-1)
    nonzero = np.flatnonzero(flat)
    return {"shape": list(a.shape), "entries": [[int(i), float(flat[i])] for i in nonzero]}


def build_cases(seed: int = 20261204) -> list[dict]:
    rng = np.random.default_rng(seed)
    cases = _small_cases(rng)
    cases.append(_realistic_case(rng, DecodeOptions(score_threshold=0.2, max_regions=24, nms_iou=0.4),
                                 "realistic_128x128x80_nms"))
    cases.append(_realistic_case(rng, DecodeOptions(score_threshold=0.05, max_regions=100),
                                 "realistic_128x128x80_low_threshold"))
    out = []
    for case in cases:
        width, height = case["size"]
        input_size = case.get("input_size", case["heatmap"].shape[0] * 4)
        geometry = letterbox(width, height, input_size)
        expected = decode(case["heatmap"], case["wh"], geometry, case["options"])
        out.append({
            "name": case["name"],
            "image": {"width": width, "height": height, "inputSize": input_size},
            "stride": 4,
            "options": _options_json(case["options"]),
            "heatmap": _sparse(case["heatmap"]),
            "wh": _sparse(case["wh"]),
            "expected": [{"classIndex": d.class_index, "score": d.score, "box": list(d.box)} for d in expected],
        })
    return out


def main(out: Path = OUT) -> None:
    cases = build_cases()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cases": cases}, separators=(",", ":")) + "\n")
    print(f"wrote {len(cases)} cases to {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
