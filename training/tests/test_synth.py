"""Synthetic layouts, captions and their truth, and the detector-noise model."""
import json
import re

import numpy as np
import pytest

from probesearch import lexicon as lx
from probesearch import synth
from probesearch.detections import Detection
from probesearch.paths import BUILD, COCO_MINI
from probesearch.synth import (And, Caption, Exists, Layout, NoiseModel, Not, Obj, Rel, Scene, Size,
                               captions_for, holds, sample_layout, simulate_detections)

C = lx.CLASS_INDEX


def lay(*objects, scene=None):
    """Layout from (class name, box) pairs."""
    return Layout([Obj(C[name], box) for name, box in objects], scene)


def sample(seed, n):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        layout = sample_layout(rng)
        out.append((layout, captions_for(layout, rng, 6), synth.test_queries(layout, rng)))
    return out


@pytest.fixture(scope="module")
def corpus():
    return [item for seed in (0, 1, 2) for item in sample(seed, 400)]


def test_every_generated_caption_holds_on_its_layout(corpus):
    checked = 0
    for layout, captions, queries in corpus:
        for c in captions + list(queries.values()):
            assert holds(c.form, layout), (c.text, c.form, synth.layout_to_json(layout))
            checked += 1
    assert checked > 8000


def test_every_kind_is_generated(corpus):
    kinds = {c.kind for _, captions, _ in corpus for c in captions}
    assert kinds == set(synth.KINDS)
    test_kinds = {k for _, _, q in corpus for k in q}
    assert test_kinds == set(synth.TEST_KINDS)


def test_vocabulary_covers_every_generated_word(corpus):
    vocab = lx.vocabulary_words()
    words = {w for _, captions, queries in corpus for c in captions + list(queries.values())
             for w in re.findall(r"[a-z]+", c.text.lower())}
    assert words - vocab == set()
    assert {"puppy", "sofa", "television", "automobile", "kitchen", "without", "left"} <= vocab


def test_captions_vary(corpus):
    texts = [c.text.lower().rstrip(".") for _, captions, _ in corpus for c in captions]
    assert len(set(texts)) > 0.7 * len(texts)


def test_same_seed_same_data():
    a, b = sample(7, 30), sample(7, 30)
    assert [(synth.layout_to_json(x), [c.text for c in cx], {k: q.text for k, q in qx.items()})
            for x, cx, qx in a] == [(synth.layout_to_json(x), [c.text for c in cx], {k: q.text for k, q in qx.items()})
                                    for x, cx, qx in b]
    assert synth.layout_to_json(a[0][0]) != synth.layout_to_json(sample(8, 1)[0][0])


def test_negation_captions_become_false_when_the_object_is_added(corpus):
    checked = 0
    for layout, captions, queries in corpus:
        for c in captions + list(queries.values()):
            if c.kind != "negation":
                continue
            negated = [f.form for f in c.form.forms if isinstance(f, Not)]
            assert negated, c
            absent = negated[0].classes[0]
            added = Layout(layout.objects + [Obj(absent, (0.1, 0.1, 0.3, 0.3))], layout.scene)
            assert not holds(c.form, added), c.text
            checked += 1
    assert checked > 300


# Hand-written truth cases ---------------------------------------------------------------------

MAN_LEFT = ("person", (0.05, 0.2, 0.25, 0.9))
HORSE_RIGHT = ("horse", (0.5, 0.4, 0.95, 0.9))
DOG_A = ("dog", (0.1, 0.6, 0.3, 0.9))
DOG_B = ("dog", (0.7, 0.6, 0.9, 0.9))


def test_exists_and_counts():
    two_dogs = lay(DOG_A, DOG_B)
    assert holds(Exists((C["dog"],), 1, None), two_dogs)
    assert holds(Exists((C["dog"],), 2, 2), two_dogs)
    assert not holds(Exists((C["dog"],), 3, None), two_dogs)  # "several dogs"
    assert not holds(Exists((C["dog"],), 1, 1), two_dogs)  # "one dog"
    assert not holds(Exists((C["cat"],), 1, None), two_dogs)
    pets = tuple(C[c] for c in lx.GROUP_NOUNS["pet"][1])
    assert holds(Exists(pets, 2, 2), two_dogs)


def test_count_words_are_defined_once():
    by_phrase = {c.phrase: (c.lo, c.hi) for c in lx.VAGUE_COUNTS}
    assert by_phrase["several"] == (3, None) and by_phrase["a group of"] == (3, None)
    assert by_phrase["many"] == (5, None)
    assert {(c.lo, c.hi) for c in lx.exact_count_phrases(2)} == {(2, 2)}
    assert "two" in {c.phrase for c in lx.exact_count_phrases(2)}


def test_left_right():
    scene = lay(MAN_LEFT, HORSE_RIGHT)
    man, horse = (C["person"],), (C["horse"],)
    assert holds(Rel(man, "left_of", horse), scene)
    assert holds(Rel(horse, "right_of", man), scene)
    assert not holds(Rel(man, "right_of", horse), scene)
    assert not holds(Rel(horse, "left_of", man), scene)
    overlapping = lay(("person", (0.4, 0.2, 0.6, 0.9)), ("horse", (0.35, 0.4, 0.8, 0.9)))
    assert not holds(Rel(man, "left_of", horse), overlapping)
    assert not holds(Rel(man, "right_of", horse), overlapping)


def test_relation_is_existential_over_instances():
    # One dog left of the man, one right of him: both statements hold.
    scene = lay(DOG_A, ("person", (0.4, 0.3, 0.6, 0.95)), DOG_B)
    dog, man = (C["dog"],), (C["person"],)
    assert holds(Rel(dog, "left_of", man), scene)
    assert holds(Rel(dog, "right_of", man), scene)
    # ... but generation never states such an ambiguous direction.
    pairs = synth._relation_pairs(scene)
    assert (C["dog"], "left_of", C["person"]) not in pairs
    assert (C["dog"], "right_of", C["person"]) not in pairs


def test_relation_needs_two_distinct_objects():
    one_dog = lay(DOG_A)
    assert not holds(Rel((C["dog"],), "next_to", (C["dog"],)), one_dog)
    assert holds(Rel((C["dog"],), "next_to", (C["dog"],)), lay(("dog", (0.1, 0.5, 0.3, 0.9)), ("dog", (0.32, 0.5, 0.52, 0.9))))


def test_above_below():
    kite = ("kite", (0.4, 0.05, 0.5, 0.15))
    person = ("person", (0.35, 0.5, 0.55, 0.95))
    far_left_kite = ("kite", (0.0, 0.05, 0.1, 0.15))
    k, p = (C["kite"],), (C["person"],)
    assert holds(Rel(k, "above", p), lay(kite, person))
    assert holds(Rel(p, "below", k), lay(kite, person))
    assert not holds(Rel(p, "above", k), lay(kite, person))
    assert not holds(Rel(k, "above", p), lay(far_left_kite, person))  # not over it


def test_next_to():
    a, b = ("cup", (0.3, 0.5, 0.4, 0.6)), ("bottle", (0.42, 0.45, 0.48, 0.62))
    assert holds(Rel((C["cup"],), "next_to", (C["bottle"],)), lay(a, b))
    far = ("bottle", (0.85, 0.45, 0.9, 0.62))
    assert not holds(Rel((C["cup"],), "next_to", (C["bottle"],)), lay(a, far))
    stacked = ("bottle", (0.32, 0.1, 0.38, 0.4))  # above, not beside
    assert not holds(Rel((C["cup"],), "next_to", (C["bottle"],)), lay(a, stacked))


def test_on():
    bed = ("bed", (0.0, 0.3, 1.0, 1.0))
    cat_on = ("cat", (0.4, 0.3, 0.6, 0.5))
    cat_floor = ("cat", (0.4, 0.05, 0.6, 0.25))  # above the bed, not touching it
    rider = ("person", (0.45, 0.1, 0.65, 0.6))
    horse = ("horse", (0.3, 0.35, 0.8, 0.95))
    assert holds(Rel((C["cat"],), "on", (C["bed"],)), lay(bed, cat_on))
    assert not holds(Rel((C["cat"],), "on", (C["bed"],)), lay(bed, cat_floor))
    assert not holds(Rel((C["bed"],), "on", (C["cat"],)), lay(bed, cat_on))
    assert holds(Rel((C["person"],), "on", (C["horse"],)), lay(rider, horse))
    assert not holds(Rel((C["horse"],), "on", (C["person"],)), lay(rider, horse))


def test_holding():
    person = ("person", (0.3, 0.1, 0.6, 0.95))
    phone_in_hand = ("cell phone", (0.5, 0.4, 0.55, 0.47))
    phone_on_floor = ("cell phone", (0.5, 0.95, 0.55, 0.99))
    p, c = (C["person"],), (C["cell phone"],)
    assert holds(Rel(p, "holding", c), lay(person, phone_in_hand))
    assert not holds(Rel(p, "holding", c), lay(person, phone_on_floor))
    assert not holds(Rel(c, "holding", p), lay(person, phone_in_hand))


def test_size():
    big = lay(("dog", (0.1, 0.1, 0.8, 0.9)))
    small = lay(("dog", (0.1, 0.1, 0.15, 0.15)))
    d = (C["dog"],)
    assert holds(Size(d, "large"), big) and not holds(Size(d, "small"), big)
    assert holds(Size(d, "small"), small) and not holds(Size(d, "large"), small)
    assert not holds(Size((C["cat"],), "small"), small)


def test_scene_definitions():
    kitchen = lay(("refrigerator", (0.0, 0.0, 0.3, 0.9)), ("person", (0.4, 0.2, 0.6, 0.9)))
    assert holds(Scene("kitchen"), kitchen)
    assert not holds(Scene("bathroom"), kitchen)
    with_toilet = Layout(kitchen.objects + [Obj(C["toilet"], (0.7, 0.6, 0.9, 0.9))], None)
    assert not holds(Scene("kitchen"), with_toilet)  # forbidden: a toilet says bathroom
    assert not holds(Scene("bathroom"), with_toilet)  # ... and a refrigerator says kitchen
    assert holds(Scene("bathroom"), lay(("toilet", (0.7, 0.6, 0.9, 0.9)), ("person", (0.4, 0.2, 0.6, 0.9))))
    sink_only = lay(("sink", (0.2, 0.5, 0.5, 0.7)))
    assert not holds(Scene("kitchen"), sink_only) and not holds(Scene("bathroom"), sink_only)
    two_cars = lay(("car", (0, .5, .2, .7)), ("car", (.3, .5, .5, .7)))
    assert holds(Scene("street"), two_cars)
    assert not holds(Scene("traffic"), two_cars)  # traffic needs 3 road vehicles
    assert holds(Scene("traffic"), Layout(two_cars.objects + [Obj(C["bus"], (.6, .3, .9, .8))], None))
    assert holds(Scene("beach"), lay(("surfboard", (0, .5, .2, .6))))
    assert holds(Scene("zoo"), lay(("giraffe", (0, 0, .3, .9))))
    assert not holds(Scene("zoo"), lay(("cow", (0, 0, .3, .9))))
    assert holds(Scene("farm"), lay(("cow", (0, 0, .3, .9))))
    assert not holds(Scene("library"), lay(*[("book", (i / 10, 0, i / 10 + .05, .2)) for i in range(7)]))
    assert holds(Scene("library"), lay(*[("book", (i / 10, 0, i / 10 + .05, .2)) for i in range(8)]))


def test_every_scene_word_is_defined_by_known_classes():
    for name in lx.SCENES:
        assert lx.scene_classes(name) <= set(C), name


def test_negation_and_conjunction():
    street = lay(("bus", (0.1, 0.3, 0.6, 0.8)), ("traffic light", (0.7, 0.05, 0.75, 0.2)))
    no_cars = And((Scene("street"), Not(Exists((C["car"],), 1, None))))
    assert holds(no_cars, street)
    assert not holds(no_cars, Layout(street.objects + [Obj(C["car"], (0.6, 0.6, 0.8, 0.8))], None))
    assert not holds(no_cars, lay(("car", (0.6, 0.6, 0.8, 0.8))) )  # a car but no street... and a car
    both = And((Exists((C["bus"],), 1, None), Exists((C["traffic light"],), 1, None)))
    assert holds(both, street)
    assert not holds(both, lay(("bus", (0.1, 0.3, 0.6, 0.8))))


def test_forms_round_trip_through_json(corpus):
    for _, captions, queries in corpus[:200]:
        for c in captions + list(queries.values()):
            data = json.loads(json.dumps(synth.form_to_json(c.form)))
            assert synth.form_from_json(data) == c.form


def test_test_queries_are_specific(corpus):
    """Test queries should mostly single out their image among many others."""
    layouts = [layout for layout, _, _ in corpus[:300]]
    shares = {k: [] for k in synth.TEST_KINDS}
    for layout, _, queries in corpus[:300]:
        for kind, q in queries.items():
            shares[kind].append(np.mean([holds(q.form, other) for other in layouts]))
    for kind, values in shares.items():
        assert np.median(values) < 0.05, (kind, np.median(values))


# Layout statistics ----------------------------------------------------------------------------

def test_layouts_resemble_coco_mini():
    rng = np.random.default_rng(3)
    summary = synth.layout_summary([sample_layout(rng) for _ in range(1500)])
    stats = synth.load_stats()
    assert 0.35 < summary["share_with_person"] < 0.7
    assert 0.04 < summary["share_single_object"] < 0.2
    real_median_area = stats["area_percentiles"]["50"]
    assert real_median_area / 2 < summary["area_percentiles"]["50"] < real_median_area * 2
    assert 4 <= summary["objects_per_image_median"] <= 8
    for layout in [sample_layout(rng) for _ in range(300)]:
        assert layout.objects
        for o in layout.objects:
            x0, y0, x1, y1 = o.box
            assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1


@pytest.mark.skipif(not (COCO_MINI / "instances.json").exists(), reason="coco-mini not present")
def test_committed_stats_match_coco_mini():
    fresh = synth.coco_mini_stats(COCO_MINI / "instances.json")
    assert fresh == synth.load_stats()


# Noise model ----------------------------------------------------------------------------------

def test_simulate_detections_respects_threshold_and_limit():
    rng = np.random.default_rng(0)
    noise = NoiseModel(fp_per_image=6.0)
    for _ in range(200):
        layout = sample_layout(rng)
        dets = simulate_detections(layout, noise, rng, 0.3, 10)
        assert len(dets) <= 10
        assert all(isinstance(d, Detection) and d.score >= 0.3 and 0 <= d.class_index < 80 for d in dets)
        assert [d.score for d in dets] == sorted((d.score for d in dets), reverse=True)
        assert all(0 <= v <= 1 for d in dets for v in d.box)


def test_noise_model_json_round_trip():
    model = NoiseModel(fp_per_image=2.5, confusion=[[15, 16, 3.0]], measured={"images": 3})
    assert NoiseModel.from_json(model.to_json()) == model


def test_refit_on_simulated_detections_recovers_the_model():
    """Simulate a detector with known noise on synthetic layouts, fit it back: the statistics
    must come back close (this also checks the matcher and every fitted field's meaning)."""
    truth = NoiseModel(recall_by_area=[0.1, 0.2, 0.35, 0.5, 0.6, 0.75, 0.9], confusion_prob=0.08,
                       fp_per_image=1.5, duplicate_rate=0.06, box_jitter=[0.05] * 4)
    rng = np.random.default_rng(11)
    layouts = [sample_layout(rng) for _ in range(1500)]
    pairs = [(synth.layout_truth(lay_), simulate_detections(lay_, truth, rng, truth.score_floor, 100))
             for lay_ in layouts]
    fitted = synth.fit_noise_model_from_pairs(pairs)
    counts = fitted.measured["objects_per_area_bin"]
    for b, (want, got) in enumerate(zip(truth.recall_by_area, fitted.recall_by_area)):
        if counts[b] >= 300:
            assert abs(want - got) < 0.06, (b, want, got)
    # Some false positives land on objects with IoU ≥ 0.5 by chance and count as hits; a few
    # jittered true positives fall under IoU 0.5 and count as false positives.
    assert abs(fitted.fp_per_image - truth.fp_per_image) < 0.4
    assert abs(fitted.confusion_prob - truth.confusion_prob) < 0.04
    assert abs(fitted.duplicate_rate - truth.duplicate_rate) < 0.04
    assert all(abs(j - 0.05) < 0.02 for j in fitted.box_jitter)
    want_mean = np.mean([truth.score_floor + (1 - truth.score_floor) * a / (a + b) for a, b in truth.tp_score_beta])
    assert abs(fitted.measured["tp_score_mean"] - want_mean) < 0.08


def test_simulation_statistics_follow_the_model():
    """Recall of simulated detections per size bin matches the model's recall (a stricter
    threshold only removes detections)."""
    noise = NoiseModel()
    rng = np.random.default_rng(5)
    layouts = [sample_layout(rng) for _ in range(800)]
    loose = [len(simulate_detections(lay_, noise, np.random.default_rng(i), 0.2, 100)) for i, lay_ in enumerate(layouts)]
    strict = [len(simulate_detections(lay_, noise, np.random.default_rng(i), 0.5, 100)) for i, lay_ in enumerate(layouts)]
    assert sum(strict) < sum(loose)
    expected = sum(noise.detect_prob(o.class_index, o.box) * (1 + noise.duplicate_rate) for lay_ in layouts
                   for o in lay_.objects) + noise.fp_per_image * len(layouts)
    assert abs(sum(loose) - expected) < 0.05 * expected


def test_fit_noise_model_from_files(tmp_path):
    instances = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "categories": [{"id": 1, "name": "person"}, {"id": 18, "name": "dog"}],
        "annotations": [{"image_id": 1, "category_id": 1, "bbox": [10, 10, 30, 60], "iscrowd": 0},
                        {"image_id": 1, "category_id": 18, "bbox": [50, 50, 40, 40], "iscrowd": 0}],
    }
    detections = [{"file": "a.jpg", "width": 100, "height": 100, "detections": [
        {"classIndex": 0, "score": 0.8, "box": [0.1, 0.1, 0.4, 0.7]},     # person: hit
        {"classIndex": 0, "score": 0.3, "box": [0.11, 0.1, 0.4, 0.69]},   # duplicate
        {"classIndex": 15, "score": 0.5, "box": [0.5, 0.5, 0.9, 0.9]},    # dog seen as cat
        {"classIndex": 2, "score": 0.25, "box": [0.0, 0.8, 0.05, 0.85]},  # false positive
    ]}]
    (tmp_path / "i.json").write_text(json.dumps(instances))
    (tmp_path / "d.json").write_text(json.dumps(detections))
    model = synth.fit_noise_model(tmp_path / "d.json", tmp_path / "i.json")
    m = model.measured
    assert (m["true_positives"], m["duplicates"], m["confusions"], m["false_positives"]) == (1, 1, 1, 1)
    assert model.fp_per_image == 1.0 and model.score_floor == 0.25
    assert [C["dog"], C["cat"], 1] in model.confusion


@pytest.mark.skipif(not (BUILD / "coco_mini_detections.json").exists()
                    or not (COCO_MINI / "instances.json").exists(), reason="no real detector run")
def test_fit_on_real_detector_run():
    model = synth.fit_noise_model(BUILD / "coco_mini_detections.json", COCO_MINI / "instances.json")
    assert model.measured["images"] == 80
    # CenterNet / MobileNetV3: AP@0.5 ≈ 0.42 — recall at a 0.2 threshold in a sane range.
    assert 0.2 < model.measured["recall_iou50"] < 0.9
    assert model.recall_by_area[-1] > model.recall_by_area[1]
    assert NoiseModel.from_json(model.to_json()) == model


@pytest.mark.skipif(not (BUILD / "coco_mini_detections.json").exists()
                    or not (COCO_MINI / "instances.json").exists(), reason="no real detector run")
def test_simulating_the_real_photos_reproduces_the_fitted_statistics():
    """Fit on the real run, simulate the detector on the same 80 ground truths (10 draws each),
    fit again: recall, false positives and scores come back close to the real measurements."""
    real = synth.fit_noise_model(BUILD / "coco_mini_detections.json", COCO_MINI / "instances.json",
                                 score_floor=0.2, nms_iou=0.4)
    layouts = list(synth.coco_layouts(COCO_MINI / "instances.json").values())
    rng = np.random.default_rng(0)
    pairs = [(synth.layout_truth(lay_), simulate_detections(lay_, real, rng, 0.2, 100))
             for _ in range(10) for lay_ in layouts]
    again = synth.fit_noise_model_from_pairs(pairs, score_floor=0.2).measured
    m = real.measured
    assert abs(again["recall_iou50"] - m["recall_iou50"]) < 0.06, (again, m)
    assert abs(again["false_positives"] / again["images"] - m["false_positives"] / m["images"]) < 1.0
    assert abs(again["tp_score_mean"] - m["tp_score_mean"]) < 0.05
    assert abs(again["fp_score_mean"] - m["fp_score_mean"]) < 0.05


def test_caption_type():
    c = Caption("a dog", "object", Exists((C["dog"],), 1, None))
    assert c.kind in synth.KINDS


def test_contrast_variants_make_one_edit_and_keep_captions_true(corpus):
    rng = np.random.default_rng(7)
    changed = 0
    for layout, _, _ in corpus[:300]:
        variant = synth.contrast_variant(layout, rng)
        assert variant.objects, "every photo shows something"
        assert abs(len(variant.objects) - len(layout.objects)) <= 1
        assert all(0 <= v <= 1 for o in variant.objects for v in o.box)
        for caption in captions_for(variant, rng, 3):
            assert holds(caption.form, variant), caption.text
        changed += any(not holds(c.form, layout) for c in captions_for(variant, rng, 4))
    # Near misses: a good share of them have a caption the original photo does not satisfy.
    assert changed > 100


def test_mirroring_swaps_left_and_right():
    original = lay(("dog", (0.1, 0.5, 0.3, 0.8)), ("cat", (0.6, 0.5, 0.8, 0.8)))
    rng = np.random.default_rng(0)
    left = Rel((C["dog"],), "left_of", (C["cat"],))
    for _ in range(50):  # draw until the mirror edit comes up
        variant = synth.contrast_variant(original, rng)
        if len(variant.objects) == 2 and variant.objects[0].box == pytest.approx((0.7, 0.5, 0.9, 0.8)):
            assert holds(left, original) and not holds(left, variant)
            return
    raise AssertionError("no mirrored variant in 50 draws")
