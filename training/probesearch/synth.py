"""Programmatic training data: region layouts (what a COCO-80 detector would see in a photo),
captions that are TRUE of their layout, and a detector-noise model fitted to real detector runs.

* A `Layout` is the ground truth of a made-up photo: objects with normalised boxes.
* Every `Caption` carries a logical form; `holds(form, layout)` decides it for ANY layout, so
  training knows which in-batch pairs also match and evaluation knows which images are relevant.
* `simulate_detections` turns a layout into what the detector would report (misses, confusions,
  duplicates, false positives, box jitter, scores), using a `NoiseModel` fitted by
  `fit_noise_model` from the detector's output on real photos.

Run `PYTHONPATH=training /usr/bin/python3 -m probesearch.synth --show 20` to read examples.
"""
from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Union

import numpy as np

from . import lexicon as lx
from .detections import Box, Detection, iou, nms
from .labels import COCO_LABELS
from .paths import BUILD, COCO_MINI, TESTDATA

CI = lx.CLASS_INDEX
STATS_PATH = TESTDATA / "coco_mini_stats.json"
NOISE_PATH = BUILD / "noise_model.json"

# ---------------------------------------------------------------------------------------------
# Layouts


@dataclass(frozen=True)
class Obj:
    class_index: int
    box: Box  # x0, y0, x1, y1 normalised, x right, y down


@dataclass
class Layout:
    objects: list[Obj]
    scene: str | None  # the template that generated it (a hint for people, never used for truth)

    def count(self, classes: Sequence[int]) -> int:
        return sum(1 for o in self.objects if o.class_index in classes)

    def boxes(self, classes: Sequence[int]) -> list[Box]:
        return [o.box for o in self.objects if o.class_index in classes]

    def class_counts(self) -> Counter[int]:
        return Counter(o.class_index for o in self.objects)


def _area(b: Box) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _cx(b: Box) -> float:
    return (b[0] + b[2]) / 2


def _cy(b: Box) -> float:
    return (b[1] + b[3]) / 2


# ---------------------------------------------------------------------------------------------
# Statistics of the real validation photos (committed summary; generation never needs ../shared)


def coco_mini_stats(instances_json: Path) -> dict:
    """Summary of a COCO instances file: objects per photo, class frequencies, box sizes and
    shapes per class, and which classes appear together."""
    data = json.loads(Path(instances_json).read_text())
    images = {im["id"]: im for im in data["images"]}
    names = {c["id"]: c["name"] for c in data["categories"]}
    per_image: dict[int, Counter[str]] = {i: Counter() for i in images}
    log_area: dict[str, list[float]] = {}
    log_aspect: dict[str, list[float]] = {}
    all_areas = []
    for a in data["annotations"]:
        im, name = images[a["image_id"]], names[a["category_id"]]
        _, _, w, h = a["bbox"]
        per_image[a["image_id"]][name] += 1
        if w <= 0 or h <= 0:
            continue
        area = w * h / (im["width"] * im["height"])
        all_areas.append(area)
        log_area.setdefault(name, []).append(math.log10(area))
        log_aspect.setdefault(name, []).append(math.log((h / im["height"]) / (w / im["width"])))
    counts = [sum(c.values()) for c in per_image.values()]
    pairs: Counter[str] = Counter()
    for c in per_image.values():
        present = sorted(c)
        pairs.update(f"{a}|{b}" for i, a in enumerate(present) for b in present[i + 1:])
    class_counts = Counter(n for c in per_image.values() for n in c.elements())
    return {
        "source": "coco-mini-train instances.json",
        "images": len(images),
        "objects": len(data["annotations"]),
        "objects_per_image": sorted(counts),
        "persons_per_image": sorted(c["person"] for c in per_image.values()),
        "distinct_classes_per_image": sorted(len(c) for c in per_image.values()),
        "area_percentiles": {str(p): round(float(np.percentile(all_areas, p)), 6) for p in (5, 10, 25, 50, 75, 90, 95)},
        "class_counts": dict(class_counts.most_common()),
        "class_images": dict(Counter(n for c in per_image.values() for n in c).most_common()),
        "class_log10_area_median": {n: round(float(np.median(v)), 3) for n, v in sorted(log_area.items())},
        "class_log_aspect_median": {n: round(float(np.median(v)), 3) for n, v in sorted(log_aspect.items())},
        "class_box_count": {n: len(v) for n, v in sorted(log_area.items())},
        "top_pairs": dict(pairs.most_common(40)),
    }


def write_coco_mini_stats(instances_json: Path = COCO_MINI / "instances.json", out: Path = STATS_PATH) -> dict:
    stats = coco_mini_stats(instances_json)
    out.write_text(json.dumps(stats, indent=1) + "\n")
    return stats


def load_stats(path: Path = STATS_PATH) -> dict:
    return json.loads(path.read_text())


# Hand priors per class: (typical box area as a fraction of the photo, height/width). Blended
# with the measured coco-mini medians, weighted by how many boxes were measured.
_SIZE_PRIOR: dict[str, tuple[float, float]] = {
    "person": (.04, 2.4), "bicycle": (.05, .7), "car": (.02, .6), "motorcycle": (.06, .8),
    "airplane": (.1, .4), "bus": (.12, .75), "train": (.2, .5), "truck": (.06, .7), "boat": (.02, .6),
    "traffic light": (.003, 2), "fire hydrant": (.02, 1.5), "stop sign": (.02, 1), "parking meter": (.02, 2.5),
    "bench": (.04, .5), "bird": (.005, .9), "cat": (.15, .9), "dog": (.1, .9), "horse": (.1, .9),
    "sheep": (.03, .8), "cow": (.04, .8), "elephant": (.12, .9), "bear": (.15, .8), "zebra": (.08, .9),
    "giraffe": (.1, 1.8), "backpack": (.01, 1.3), "umbrella": (.03, .6), "handbag": (.006, 1),
    "tie": (.004, 2.5), "suitcase": (.03, 1.2), "frisbee": (.003, .6), "skis": (.006, .5),
    "snowboard": (.008, .6), "sports ball": (.0008, 1), "kite": (.004, 1), "baseball bat": (.003, 1),
    "baseball glove": (.002, 1), "skateboard": (.01, .5), "surfboard": (.02, .5), "tennis racket": (.006, 1),
    "bottle": (.005, 2.5), "wine glass": (.005, 2), "cup": (.006, 1.1), "fork": (.003, 1.5),
    "knife": (.003, 1.2), "spoon": (.002, 1.2), "bowl": (.02, .6), "banana": (.02, .7), "apple": (.006, 1),
    "sandwich": (.06, .7), "orange": (.006, 1), "broccoli": (.02, .9), "carrot": (.005, .8),
    "hot dog": (.03, .6), "pizza": (.12, .7), "donut": (.02, .8), "cake": (.05, .8), "chair": (.02, 1.4),
    "couch": (.15, .6), "potted plant": (.02, 1.3), "bed": (.35, .7), "dining table": (.2, .6),
    "toilet": (.08, 1.2), "tv": (.04, .75), "laptop": (.06, .8), "mouse": (.002, .8), "remote": (.002, 1.3),
    "keyboard": (.03, .35), "cell phone": (.004, 1.4), "microwave": (.03, .7), "oven": (.06, .9),
    "toaster": (.01, .8), "sink": (.03, .5), "refrigerator": (.12, 1.8), "book": (.002, 2), "clock": (.005, 1),
    "vase": (.008, 1.5), "scissors": (.02, 1.2), "teddy bear": (.08, 1.2), "hair drier": (.005, 1),
    "toothbrush": (.003, 1.5),
}
_PRIOR_WEIGHT = 3.0  # the prior counts as this many measured boxes


def class_shapes(stats: dict | None) -> tuple[np.ndarray, np.ndarray]:
    """Per class: typical log10 area and log aspect (h/w), prior blended with measurements."""
    log_area = np.zeros(80)
    log_aspect = np.zeros(80)
    for i, name in enumerate(COCO_LABELS):
        prior_area, prior_aspect = math.log10(_SIZE_PRIOR[name][0]), math.log(_SIZE_PRIOR[name][1])
        n = (stats or {}).get("class_box_count", {}).get(name, 0)
        if n:
            w = n / (n + _PRIOR_WEIGHT)
            log_area[i] = w * stats["class_log10_area_median"][name] + (1 - w) * prior_area
            log_aspect[i] = w * stats["class_log_aspect_median"][name] + (1 - w) * prior_aspect
        else:
            log_area[i], log_aspect[i] = prior_area, prior_aspect
    return log_area, log_aspect


# ---------------------------------------------------------------------------------------------
# Scene templates


@dataclass(frozen=True)
class Item:
    """One kind of object a template may contain: present with probability p, count in
    lo..hi (geometric tail), placed by role: ground (perspective: lower = nearer = larger),
    sky, wall, anywhere, on (on an instance of `support`), held (at a person's hands)."""

    cls: str
    p: float
    lo: int = 1
    hi: int = 1
    role: str = "ground"
    support: str | None = None


@dataclass(frozen=True)
class Template:
    name: str
    weight: float
    items: tuple[Item, ...]


def _t(name: str, weight: float, *items: Item) -> Template:
    return Template(name, weight, items)


I = Item  # noqa: E741 — short, so the template table stays readable
TEMPLATES: tuple[Template, ...] = (
    _t("street", 9, I("car", .8, 1, 8), I("bus", .3, 1, 2), I("truck", .35, 1, 3), I("person", .6, 1, 8),
       I("traffic light", .35, 1, 3, "wall"), I("stop sign", .1), I("fire hydrant", .1), I("parking meter", .08, 1, 3),
       I("motorcycle", .15, 1, 2), I("bicycle", .15, 1, 2), I("handbag", .15, 1, 2, "held"),
       I("backpack", .12, 1, 2, "held"), I("umbrella", .1, 1, 3, "held"), I("bench", .08)),
    _t("kitchen", 5, I("oven", .6), I("refrigerator", .45), I("microwave", .45, 1, 1, "wall"), I("sink", .6),
       I("toaster", .06), I("person", .35, 1, 2), I("bottle", .4, 1, 5, "anywhere"), I("bowl", .35, 1, 4, "anywhere"),
       I("cup", .3, 1, 3, "anywhere"), I("knife", .15, 1, 2, "held"), I("chair", .2, 1, 3), I("potted plant", .15),
       I("clock", .1, 1, 1, "wall"), I("vase", .1, 1, 1, "anywhere"), I("dining table", .25)),
    _t("meal", 9, I("dining table", .95), I("pizza", .2, 1, 2, "on", "dining table"),
       I("sandwich", .2, 1, 2, "on", "dining table"), I("cake", .12, 1, 1, "on", "dining table"),
       I("donut", .1, 1, 8, "on", "dining table"), I("broccoli", .12, 1, 3, "on", "dining table"),
       I("hot dog", .06, 1, 2, "on", "dining table"), I("banana", .08, 1, 3, "on", "dining table"),
       I("cup", .45, 1, 4, "on", "dining table"), I("wine glass", .25, 1, 4, "on", "dining table"),
       I("fork", .35, 1, 3, "on", "dining table"), I("knife", .35, 1, 3, "on", "dining table"),
       I("spoon", .2, 1, 2, "on", "dining table"), I("bowl", .35, 1, 4, "on", "dining table"),
       I("bottle", .25, 1, 4, "on", "dining table"), I("person", .45, 1, 5), I("chair", .4, 1, 5),
       I("cell phone", .05, 1, 1, "on", "dining table")),
    _t("living room", 4, I("couch", .85), I("tv", .6, 1, 1, "wall"), I("chair", .55, 1, 4), I("potted plant", .4, 1, 2),
       I("remote", .25, 1, 2, "on", "couch"), I("book", .3, 1, 10, "wall"), I("clock", .2, 1, 1, "wall"),
       I("vase", .25), I("person", .3, 1, 3), I("dog", .1, 1, 1, "on", "couch"), I("cat", .1, 1, 1, "on", "couch"),
       I("dining table", .2)),
    _t("bedroom", 3, I("bed", 1), I("person", .2), I("cat", .15, 1, 1, "on", "bed"), I("dog", .12, 1, 1, "on", "bed"),
       I("book", .25, 1, 6, "wall"), I("clock", .15, 1, 1, "wall"), I("tv", .2, 1, 1, "wall"),
       I("teddy bear", .12, 1, 2, "on", "bed"), I("chair", .2), I("laptop", .1, 1, 1, "on", "bed")),
    _t("bathroom", 3, I("toilet", .85), I("sink", .8, 1, 2), I("toothbrush", .2, 1, 3, "anywhere"),
       I("bottle", .3, 1, 3, "anywhere"), I("cup", .15, 1, 1, "anywhere"), I("hair drier", .04, 1, 1, "anywhere")),
    _t("office", 4, I("laptop", .6, 1, 2, "on", "dining table"), I("keyboard", .55, 1, 2), I("mouse", .5),
       I("tv", .55, 1, 3, "wall"), I("cell phone", .2), I("book", .3, 1, 8, "anywhere"), I("cup", .3),
       I("chair", .4), I("person", .3), I("dining table", .3), I("bottle", .15)),
    _t("beach", 5, I("person", .95, 1, 6), I("surfboard", .8, 1, 4, "held"), I("umbrella", .25, 1, 4),
       I("kite", .15, 1, 3, "sky"), I("boat", .15, 1, 2), I("bird", .1, 1, 3, "sky")),
    _t("snow", 4, I("person", 1, 1, 6), I("skis", .75, 1, 5), I("snowboard", .3, 1, 2), I("backpack", .2, 1, 2, "held")),
    _t("baseball game", 4, I("person", 1, 2, 8), I("baseball bat", .75, 1, 1, "held"),
       I("baseball glove", .6, 1, 2, "held"), I("sports ball", .4, 1, 1, "sky"), I("bench", .1)),
    _t("tennis court", 3, I("person", 1, 1, 3), I("tennis racket", .9, 1, 2, "held"), I("sports ball", .6, 1, 1, "sky"),
       I("chair", .1)),
    _t("park", 4, I("person", .8, 1, 5), I("bench", .5, 1, 3), I("dog", .35, 1, 2), I("frisbee", .3, 1, 1, "sky"),
       I("kite", .2, 1, 4, "sky"), I("bicycle", .15), I("umbrella", .1, 1, 2, "held"), I("bird", .1, 1, 3),
       I("sports ball", .1)),
    _t("skate park", 3, I("person", 1, 1, 4), I("skateboard", .95, 1, 2)),
    _t("farm", 4, I("cow", .45, 1, 12), I("sheep", .35, 1, 12), I("horse", .35, 1, 4), I("person", .35, 1, 3),
       I("dog", .08), I("truck", .08), I("bird", .08, 1, 3, "sky")),
    _t("savanna", 3, I("giraffe", .5, 1, 5), I("zebra", .45, 1, 8), I("elephant", .4, 1, 6), I("bird", .12, 1, 3),
       I("person", .08, 1, 3), I("car", .05)),
    _t("airport", 2, I("airplane", 1, 1, 4), I("truck", .3, 1, 3), I("person", .3, 1, 4), I("car", .15, 1, 3),
       I("bus", .1)),
    _t("harbor", 2, I("boat", 1, 1, 10), I("person", .35, 1, 4), I("bird", .2, 1, 4, "sky"), I("car", .1, 1, 3),
       I("bench", .05)),
    _t("train station", 2, I("train", 1, 1, 2), I("person", .5, 1, 8), I("traffic light", .15, 1, 2, "wall"),
       I("clock", .1, 1, 1, "wall"), I("bench", .1)),
    _t("pets", 4, I("dog", .6, 1, 3), I("cat", .45, 1, 2), I("person", .3, 1, 2), I("couch", .25),
       I("bed", .1), I("frisbee", .1, 1, 1, "held"), I("teddy bear", .06), I("chair", .1), I("potted plant", .1)),
    _t("riding", 4, I("person", 1, 1, 3), I("horse", .35, 1, 2), I("motorcycle", .35, 1, 3),
       I("bicycle", .25, 1, 2), I("car", .25, 1, 3), I("truck", .1), I("elephant", .04)),
    _t("people", 7, I("person", 1, 1, 4), I("cell phone", .25, 1, 2, "held"), I("tie", .15, 1, 2, "held"),
       I("cup", .2, 1, 2, "held"), I("handbag", .2, 1, 2, "held"), I("umbrella", .12, 1, 2, "held"),
       I("chair", .2, 1, 3), I("wine glass", .1, 1, 3, "held"), I("backpack", .12, 1, 2, "held"),
       I("bottle", .1, 1, 2, "held"), I("laptop", .08), I("teddy bear", .05, 1, 1, "held"),
       I("scissors", .04, 1, 1, "held"), I("toothbrush", .03, 1, 1, "held"), I("book", .08, 1, 3, "held")),
    _t("crowd", 4, I("person", 1, 6, 16), I("umbrella", .35, 1, 6, "held"), I("handbag", .35, 1, 4, "held"),
       I("backpack", .3, 1, 4, "held"), I("tie", .12, 1, 3, "held"), I("cell phone", .15, 1, 2, "held"),
       I("chair", .2, 1, 6), I("car", .15, 1, 3), I("bench", .08), I("suitcase", .08, 1, 3)),
    _t("animals", 3, I("bird", .35, 1, 5), I("bear", .3, 1, 2), I("elephant", .15, 1, 3), I("giraffe", .1, 1, 2),
       I("dog", .15), I("horse", .1, 1, 2), I("bench", .1), I("boat", .08)),
    _t("food", 5, I("pizza", .25, 1, 2), I("sandwich", .25, 1, 3), I("donut", .15, 1, 10), I("cake", .15),
       I("banana", .15, 1, 6), I("orange", .12, 1, 6), I("apple", .1, 1, 5), I("broccoli", .15, 1, 4),
       I("carrot", .12, 1, 6), I("hot dog", .08, 1, 3), I("bowl", .35, 1, 3), I("cup", .25, 1, 2),
       I("fork", .25), I("knife", .2), I("spoon", .12), I("dining table", .4), I("bottle", .1), I("wine glass", .1)),
    _t("bookshelf", 2, I("book", 1, 5, 30, "anywhere"), I("vase", .2, 1, 2), I("clock", .15), I("potted plant", .2),
       I("teddy bear", .06), I("chair", .15), I("person", .15)),
    _t("luggage", 1.5, I("suitcase", 1, 1, 8), I("person", .45, 1, 3), I("backpack", .3, 1, 2), I("handbag", .2)),
    _t("closeup", 4),  # one object filling the frame, class drawn by COCO frequency
)
# Spread (log10) of box sizes around a class's typical size, and a shift up: chosen so the
# synthetic area percentiles match coco-mini's (median ≈ 0.011, 75th ≈ 0.04, 90th ≈ 0.15-0.18).
_LOG_AREA_SPREAD = 0.55
_LOG_AREA_SHIFT = 0.1
_ROLE_FILL = {"ground": (0.45, 1.0), "sky": (0.03, 0.4), "wall": (0.05, 0.5), "anywhere": (0.1, 0.95)}


class LayoutSampler:
    """Draws layouts from the templates, with box sizes calibrated to the coco-mini stats."""

    def __init__(self, stats: dict | None = None):
        self.stats = stats if stats is not None else (load_stats() if STATS_PATH.exists() else None)
        self.log_area, self.log_aspect = class_shapes(self.stats)
        weights = np.array([t.weight for t in TEMPLATES])
        self.template_p = weights / weights.sum()
        counts = np.ones(80)
        for name, n in (self.stats or {}).get("class_counts", {}).items():
            counts[CI[name]] += n
        # Close-ups follow class frequency but flattened, so rare classes still appear.
        self.closeup_p = counts ** 0.5 / (counts ** 0.5).sum()

    def sample(self, rng: np.random.Generator) -> Layout:
        template = TEMPLATES[int(rng.choice(len(TEMPLATES), p=self.template_p))]
        if template.name == "closeup":
            return self._closeup(rng)
        objects: list[Obj] = []
        for item in template.items:
            if rng.random() >= item.p:
                continue
            n = item.lo + min(item.hi - item.lo, int(rng.geometric(0.25)) - 1)
            for _ in range(n):
                objects.append(Obj(CI[item.cls], self._place(rng, item, objects)))
        if not objects:  # every photo shows something: keep the template's first item
            first = template.items[0]
            objects.append(Obj(CI[first.cls], self._place(rng, first, objects)))
        return Layout(objects, template.name)

    def _closeup(self, rng: np.random.Generator) -> Layout:
        cls = int(rng.choice(80, p=self.closeup_p))
        area = float(rng.uniform(0.15, 0.75))
        aspect = math.exp(self.log_aspect[cls] + rng.normal(0, 0.2))
        w, h = _shape(area, aspect)
        cx, cy = rng.uniform(0.5 - (1 - w) / 2, 0.5 + (1 - w) / 2), rng.uniform(0.5 - (1 - h) / 2, 0.5 + (1 - h) / 2)
        return Layout([Obj(cls, _clip((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)))], "closeup")

    def _size(self, rng: np.random.Generator, cls: int, scale: float) -> tuple[float, float]:
        area = 10 ** (self.log_area[cls] + rng.normal(_LOG_AREA_SHIFT, _LOG_AREA_SPREAD)) * scale
        return _shape(min(area, 0.85), math.exp(self.log_aspect[cls] + rng.normal(0, 0.2)))

    def _place(self, rng: np.random.Generator, item: Item, placed: list[Obj]) -> Box:
        cls = CI[item.cls]
        anchor_cls = CI[item.support] if item.role == "on" and item.support else CI["person"]
        anchors = [o.box for o in placed if o.class_index == anchor_cls] if item.role in ("on", "held") else []
        if anchors:
            a = anchors[int(rng.integers(len(anchors)))]
            return self._place_on(rng, cls, a) if item.role == "on" else self._place_held(rng, cls, a)
        role = item.role if item.role in _ROLE_FILL else "ground"
        lo, hi = _ROLE_FILL[role]
        if role == "ground":
            bottom = float(rng.uniform(lo, hi))
            # Perspective: things lower in the frame are nearer, hence larger (mean scale ≈ 1).
            w, h = self._size(rng, cls, (0.3 + 0.7 * (bottom - lo) / (hi - lo)) ** 2 / 0.42)
            cx = rng.uniform(w / 2, 1 - w / 2)
            return _clip((cx - w / 2, bottom - h, cx + w / 2, bottom))
        w, h = self._size(rng, cls, 0.6 if role == "sky" else 1.0)
        cx, cy = rng.uniform(w / 2, 1 - w / 2), rng.uniform(lo, hi)
        return _clip((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))

    def _place_on(self, rng: np.random.Generator, cls: int, s: Box) -> Box:
        """On the support: centre over it, bottom in its upper half (so `on` holds)."""
        sw, sh = s[2] - s[0], s[3] - s[1]
        w, h = self._size(rng, cls, 1.0)
        w, h = min(w, 0.9 * sw if cls != CI["person"] else w), min(h, 0.95)
        cx = rng.uniform(s[0] + 0.2 * sw, s[2] - 0.2 * sw)
        bottom = rng.uniform(s[1] + 0.15 * sh, s[1] + 0.45 * sh)
        return _clip((cx - w / 2, bottom - h, cx + w / 2, bottom))

    def _place_held(self, rng: np.random.Generator, cls: int, p: Box) -> Box:
        """At the hands (or feet, for boards/skis) of a person, sized relative to them."""
        pw, ph = p[2] - p[0], p[3] - p[1]
        person_area = 10 ** self.log_area[CI["person"]]
        w, h = self._size(rng, cls, min(3.0, max(0.05, pw * ph / person_area)))
        if lx.COCO_LABELS[cls] in ("skis", "snowboard", "skateboard", "surfboard"):
            cx, cy = _cx(p) + rng.normal(0, 0.1 * pw), p[3] - 0.05 * ph
        else:
            cx, cy = rng.uniform(p[0], p[2]), p[1] + rng.uniform(0.3, 0.65) * ph
        return _clip((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))


def _shape(area: float, aspect: float) -> tuple[float, float]:
    w = math.sqrt(area / aspect)
    h = area / w
    return min(w, 0.98), min(h, 0.98)


def _clip(b: tuple[float, float, float, float]) -> Box:
    x0, y0, x1, y1 = (min(1.0, max(0.0, float(v))) for v in b)
    # Keep every box at least a few pixels wide after clipping.
    if x1 - x0 < 0.005:
        x0, x1 = max(0.0, min(x0, 0.995)), max(0.0, min(x0, 0.995)) + 0.005
    if y1 - y0 < 0.005:
        y0, y1 = max(0.0, min(y0, 0.995)), max(0.0, min(y0, 0.995)) + 0.005
    return (x0, y0, x1, y1)


_DEFAULT_SAMPLER: LayoutSampler | None = None


def sample_layout(rng: np.random.Generator) -> Layout:
    global _DEFAULT_SAMPLER
    if _DEFAULT_SAMPLER is None:
        _DEFAULT_SAMPLER = LayoutSampler()
    return _DEFAULT_SAMPLER.sample(rng)


CONTRAST_EDITS = ("mirror", "swap", "drop", "duplicate", "add")


def contrast_variant(layout: Layout, rng: np.random.Generator) -> Layout:
    """A near miss of `layout`: the same picture with one compositional edit (mirrored left to
    right, two different objects swapping places, one object removed, one more of a kind, one
    new kind of object). Training batches that hold such pairs contain images only counts,
    relations or negation tell apart, which random batches almost never do."""
    global _DEFAULT_SAMPLER
    if _DEFAULT_SAMPLER is None:
        _DEFAULT_SAMPLER = LayoutSampler()
    sampler = _DEFAULT_SAMPLER
    objects = list(layout.objects)
    kinds = sorted({o.class_index for o in objects})
    # Every photo shows something, so the only object is never dropped.
    allowed = {"mirror": bool(objects), "swap": len(kinds) >= 2, "drop": len(objects) >= 2,
               "duplicate": bool(objects), "add": True}
    edits = [e for e in CONTRAST_EDITS if allowed[e]]
    edit = edits[int(rng.integers(len(edits)))]
    if edit == "mirror":
        objects = [Obj(o.class_index, (1 - o.box[2], o.box[1], 1 - o.box[0], o.box[3]))
                   for o in objects]
    elif edit == "swap":
        a_cls, b_cls = rng.choice(kinds, size=2, replace=False)
        i = int(rng.choice([k for k, o in enumerate(objects) if o.class_index == a_cls]))
        j = int(rng.choice([k for k, o in enumerate(objects) if o.class_index == b_cls]))
        objects[i], objects[j] = (_moved(objects[i], _cx(objects[j].box), _cy(objects[j].box)),
                                  _moved(objects[j], _cx(objects[i].box), _cy(objects[i].box)))
    elif edit == "drop":
        del objects[int(rng.integers(len(objects)))]
    elif edit == "duplicate":
        o = objects[int(rng.integers(len(objects)))]
        w = o.box[2] - o.box[0]
        shift = w * rng.uniform(1.05, 1.6) * (1 if rng.random() < 0.5 else -1)
        if not 0 <= _cx(o.box) + shift <= 1:
            shift = -shift
        objects.append(_moved(o, _cx(o.box) + shift, _cy(o.box) + rng.normal(0, 0.02)))
    else:
        cls = int(rng.choice(80, p=sampler.closeup_p))
        w, h = sampler._size(rng, cls, 1.0)
        cx, cy = rng.uniform(w / 2, 1 - w / 2), rng.uniform(h / 2, 1 - h / 2)
        objects.append(Obj(cls, _clip((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))))
    return Layout(objects, layout.scene)


def _moved(o: Obj, cx: float, cy: float) -> Obj:
    w, h = o.box[2] - o.box[0], o.box[3] - o.box[1]
    return Obj(o.class_index, _clip((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)))


# ---------------------------------------------------------------------------------------------
# Logical forms and truth


@dataclass(frozen=True)
class Exists:
    """lo <= (number of objects whose class is in `classes`) <= hi (hi None: no bound)."""

    classes: tuple[int, ...]
    lo: int
    hi: int | None


@dataclass(frozen=True)
class Rel:
    """SOME object of `a` stands in `relation` to SOME other object of `b`."""

    a: tuple[int, ...]
    relation: str
    b: tuple[int, ...]


@dataclass(frozen=True)
class Size:
    """SOME object of `classes` is large / small (see LARGE_AREA, SMALL_AREA)."""

    classes: tuple[int, ...]
    size: str


@dataclass(frozen=True)
class Scene:
    name: str  # a key of lexicon.SCENES, true by that definition in visible objects


@dataclass(frozen=True)
class Not:
    form: Form


@dataclass(frozen=True)
class And:
    forms: tuple[Form, ...]


Form = Union[Exists, Rel, Size, Scene, Not, And]

# Size words, relative to the photo: "large" covers at least a fifth of it, "small" at most 1.5%.
LARGE_AREA = 0.2
SMALL_AREA = 0.015


def _left_of(a: Box, b: Box) -> bool:
    """a's centre is left of b's left quarter, b's centre right of a's right quarter, and the
    centres are apart: a person looking at the photo says "a is left of b"."""
    wa, wb = a[2] - a[0], b[2] - b[0]
    return _cx(a) < b[0] + 0.25 * wb and _cx(b) > a[2] - 0.25 * wa and _cx(b) - _cx(a) > 0.05


def _above(a: Box, b: Box) -> bool:
    """Same as left-of vertically, and the two overlap (or nearly) horizontally."""
    ha, hb = a[3] - a[1], b[3] - b[1]
    horizontal_gap = max(a[0], b[0]) - min(a[2], b[2])
    return (_cy(a) < b[1] + 0.25 * hb and _cy(b) > a[3] - 0.25 * ha and _cy(b) - _cy(a) > 0.05
            and horizontal_gap < 0.1)


def _next_to(a: Box, b: Box) -> bool:
    """Side by side: overlapping in height, close horizontally, centres apart, similar scale."""
    ha, hb = a[3] - a[1], b[3] - b[1]
    wa, wb = a[2] - a[0], b[2] - b[0]
    vertical_overlap = min(a[3], b[3]) - max(a[1], b[1])
    horizontal_gap = max(a[0], b[0]) - min(a[2], b[2])
    ratio = _area(a) / max(_area(b), 1e-9)
    return (vertical_overlap >= 0.3 * min(ha, hb) and horizontal_gap <= 0.25 * max(wa, wb) + 0.02
            and abs(_cx(a) - _cx(b)) >= 0.3 * min(wa, wb) and 1 / 12 <= ratio <= 12)


def _on(a: Box, b: Box) -> bool:
    """a rests on b: a's centre is over b, a's bottom lies within b's extent (a twentieth of
    slack above its top, not in its lowest tenth), and a's centre is higher than b's."""
    hb = b[3] - b[1]
    return (b[0] <= _cx(a) <= b[2] and b[1] - 0.05 * hb <= a[3] <= b[3] - 0.1 * hb and _cy(a) < _cy(b))


def _holding(a: Box, b: Box) -> bool:
    """a holds b: b's centre is within a's width (10% slack) and between 15% and 85% of its
    height, and b is less than 60% of a's size."""
    wa, ha = a[2] - a[0], a[3] - a[1]
    return (a[0] - 0.1 * wa <= _cx(b) <= a[2] + 0.1 * wa and a[1] + 0.15 * ha <= _cy(b) <= a[1] + 0.85 * ha
            and _area(b) < 0.6 * _area(a))


RELATION_TESTS = {
    "left_of": _left_of,
    "right_of": lambda a, b: _left_of(b, a),
    "above": _above,
    "below": lambda a, b: _above(b, a),
    "next_to": _next_to,
    "on": _on,
    "holding": _holding,
}
INVERSE = {"left_of": "right_of", "right_of": "left_of", "above": "below", "below": "above"}


def _size_ok(box: Box, size: str) -> bool:
    return _area(box) >= LARGE_AREA if size == "large" else _area(box) <= SMALL_AREA


def _rel_holds(layout: Layout, a: tuple[int, ...], relation: str, b: tuple[int, ...]) -> bool:
    test = RELATION_TESTS[relation]
    return any(test(oa.box, ob.box) for oa in layout.objects if oa.class_index in a
               for ob in layout.objects if ob.class_index in b and ob is not oa)


def scene_holds(name: str, layout: Layout) -> bool:
    definition = lx.SCENES[name]
    counts = layout.class_counts()
    if any(counts[CI[c]] for c in definition.forbidden):
        return False

    def count(key: str | tuple[str, ...]) -> int:
        return sum(counts[CI[c]] for c in ((key,) if isinstance(key, str) else key))

    return any(all(count(k) >= m for k, m in alt.items()) for alt in definition.alternatives)


def holds(form: Form, layout: Layout) -> bool:
    """Is the logical form true of the layout's ground truth?"""
    if isinstance(form, Exists):
        n = layout.count(form.classes)
        return n >= form.lo and (form.hi is None or n <= form.hi)
    if isinstance(form, Rel):
        return _rel_holds(layout, form.a, form.relation, form.b)
    if isinstance(form, Size):
        return any(_size_ok(b, form.size) for b in layout.boxes(form.classes))
    if isinstance(form, Scene):
        return scene_holds(form.name, layout)
    if isinstance(form, Not):
        return not holds(form.form, layout)
    if isinstance(form, And):
        return all(holds(f, layout) for f in form.forms)
    raise TypeError(f"not a form: {form!r}")


def form_to_json(form: Form) -> list:
    if isinstance(form, Exists):
        return ["exists", list(form.classes), form.lo, form.hi]
    if isinstance(form, Rel):
        return ["rel", list(form.a), form.relation, list(form.b)]
    if isinstance(form, Size):
        return ["size", list(form.classes), form.size]
    if isinstance(form, Scene):
        return ["scene", form.name]
    if isinstance(form, Not):
        return ["not", form_to_json(form.form)]
    return ["and", [form_to_json(f) for f in form.forms]]


def form_from_json(data: list) -> Form:
    tag = data[0]
    if tag == "exists":
        return Exists(tuple(data[1]), data[2], data[3])
    if tag == "rel":
        return Rel(tuple(data[1]), data[2], tuple(data[3]))
    if tag == "size":
        return Size(tuple(data[1]), data[2])
    if tag == "scene":
        return Scene(data[1])
    if tag == "not":
        return Not(form_from_json(data[1]))
    if tag == "and":
        return And(tuple(form_from_json(f) for f in data[1]))
    raise ValueError(f"unknown form tag {tag!r}")


def layout_to_json(layout: Layout) -> dict:
    return {"scene": layout.scene, "objects": [[o.class_index, [round(v, 5) for v in o.box]] for o in layout.objects]}


def layout_from_json(data: dict) -> Layout:
    return Layout([Obj(c, tuple(b)) for c, b in data["objects"]], data["scene"])


# ---------------------------------------------------------------------------------------------
# Captions

KINDS = ("object", "count", "relation", "negation", "scene", "conjunction", "size")


@dataclass(frozen=True)
class Caption:
    text: str
    kind: str
    form: Form


def _choice(rng: np.random.Generator, options: Sequence):
    return options[int(rng.integers(len(options)))]


def _with_article(phrase: str) -> str:
    return f"{lx.article_for(phrase)} {phrase}"


def _nouns(cls: int, layout: Layout, rng: np.random.Generator) -> list[lx.Noun]:
    """Names for a class, canonical first; person role words when the layout explains them."""
    name = COCO_LABELS[cls]
    present = {COCO_LABELS[o.class_index] for o in layout.objects}
    fitting = [noun for noun, needs in lx.CONTEXT_NOUNS.get(name, ()) if present.intersection(needs)]
    if fitting and rng.random() < 0.4:
        return fitting
    return list(lx.CLASS_NOUNS[name])


def _noun(cls: int, layout: Layout, rng: np.random.Generator) -> lx.Noun | None:
    """A countable name (canonical half the time), or None if the class has none."""
    # Countable names only ("a luggage" is wrong); mass and plural-only classes are phrased apart.
    nouns = [n for n in _nouns(cls, layout, rng) if n.singular and n.plural]
    if not nouns:
        return None
    return nouns[0] if rng.random() < 0.5 else _choice(rng, nouns)


def _exists_np(cls: int, layout: Layout, rng: np.random.Generator) -> tuple[str, Exists]:
    """A true existential phrase for a present class: "a dog", "dogs", "some broccoli"."""
    n = layout.count((cls,))
    kind_nouns = lx.CLASS_NOUNS[COCO_LABELS[cls]]
    plural_only = kind_nouns[0].singular is None
    mass = kind_nouns[0].plural is None
    if plural_only:  # skis, scissors
        word = kind_nouns[0].plural
        return (f"a pair of {word}" if rng.random() < 0.6 else word), Exists((cls,), 1, None)
    if mass:  # broccoli
        return (f"some {kind_nouns[0].singular}" if rng.random() < 0.5 else kind_nouns[0].singular), Exists((cls,), 1, None)
    if n >= 2 and rng.random() < 0.4:
        noun = _noun(cls, layout, rng)
        if noun:
            return (f"some {noun.plural}" if rng.random() < 0.3 else noun.plural), Exists((cls,), 2, None)
    noun = _noun(cls, layout, rng)
    return _with_article(noun.singular), Exists((cls,), 1, None)


def _count_np(cls: int, layout: Layout, rng: np.random.Generator,
              exact_share: float = 0.7) -> tuple[str, Exists] | None:
    """A phrase stating how many: "two dogs", "a single cat", "several cows", "a herd of
    zebras". None for classes without number (mass or plural-only nouns)."""
    kind_nouns = lx.CLASS_NOUNS[COCO_LABELS[cls]]
    if kind_nouns[0].singular is None or kind_nouns[0].plural is None:
        return None
    n = layout.count((cls,))
    name = COCO_LABELS[cls]
    options = lx.exact_count_phrases(n) if n <= 10 else []
    options += [c for c in lx.VAGUE_COUNTS if c.lo <= n and (c.hi is None or n <= c.hi)]
    collectives = [p for p, classes in lx.COLLECTIVES.items() if name in classes and n >= lx.COLLECTIVE_RANGE[0]]
    if collectives and exact_share < 1.0 and rng.random() < 0.25:  # test queries: numbers only
        phrase, (lo, hi) = _choice(rng, collectives), lx.COLLECTIVE_RANGE
        noun = _noun(cls, layout, rng)
        return f"{phrase} {noun.plural}", Exists((cls,), lo, hi)
    if not options:
        return None
    # Exact numbers are the most useful signal: favour them.
    exact = [c for c in options if c.lo == c.hi]
    word = _choice(rng, exact) if exact and rng.random() < exact_share else _choice(rng, options)
    noun = _noun(cls, layout, rng)
    return f"{word.phrase} {noun.plural if word.plural else noun.singular}", Exists((cls,), word.lo, word.hi)


def _absent_np(noun: lx.Noun, rng: np.random.Generator, after_no: bool) -> str:
    """'cars' / 'a car' / 'any cars' / 'food' for an absent thing."""
    if noun.plural is None:
        return noun.singular
    if noun.singular is None or after_no or rng.random() < 0.6:
        return ("any " if not after_no and rng.random() < 0.3 else "") + noun.plural
    return _with_article(noun.singular)


def _scene_np(name: str) -> str:
    article = lx.SCENES[name].article
    if article == "a":
        return _with_article(name)
    return f"{article} {name}".strip()


def _participle(cls: int, rng: np.random.Generator) -> str:
    name = COCO_LABELS[cls]
    if name == "person":
        group = "person"
    elif name in ("cat", "dog"):
        group = "pet"
    elif name in lx.GROUP_NOUNS["animal"][1]:
        group = "animal"
    elif name in lx.GROUP_NOUNS["vehicle"][1] or name in ("airplane", "train", "boat"):
        group = "vehicle"
    else:
        group = "object"
    return _choice(rng, lx.PARTICIPLES[group])


def _join(parts: Sequence[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return f"{parts[0]} and {parts[1]}"
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _present(layout: Layout) -> list[int]:
    return sorted(layout.class_counts())


def _pick_classes(layout: Layout, rng: np.random.Generator, k: int, rare_first: bool = False) -> list[int]:
    present = _present(layout)
    if not present:
        return []
    k = min(k, len(present))
    if rare_first:
        # Rare classes single a photo out: weight by inverse of how common they are in COCO.
        w = np.array([1.0 / (1 + _CLASS_FREQ.get(COCO_LABELS[c], 0)) for c in present])
        idx = rng.choice(len(present), size=k, replace=False, p=w / w.sum())
    else:
        idx = rng.choice(len(present), size=k, replace=False)
    return [present[int(i)] for i in idx]


def _stats_freq() -> dict[str, int]:
    return load_stats().get("class_counts", {}) if STATS_PATH.exists() else {}


_CLASS_FREQ = _stats_freq()


def _true_scenes(layout: Layout) -> list[str]:
    return [name for name in lx.SCENES if scene_holds(name, layout)]


def _object_caption(layout: Layout, rng: np.random.Generator) -> Caption | None:
    cls = _pick_classes(layout, rng, 1)[0]
    text, form = _exists_np(cls, layout, rng)
    r = rng.random()
    if r < 0.3:
        text = f"{_choice(rng, lx.OPENERS[:5])} {text}"
    elif r < 0.55:
        text = f"{text} {_participle(cls, rng)}"
    elif r < 0.7:
        verb = "are" if form.lo >= 2 else "is"
        text = f"there {verb} {text}"
    return Caption(text, "object", form)


def _conjunction_caption(layout: Layout, rng: np.random.Generator, k: int | None = None,
                         rare_first: bool = False, kind: str = "conjunction") -> Caption | None:
    k = k or int(rng.integers(2, 4))
    classes = _pick_classes(layout, rng, k, rare_first)
    if len(classes) < 2:
        return None
    nps = [_exists_np(c, layout, rng) for c in classes]
    forms = tuple(f for _, f in nps)
    texts = [t for t, _ in nps]
    r = rng.random()
    if r < 0.45:
        text = f"{texts[0]} {_choice(rng, lx.CONJUNCTIONS[1:])} {_join(texts[1:])}"
    elif r < 0.6:
        text = f"{texts[0]} {_participle(classes[0], rng)} with {_join(texts[1:])}"
    else:
        text = _join(texts)
    return Caption(text, kind, And(forms))


def _count_caption(layout: Layout, rng: np.random.Generator, with_other: float = 0.5,
                   exact_share: float = 0.7) -> Caption | None:
    counts = layout.class_counts()
    candidates = [c for c in sorted(counts) if _count_np(c, layout, np.random.default_rng(0)) is not None]
    if not candidates:
        return None
    # Prefer classes with several instances: counting them is the point.
    w = np.array([1.0 + min(counts[c], 6) for c in candidates])
    cls = candidates[int(rng.choice(len(candidates), p=w / w.sum()))]
    found = _count_np(cls, layout, rng, exact_share)
    if found is None:
        return None
    text, form = found
    forms: list[Form] = [form]
    others = [c for c in sorted(counts) if c != cls]
    r = rng.random()
    if others and r < with_other:
        other = _choice(rng, others)
        other_text, other_form = _exists_np(other, layout, rng)
        text = f"{text} {_choice(rng, ('with', 'and', 'near') if rng.random() < 0.8 else ('along with',))} {other_text}"
        forms.append(other_form)
    elif r < with_other + 0.2 and not text.startswith("a "):
        verb = "is" if form.hi == 1 else "are"
        text = f"there {verb} {text}"
    elif r < with_other + 0.35:
        text = f"{text} {_participle(cls, rng)}"
    return Caption(text, "count", forms[0] if len(forms) == 1 else And(tuple(forms)))


def _natural_on(layout: Layout, a: int, b: int) -> bool:
    """Captions say "a on b" for supports, and for things smaller than their support unless a
    person rides or stands on it ("a man on a skateboard")."""
    name_a, name_b = COCO_LABELS[a], COCO_LABELS[b]
    if name_b not in lx.ON_SUPPORTS:
        return False
    if name_a == "person" and name_b in lx.ON_RIDE_SUPPORTS + lx.ON_STAND_SUPPORTS:
        return True
    return max(_area(x) for x in layout.boxes((a,))) < min(_area(x) for x in layout.boxes((b,)))


def _relation_pairs(layout: Layout) -> list[tuple[int, str, int]]:
    """(a, relation, b) class pairs whose relation is clear: it holds, and for directional
    relations no instance pair says the opposite (so "a dog left of a person" is not
    contradicted by another dog right of another person)."""
    classes = _present(layout)
    out = []
    for a in classes:
        for b in classes:
            if a == b:
                continue
            for rel in RELATION_TESTS:
                if not _rel_holds(layout, (a,), rel, (b,)):
                    continue
                if rel in INVERSE and _rel_holds(layout, (a,), INVERSE[rel], (b,)):
                    continue
                if rel == "on" and not _natural_on(layout, a, b):
                    continue
                upper, lower = (a, b) if rel == "above" else (b, a)
                if rel in ("above", "below") and not (COCO_LABELS[upper] in lx.UPPER_THINGS
                                                      or COCO_LABELS[lower] in lx.LOWER_THINGS):
                    continue
                if rel == "holding" and (a != CI["person"] or COCO_LABELS[b] not in lx.HOLDABLE):
                    continue
                if rel == "next_to" and (_rel_holds(layout, (a,), "on", (b,)) or _rel_holds(layout, (b,), "on", (a,))):
                    continue
                out.append((a, rel, b))
    return out


def _all_related(layout: Layout, a: int, rel: str, b: int) -> bool:
    test = RELATION_TESTS[rel]
    b_boxes = [o for o in layout.objects if o.class_index == b]
    return all(any(test(oa.box, ob.box) for ob in b_boxes if ob is not oa)
               for oa in layout.objects if oa.class_index == a)


def _relation_phrase(a: int, rel: str, b: int, rng: np.random.Generator) -> str:
    phrases = list(lx.RELATION_PHRASES[rel])
    if rel == "on":
        na, nb = COCO_LABELS[a], COCO_LABELS[b]
        phrases = ["on", "on top of"]
        if na == "person" and nb in lx.ON_RIDE_SUPPORTS:
            phrases.append("riding")
        if na in ("person", "cat", "dog", "bird", "teddy bear") and nb in lx.ON_SIT_SUPPORTS:
            phrases.append("sitting on")
        if na in ("person", "bird") and nb in lx.ON_STAND_SUPPORTS:
            phrases.append("standing on")
    return _choice(rng, phrases)


def _relation_caption(layout: Layout, rng: np.random.Generator, extra: float = 0.0) -> Caption | None:
    pairs = _relation_pairs(layout)
    if not pairs:
        return None
    # "on" and "next to" read most naturally; directional ones carry the compositional signal.
    a, rel, b = _choice(rng, pairs)
    if rng.random() < 0.35 and layout.count((a,)) >= 2 and _all_related(layout, a, rel, b):
        # "three giraffes left of a bird" reads as all three: say a number only when so.
        found = _count_np(a, layout, rng)
        a_text, a_form = found if found else _exists_np(a, layout, rng)
    else:
        a_text, a_form = _exists_np(a, layout, rng)
    b_text, b_form = _exists_np(b, layout, rng)
    if rel == "next_to" and rng.random() < 0.15:
        text = f"{a_text} and {b_text} {_choice(rng, lx.EACH_OTHER[:2])}"
    else:
        middle = f"{_participle(a, rng)} " if rng.random() < 0.25 and rel not in ("on", "holding") else ""
        text = f"{a_text} {middle}{_relation_phrase(a, rel, b, rng)} {b_text}"
    forms: list[Form] = [a_form, Rel((a,), rel, (b,)), b_form]
    others = [c for c in _present(layout) if c not in (a, b)]
    if others and rng.random() < extra:
        o_text, o_form = _exists_np(_choice(rng, others), layout, rng)
        text = f"{text} {_choice(rng, ('with', 'and'))} {o_text}"
        forms.append(o_form)
    return Caption(text, "relation", And(tuple(forms)))


# Absent things a caption plausibly mentions: classes that co-occur with the present ones in the
# templates (a kitchen without a refrigerator), rather than random ones (a kitchen without a giraffe).
_COOCCUR: dict[int, set[int]] = {}
for _template in TEMPLATES:
    _members = {CI[i.cls] for i in _template.items}
    for _m in _members:
        _COOCCUR.setdefault(_m, set()).update(_members - {_m})


def _absent_choice(layout: Layout, rng: np.random.Generator) -> tuple[tuple[int, ...], lx.Noun]:
    present = set(layout.class_counts())
    if rng.random() < 0.15:  # group words: "no animals", "without any food"
        groups = [(tuple(CI[c] for c in classes), noun) for noun, classes in lx.GROUP_NOUNS.values()
                  if not present.intersection(CI[c] for c in classes)]
        if groups:
            return _choice(rng, groups)
    plausible = sorted(set().union(*(_COOCCUR.get(c, set()) for c in present)) - present)
    if plausible and rng.random() < 0.75:
        cls = _choice(rng, plausible)
    else:
        cls = _choice(rng, [c for c in range(80) if c not in present])
    nouns = lx.CLASS_NOUNS[COCO_LABELS[cls]]
    noun = nouns[0] if rng.random() < 0.6 else _choice(rng, nouns)
    return (cls,), noun


_EMPTY_SUPPORTS = ("bench", "chair", "couch", "bed", "dining table", "boat", "bus", "train")


def _negation_caption(layout: Layout, rng: np.random.Generator, specific: bool = False) -> Caption | None:
    present = _present(layout)
    person = CI["person"]
    empties = [c for c in present if COCO_LABELS[c] in _EMPTY_SUPPORTS]
    if empties and person not in present and rng.random() < (0.1 if specific else 0.2):
        cls = _choice(rng, empties)
        noun = lx.CLASS_NOUNS[COCO_LABELS[cls]]
        word = noun[0].singular if rng.random() < 0.6 else _choice(rng, noun).singular
        text = f"{_choice(rng, lx.NEGATION['empty'])} {word}"
        return Caption(text, "negation", And((Exists((cls,), 1, None), Not(Exists((person,), 1, None)))))
    absent, noun = _absent_choice(layout, rng)
    neg = Not(Exists(absent, 1, None))
    scenes = _true_scenes(layout)
    r = rng.random()
    if scenes and r < 0.45:
        scene = _choice(rng, scenes)
        scene_text = _scene_np(scene)
        forms: list[Form] = [Scene(scene)]
        if specific:
            extra_text, extra_form = _exists_np(_pick_classes(layout, rng, 1, rare_first=True)[0], layout, rng)
            scene_text = f"{scene_text} with {extra_text}"
            forms.append(extra_form)
        if rng.random() < 0.5:
            text = f"{scene_text} without {_absent_np(noun, rng, after_no=False)}"
        else:
            text = f"{scene_text} and no {_absent_np(noun, rng, after_no=True)}"
        return Caption(text, "negation", And((*forms, neg)))
    k = 2 if specific else 1
    classes = _pick_classes(layout, rng, k, rare_first=specific)
    nps = [_exists_np(c, layout, rng) for c in classes]
    subject = _join([t for t, _ in nps])
    forms = [f for _, f in nps]
    if r < 0.75:
        text = f"{subject} {_choice(rng, lx.NEGATION['without'])} {_absent_np(noun, rng, after_no=True)}"
    else:
        if noun.plural is None or (noun.singular is not None and rng.random() < 0.4):
            text = f"{subject}, there is no {noun.singular}"
        else:
            text = f"{subject}, there are no {noun.plural}"
    return Caption(text, "negation", And((*forms, neg)))


def _scene_caption(layout: Layout, rng: np.random.Generator, k_objects: int | None = None,
                   rare_first: bool = False) -> Caption | None:
    scenes = _true_scenes(layout)
    if not scenes:
        return None
    name = _choice(rng, scenes)
    scene_text, definition = _scene_np(name), lx.SCENES[name]
    k = k_objects if k_objects is not None else int(rng.choice([0, 1, 1, 2, 2, 3]))
    classes = _pick_classes(layout, rng, k, rare_first) if k else []
    nps = [_exists_np(c, layout, rng) for c in classes]
    forms: list[Form] = [Scene(name)] + [f for _, f in nps]
    texts = [t for t, _ in nps]
    if not texts:
        text = f"{_choice(rng, lx.OPENERS[:5])} {scene_text}" if rng.random() < 0.6 else scene_text
    elif rng.random() < 0.5:
        text = f"{scene_text} {_choice(rng, lx.SCENE_LINKS)} {_join(texts)}"
    else:
        tail = f" with {_join(texts[1:])}" if len(texts) > 1 else ""
        text = f"{texts[0]} {definition.preposition} {scene_text}{tail}"
    return Caption(text, "scene", And(tuple(forms)) if len(forms) > 1 else forms[0])


def _size_caption(layout: Layout, rng: np.random.Generator) -> Caption | None:
    """'a small cat on a bed': only for classes whose every instance has that size, and
    'small' only for classes that are not small anyway (a small spoon says nothing)."""
    options = []
    for cls in _present(layout):
        boxes = layout.boxes((cls,))
        kind_nouns = lx.CLASS_NOUNS[COCO_LABELS[cls]]
        if kind_nouns[0].singular is None or kind_nouns[0].plural is None:
            continue
        for size in ("large", "small"):
            if size == "small" and _SIZE_PRIOR[COCO_LABELS[cls]][0] < 0.02:
                continue
            if all(_size_ok(b, size) for b in boxes):
                options.append((cls, size))
    if not options:
        return None
    cls, size = _choice(rng, options)
    n = layout.count((cls,))
    adjective = _choice(rng, lx.SIZE_WORDS[size])
    plural = n >= 2 and rng.random() < 0.5
    noun = _noun(cls, layout, rng)
    text = f"{adjective} {noun.plural}" if plural else _with_article(f"{adjective} {noun.singular}")
    forms: list[Form] = [Size((cls,), size)] + ([Exists((cls,), 2, None)] if plural else [])
    relations = [(a, r, b) for a, r, b in _relation_pairs(layout) if a == cls]
    r = rng.random()
    if relations and r < 0.4:
        _, rel, b = _choice(rng, relations)
        b_text, b_form = _exists_np(b, layout, rng)
        text = f"{text} {_relation_phrase(cls, rel, b, rng)} {b_text}"
        forms += [Rel((cls,), rel, (b,)), b_form]
    elif r < 0.7:
        scenes = _true_scenes(layout)
        if scenes:
            scene = _choice(rng, scenes)
            text = f"{text} {lx.SCENES[scene].preposition} {_scene_np(scene)}"
            forms.append(Scene(scene))
    return Caption(text, "size", And(tuple(forms)) if len(forms) > 1 else forms[0])


_MAKERS = {
    "object": _object_caption, "count": _count_caption, "relation": _relation_caption,
    "negation": _negation_caption, "scene": _scene_caption, "conjunction": _conjunction_caption,
    "size": _size_caption,
}
KIND_WEIGHTS = {"object": 1.0, "count": 1.2, "relation": 1.4, "negation": 1.0, "scene": 0.9,
                "conjunction": 1.0, "size": 0.5}


def _style(text: str, rng: np.random.Generator) -> str:
    """Real captions: mostly capitalised, sometimes a full stop."""
    text = " ".join(text.split())
    if rng.random() < 0.6:
        text = text[0].upper() + text[1:]
    if rng.random() < 0.3:
        text += "."
    return text


def captions_for(layout: Layout, rng: np.random.Generator, n: int) -> list[Caption]:
    """n varied captions, all true of the layout (fewer only if it allows fewer distinct ones)."""
    kinds = list(KIND_WEIGHTS)
    p = np.array([KIND_WEIGHTS[k] for k in kinds])
    out: list[Caption] = []
    seen: set[str] = set()
    for _ in range(n * 6):
        if len(out) >= n:
            break
        kind = kinds[int(rng.choice(len(kinds), p=p / p.sum()))]
        caption = _MAKERS[kind](layout, rng)
        if caption is None:
            continue
        text = _style(caption.text, rng)
        if text.lower().rstrip(".") in seen:
            continue
        seen.add(text.lower().rstrip("."))
        out.append(Caption(text, caption.kind, caption.form))
    return out


TEST_KINDS = ("object", "count", "relation", "negation", "scene")


def test_queries(layout: Layout, rng: np.random.Generator) -> dict[str, Caption]:
    """One query per compositional type, made specific (rare classes, extra objects) so that it
    mostly singles out this layout. Kinds the layout cannot support are left out."""
    makers = {
        "object": lambda: _conjunction_caption(layout, rng, k=3, rare_first=True, kind="object"),
        "count": lambda: _count_caption(layout, rng, with_other=1.0, exact_share=1.0),
        "relation": lambda: _relation_caption(layout, rng, extra=0.6),
        "negation": lambda: _negation_caption(layout, rng, specific=True),
        "scene": lambda: _scene_caption(layout, rng, k_objects=2, rare_first=True),
    }
    out = {}
    for kind in TEST_KINDS:
        caption = makers[kind]()
        if caption is not None:
            out[kind] = Caption(" ".join(caption.text.split()), kind, caption.form)
    return out


# ---------------------------------------------------------------------------------------------
# Detector noise

# Classes a detector mixes up (used as the confusion prior and when a fit saw too few cases).
SIMILAR_GROUPS: tuple[tuple[str, ...], ...] = (
    ("cat", "dog", "teddy bear", "bear"), ("car", "truck", "bus"), ("cow", "sheep", "horse", "dog"),
    ("zebra", "horse", "giraffe"), ("elephant", "bear"), ("cup", "wine glass", "bottle", "vase", "bowl"),
    ("fork", "knife", "spoon", "toothbrush"), ("chair", "couch", "bench", "bed"), ("dining table", "bench", "bed"),
    ("tv", "laptop", "microwave", "oven"), ("keyboard", "laptop", "remote", "cell phone"),
    ("skis", "snowboard", "skateboard", "surfboard"), ("handbag", "backpack", "suitcase"),
    ("sandwich", "hot dog", "pizza", "cake", "donut"), ("orange", "apple", "sports ball", "banana"),
    ("broccoli", "potted plant"), ("motorcycle", "bicycle"), ("boat", "airplane"),
    ("refrigerator", "oven"), ("sink", "toilet"), ("kite", "bird", "umbrella", "frisbee"),
    ("clock", "stop sign"), ("baseball bat", "tennis racket", "baseball glove"),
)


def _similar_matrix() -> np.ndarray:
    m = np.zeros((80, 80))
    for group in SIMILAR_GROUPS:
        for a in group:
            for b in group:
                if a != b:
                    m[CI[a], CI[b]] = 1.0
    return m


# log10(area) bin edges for recall and score (area fraction of the photo).
AREA_EDGES = (-3.5, -3.0, -2.5, -2.0, -1.5, -1.0)


@dataclass
class NoiseModel:
    """What a detector does to ground truth. Defaults: documented guesses for CenterNet /
    MobileNetV3 (COCO AP@0.5 ≈ 0.42, focal-loss scores that run low, Human's threshold 0.2);
    they also serve as the tiny-test configuration. `fit_noise_model` replaces them with
    measurements. Score distributions are Beta over (score - score_floor) / (1 - score_floor):
    the fit only sees scores at or above the run's threshold."""

    score_floor: float = 0.2
    area_edges: list[float] = field(default_factory=lambda: list(AREA_EDGES))
    # P(the object yields a detection of any class at IoU ≥ 0.5 and score ≥ floor), per area bin
    # (len(area_edges) + 1 bins).
    recall_by_area: list[float] = field(default_factory=lambda: [0.08, 0.2, 0.35, 0.5, 0.65, 0.78, 0.85])
    class_recall_factor: list[float] = field(default_factory=lambda: [1.0] * 80)
    tp_score_beta: list[list[float]] = field(default_factory=lambda: [
        [1.2, 6.0], [1.3, 5.5], [1.5, 5.0], [1.8, 4.5], [2.0, 4.0], [2.4, 3.5], [2.8, 3.0]])
    box_jitter: list[float] = field(default_factory=lambda: [0.08, 0.08, 0.08, 0.08])  # σ of Δx0/w, Δy0/h, Δx1/w, Δy1/h
    confusion_prob: float = 0.06  # a detected object gets another class
    confusion: list[list[float]] = field(default_factory=list)  # [gt, det, weight] measured pairs
    duplicate_rate: float = 0.05  # extra same-class boxes per detected object
    duplicate_score_ratio: float = 0.6
    duplicate_jitter: float = 0.2
    fp_per_image: float = 1.2  # Poisson mean of false positives
    fp_near_object: float = 0.45  # share of false positives that sit on a real object (bad box, part, group)
    fp_near_same_class: float = 0.6  # ... and of those, share with the object's own class
    fp_score_beta: list[float] = field(default_factory=lambda: [1.1, 6.0])
    fp_class_weights: list[float] = field(default_factory=list)  # empty: COCO frequency prior
    fp_log10_area: list[float] = field(default_factory=lambda: [-2.0, 0.7])  # mean, σ of background FPs
    measured: dict = field(default_factory=dict)  # the fit's raw statistics, for the build record

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @staticmethod
    def from_json(text: str) -> NoiseModel:
        return NoiseModel(**json.loads(text))

    def save(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n")

    @staticmethod
    def load(path: Path) -> NoiseModel:
        return NoiseModel.from_json(path.read_text())

    def area_bin(self, box: Box) -> int:
        return int(np.searchsorted(self.area_edges, math.log10(max(_area(box), 1e-6)), side="right"))

    def detect_prob(self, class_index: int, box: Box) -> float:
        return min(0.99, self.recall_by_area[self.area_bin(box)] * self.class_recall_factor[class_index])

    def _confusion_matrix(self) -> np.ndarray:
        m = _similar_matrix() * 0.5  # prior: half a case per similar pair
        for gt, det, w in self.confusion:
            m[int(gt), int(det)] += w
        for i in range(80):
            if m[i].sum() == 0:
                m[i] = 1.0
                m[i, i] = 0.0
        return m / m.sum(1, keepdims=True)

    def _fp_class_p(self) -> np.ndarray:
        if self.fp_class_weights:
            w = np.asarray(self.fp_class_weights, dtype=float)
        else:
            w = np.ones(80)
            for name, n in _CLASS_FREQ.items():
                w[CI[name]] += n
        return w / w.sum()


def _score(rng: np.random.Generator, beta: Sequence[float], floor: float) -> float:
    return floor + (1 - floor) * float(rng.beta(beta[0], beta[1]))


def _jitter(box: Box, sigma: Sequence[float], rng: np.random.Generator) -> Box:
    w, h = box[2] - box[0], box[3] - box[1]
    d = rng.normal(0, 1, 4) * np.asarray(sigma)
    return _clip((box[0] + d[0] * w, box[1] + d[1] * h, box[2] + d[2] * w, box[3] + d[3] * h))


@lru_cache(maxsize=16)
def _confusion_for(measured: tuple[tuple[float, ...], ...]) -> np.ndarray:
    return NoiseModel(confusion=[list(m) for m in measured])._confusion_matrix()


@lru_cache(maxsize=16)
def _fp_class_p_for(weights: tuple[float, ...]) -> np.ndarray:
    return NoiseModel(fp_class_weights=list(weights))._fp_class_p()


def simulate_detections(layout: Layout, noise: NoiseModel, rng: np.random.Generator,
                        score_threshold: float, max_regions: int) -> list[Detection]:
    """What the detector would report for the layout: best first, score ≥ threshold, at most
    max_regions. A threshold below noise.score_floor cannot add detections the fit never saw."""
    confusion = _confusion_for(tuple(tuple(m) for m in noise.confusion))
    out: list[Detection] = []
    for obj in layout.objects:
        if rng.random() >= noise.detect_prob(obj.class_index, obj.box):
            continue
        cls = obj.class_index
        if rng.random() < noise.confusion_prob:
            cls = int(rng.choice(80, p=confusion[cls]))
        score = _score(rng, noise.tp_score_beta[noise.area_bin(obj.box)], noise.score_floor)
        out.append(Detection(cls, score, _jitter(obj.box, noise.box_jitter, rng)))
        if rng.random() < noise.duplicate_rate:
            dup_score = noise.score_floor + (score - noise.score_floor) * noise.duplicate_score_ratio * rng.uniform(0.6, 1.0)
            out.append(Detection(cls, dup_score, _jitter(obj.box, [noise.duplicate_jitter] * 4, rng)))
    for _ in range(int(rng.poisson(noise.fp_per_image))):
        out.append(_false_positive(layout, noise, rng, confusion))
    out = [d for d in out if d.score >= score_threshold]
    out.sort(key=lambda d: -d.score)
    return out[:max_regions]


def _false_positive(layout: Layout, noise: NoiseModel, rng: np.random.Generator, confusion: np.ndarray) -> Detection:
    score = _score(rng, noise.fp_score_beta, noise.score_floor)
    if layout.objects and rng.random() < noise.fp_near_object:
        obj = layout.objects[int(rng.integers(len(layout.objects)))]
        cls = obj.class_index if rng.random() < noise.fp_near_same_class else int(rng.choice(80, p=confusion[obj.class_index]))
        # A part of the object, or a box spanning it and its surroundings: IoU < 0.5.
        w, h = obj.box[2] - obj.box[0], obj.box[3] - obj.box[1]
        scale = math.exp(rng.choice([-1, 1]) * rng.uniform(0.8, 1.4))
        cx, cy = _cx(obj.box) + rng.normal(0, 0.3) * w, _cy(obj.box) + rng.normal(0, 0.3) * h
        nw, nh = w * scale * math.exp(rng.normal(0, 0.2)), h * scale * math.exp(rng.normal(0, 0.2))
        return Detection(cls, score, _clip((cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2)))
    cls = int(rng.choice(80, p=_fp_class_p_for(tuple(noise.fp_class_weights))))
    area = 10 ** rng.normal(*noise.fp_log10_area)
    w, h = _shape(min(area, 0.9), math.exp(rng.normal(0, 0.5)))
    cx, cy = rng.uniform(w / 2, 1 - w / 2), rng.uniform(h / 2, 1 - h / 2)
    return Detection(cls, score, _clip((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)))


# ---------------------------------------------------------------------------------------------
# Fitting the noise model to a real detector run

_IOU = 0.5
_MIN_BIN = 8  # fewer samples than this: keep the default for that bin


def _beta_moments(x: np.ndarray, fallback: Sequence[float]) -> list[float]:
    """Beta(α, β) by the method of moments on values in (0, 1)."""
    if len(x) < _MIN_BIN:
        return list(fallback)
    x = np.clip(x, 1e-3, 1 - 1e-3)
    m, v = float(x.mean()), float(x.var())
    if v <= 0 or v >= m * (1 - m):
        return list(fallback)
    common = m * (1 - m) / v - 1
    return [round(m * common, 4), round((1 - m) * common, 4)]


def _match_image(gt: list[tuple[int, Box, bool]], dets: list[Detection]) -> dict:
    """Greedy by score: same-class IoU ≥ 0.5 → true positive (or duplicate when the object is
    already taken); then other-class IoU ≥ 0.5 on an untaken object → confusion; detections on
    crowd regions are ignored; the rest are false positives."""
    order = sorted(range(len(dets)), key=lambda i: -dets[i].score)
    taken: dict[int, int] = {}
    kind: dict[int, str] = {}
    for i in order:
        d = dets[i]
        best, best_iou = -1, _IOU
        for j, (cls, box, crowd) in enumerate(gt):
            if cls == d.class_index and not crowd and j not in taken:
                o = iou(d.box, box)
                if o >= best_iou:
                    best, best_iou = j, o
        if best >= 0:
            taken[best], kind[i] = i, "tp"
        elif any(cls == d.class_index and iou(d.box, box) >= _IOU for cls, box, _ in gt):
            kind[i] = "crowd" if any(c == d.class_index and cr and iou(d.box, b) >= _IOU for c, b, cr in gt) else "dup"
    for i in order:
        if i in kind:
            continue
        d = dets[i]
        best, best_iou = -1, _IOU
        for j, (cls, box, crowd) in enumerate(gt):
            if cls != d.class_index and not crowd and j not in taken:
                o = iou(d.box, box)
                if o >= best_iou:
                    best, best_iou = j, o
        if best >= 0:
            taken[best], kind[i] = i, "confusion"
        else:
            kind[i] = "fp"
    return {"taken": taken, "kind": kind}


def fit_noise_model_from_pairs(pairs: Sequence[tuple[list[tuple[int, Box, bool]], list[Detection]]],
                               base: NoiseModel | None = None, score_floor: float | None = None) -> NoiseModel:
    """Fits every NoiseModel field from (ground truth [(class, box, is_crowd)], detections) per
    image. Bins or classes with too few samples keep `base` (the defaults). The score floor is
    `score_floor`, else the weakest score seen."""
    base = base or NoiseModel()
    floor = score_floor if score_floor is not None else min(
        (d.score for _, dets in pairs for d in dets), default=base.score_floor)
    edges = base.area_edges
    nbins = len(edges) + 1
    hit_bins = np.zeros(nbins)
    all_bins = np.zeros(nbins)
    tp_scores: list[list[float]] = [[] for _ in range(nbins)]
    jitter, confusions, fp_scores, fp_areas = [], [], [], []
    class_hits, class_total = np.zeros(80), np.zeros(80)
    gt_area_bins: list[tuple[int, int]] = []
    n_tp = n_dup = n_conf = n_fp = n_fp_near = n_fp_near_same = 0
    dup_ratio = []
    fp_classes = np.zeros(80)
    model_for_bins = NoiseModel(area_edges=list(edges))
    for gt, dets in pairs:
        result = _match_image(gt, dets)
        taken, kind = result["taken"], result["kind"]
        for j, (cls, box, crowd) in enumerate(gt):
            if crowd:
                continue
            b = model_for_bins.area_bin(box)
            all_bins[b] += 1
            gt_area_bins.append((cls, b))
            class_total[cls] += 1
            if j in taken:
                hit_bins[b] += 1
                class_hits[cls] += 1
                d = dets[taken[j]]
                if kind[taken[j]] == "tp":
                    tp_scores[b].append(d.score)
                    w, h = box[2] - box[0], box[3] - box[1]
                    jitter.append([(d.box[0] - box[0]) / w, (d.box[1] - box[1]) / h,
                                   (d.box[2] - box[2]) / w, (d.box[3] - box[3]) / h])
                else:
                    confusions.append((cls, d.class_index))
        for i, k in kind.items():
            d = dets[i]
            if k == "tp":
                n_tp += 1
            elif k == "confusion":
                n_conf += 1
            elif k == "dup":
                n_dup += 1
                parent = max((dets[t].score for t in taken.values()
                              if dets[t].class_index == d.class_index and iou(dets[t].box, d.box) > 0.2), default=None)
                if parent:
                    dup_ratio.append((d.score - floor) / max(parent - floor, 1e-6))
            elif k == "fp":
                n_fp += 1
                fp_scores.append(d.score)
                fp_classes[d.class_index] += 1
                near = [c for c, b, _ in gt if iou(d.box, b) >= 0.1]
                if near:
                    n_fp_near += 1
                    n_fp_near_same += d.class_index in near
                else:
                    fp_areas.append(math.log10(max(_area(d.box), 1e-6)))
    n_images = len(pairs)
    recall = [round(float(hit_bins[b] / all_bins[b]), 4) if all_bins[b] >= _MIN_BIN else base.recall_by_area[b]
              for b in range(nbins)]
    # Per-class factor: observed hits over the hits the area model expects, shrunk toward 1.
    expected = np.zeros(80)
    for cls, b in gt_area_bins:
        expected[cls] += recall[b]
    shrink = 3.0
    factor = ((class_hits + shrink) / (expected + shrink)).clip(0.3, 2.0)
    scale = 1 - floor
    detected = n_tp + n_conf
    jitter_arr = np.asarray(jitter) if jitter else np.zeros((0, 4))
    fp_near_total = max(n_fp_near, 1)
    model = NoiseModel(
        score_floor=round(float(floor), 4),
        area_edges=list(edges),
        recall_by_area=recall,
        class_recall_factor=[round(float(f), 3) for f in factor],
        tp_score_beta=[_beta_moments((np.asarray(s) - floor) / scale, base.tp_score_beta[b]) for b, s in enumerate(tp_scores)],
        box_jitter=[round(float(v), 4) for v in jitter_arr.std(0)] if len(jitter) >= _MIN_BIN else base.box_jitter,
        confusion_prob=round(n_conf / detected, 4) if detected >= _MIN_BIN else base.confusion_prob,
        confusion=[[g, d, c] for (g, d), c in sorted(Counter(confusions).items())],
        duplicate_rate=round(n_dup / max(n_tp, 1), 4) if n_tp >= _MIN_BIN else base.duplicate_rate,
        duplicate_score_ratio=round(float(np.median(dup_ratio)), 4) if len(dup_ratio) >= _MIN_BIN else base.duplicate_score_ratio,
        duplicate_jitter=base.duplicate_jitter,
        fp_per_image=round(n_fp / max(n_images, 1), 4),
        fp_near_object=round(n_fp_near / max(n_fp, 1), 4) if n_fp >= _MIN_BIN else base.fp_near_object,
        fp_near_same_class=round(n_fp_near_same / fp_near_total, 4) if n_fp_near >= _MIN_BIN else base.fp_near_same_class,
        fp_score_beta=_beta_moments((np.asarray(fp_scores) - floor) / scale, base.fp_score_beta),
        fp_class_weights=[round(float(v), 3) for v in (fp_classes + 0.5 * NoiseModel()._fp_class_p() * 80)],
        fp_log10_area=([round(float(np.mean(fp_areas)), 4), round(float(np.std(fp_areas)), 4)]
                       if len(fp_areas) >= _MIN_BIN else base.fp_log10_area),
    )
    model.measured = {
        "images": n_images, "objects": int(all_bins.sum()), "detections": sum(len(d) for _, d in pairs),
        "true_positives": n_tp, "confusions": n_conf, "duplicates": n_dup, "false_positives": n_fp,
        "recall_iou50": round(n_tp / max(all_bins.sum(), 1), 4),
        "precision_iou50": round(n_tp / max(sum(len(d) for _, d in pairs), 1), 4),
        "objects_per_area_bin": [int(v) for v in all_bins],
        "tp_score_mean": round(float(np.mean([s for b in tp_scores for s in b])), 4) if n_tp else None,
        "fp_score_mean": round(float(np.mean(fp_scores)), 4) if fp_scores else None,
    }
    return model


def _read_instances(instances_json: Path) -> dict[str, list[tuple[int, Box, bool]]]:
    data = json.loads(Path(instances_json).read_text())
    names = {c["id"]: c["name"] for c in data["categories"]}
    images = {im["id"]: im for im in data["images"]}
    out: dict[str, list[tuple[int, Box, bool]]] = {im["file_name"]: [] for im in data["images"]}
    for a in data["annotations"]:
        im = images[a["image_id"]]
        x, y, w, h = a["bbox"]
        box = _clip((x / im["width"], y / im["height"], (x + w) / im["width"], (y + h) / im["height"]))
        out[im["file_name"]].append((CI[names[a["category_id"]]], box, bool(a.get("iscrowd", 0))))
    return out


def fit_noise_model(detections_json: Path, instances_json: Path, score_floor: float | None = None,
                    nms_iou: float | None = None) -> NoiseModel:
    """Calibrates the noise model from a real detector run on photos with ground truth:
    detections_json = [{file, width, height, detections: [{classIndex, score, box}]}].
    Fit at the pipeline's own settings: `score_floor` drops weaker detections first (None: keep
    all, the floor is the weakest score seen), `nms_iou` applies the same class-agnostic NMS."""
    truth = _read_instances(instances_json)
    pairs = []
    for entry in json.loads(Path(detections_json).read_text()):
        name = Path(entry["file"]).name  # the run may record a path; COCO names the file
        if name not in truth:
            continue
        dets = sorted((Detection(int(d["classIndex"]), float(d["score"]), tuple(float(v) for v in d["box"]))
                       for d in entry["detections"] if score_floor is None or d["score"] >= score_floor),
                      key=lambda d: -d.score)
        if nms_iou is not None:
            dets = nms(dets, nms_iou)
        pairs.append((truth[name], dets))
    if not pairs:
        raise ValueError(f"no detections in {detections_json} match images in {instances_json}")
    model = fit_noise_model_from_pairs(pairs, score_floor=score_floor)
    model.measured["source"] = {"detections": Path(detections_json).name, "instances": Path(instances_json).name,
                                "score_floor": score_floor, "nms_iou": nms_iou}
    return model


def coco_layouts(instances_json: Path) -> dict[str, Layout]:
    """Real photos as layouts (file name → ground truth), so `holds` can judge captions and
    queries against them. Crowd regions are left out: they have no count."""
    return {name: Layout([Obj(c, b) for c, b, crowd in objects if not crowd], None)
            for name, objects in _read_instances(instances_json).items()}


def layout_truth(layout: Layout) -> list[tuple[int, Box, bool]]:
    """A layout as fit_noise_model_from_pairs' ground truth (no crowd regions)."""
    return [(o.class_index, o.box, False) for o in layout.objects]


# ---------------------------------------------------------------------------------------------
# A look at the data


def _describe(layout: Layout) -> str:
    counts = layout.class_counts()
    return ", ".join(f"{COCO_LABELS[c]}×{n}" if n > 1 else COCO_LABELS[c] for c, n in sorted(counts.items()))


def layout_summary(layouts: Sequence[Layout]) -> dict:
    """Statistics to compare with the real photos (coco_mini_stats)."""
    areas = [_area(o.box) for lay in layouts for o in lay.objects]
    return {
        "objects_per_image_mean": round(float(np.mean([len(l.objects) for l in layouts])), 2),
        "objects_per_image_median": float(np.median([len(l.objects) for l in layouts])),
        "share_with_person": round(float(np.mean([lay.count((CI["person"],)) > 0 for lay in layouts])), 3),
        "share_single_object": round(float(np.mean([len(l.objects) == 1 for l in layouts])), 3),
        "area_percentiles": {str(p): round(float(np.percentile(areas, p)), 5) for p in (10, 25, 50, 75, 90)},
    }


def dataset_summary(n: int = 20, seed: int = 0, noise: NoiseModel | None = None) -> str:
    rng = np.random.default_rng(seed)
    noise = noise or (NoiseModel.load(NOISE_PATH) if NOISE_PATH.exists() else NoiseModel())
    lines = []
    for i in range(n):
        layout = sample_layout(rng)
        lines.append(f"[{i}] template={layout.scene}: {_describe(layout)}")
        for c in captions_for(layout, rng, 5):
            lines.append(f"    {c.kind:<11} {c.text}")
        for kind, c in test_queries(layout, rng).items():
            lines.append(f"    test/{kind:<6} {c.text}")
        dets = simulate_detections(layout, noise, rng, 0.2, 20)
        lines.append("    detected: " + ", ".join(f"{COCO_LABELS[d.class_index]}:{d.score:.2f}" for d in dets[:12]))
    many = [sample_layout(rng) for _ in range(2000)]
    lines.append("synthetic: " + json.dumps(layout_summary(many)))
    if STATS_PATH.exists():
        s = load_stats()
        real = {"objects_per_image_mean": round(float(np.mean(s["objects_per_image"])), 2),
                "objects_per_image_median": float(np.median(s["objects_per_image"])),
                "share_with_person": round(float(np.mean([p > 0 for p in s["persons_per_image"]])), 3),
                "share_single_object": round(float(np.mean([c == 1 for c in s["objects_per_image"]])), 3),
                "area_percentiles": s["area_percentiles"]}
        lines.append("coco-mini: " + json.dumps(real))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", type=int, default=0, help="print N sample layouts with captions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write-stats", action="store_true", help=f"rewrite {STATS_PATH.name} from coco-mini")
    parser.add_argument("--fit", nargs=3, metavar=("DETECTIONS", "INSTANCES", "OUT"),
                        help="fit a noise model to a detector run and write it as JSON")
    parser.add_argument("--floor", type=float, default=None, help="with --fit: drop detections below this score")
    parser.add_argument("--nms", type=float, default=None, help="with --fit: class-agnostic NMS IoU")
    args = parser.parse_args(argv)
    if args.write_stats:
        write_coco_mini_stats()
        print(f"wrote {STATS_PATH}")
    if args.fit:
        model = fit_noise_model(Path(args.fit[0]), Path(args.fit[1]), args.floor, args.nms)
        model.save(Path(args.fit[2]))
        print(json.dumps(model.measured, indent=1))
    if args.show:
        print(dataset_summary(args.show, args.seed))


if __name__ == "__main__":
    main()
