"""The tiny build configuration end to end: data, three trainings, evaluation, export.

This is what CI trains (seconds); the full configuration is the same code with bigger numbers.
"""
from __future__ import annotations

import json
from pathlib import Path

from dataclasses import replace

import numpy as np
import pytest
import torch

from probesearch import build, synth
from probesearch.export import read_tensor_file
from probesearch.pairs import PairSource
from probesearch.train import build_models, train


@pytest.fixture(scope="module")
def tiny_pack(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("pack") / "tiny"
    report = out.parent / "RESULTS.md"
    manifest = build.build("tiny", out, report)
    return out, manifest


def test_every_architecture_learns_in_the_tiny_build(tiny_pack):
    _, manifest = tiny_pack
    first, last = manifest["metrics"]["initialLoss"], manifest["metrics"]["finalLoss"]
    # The backbone and the two objectives that start fresh on it must each lower their loss;
    # the two-tower only continues the backbone's own objective, so it must stay below where
    # the backbone started (its few extra steps are too noisy to compare with themselves).
    for kind in ("backbone", "cross-probe", "full-cross-encoder"):
        assert last[kind] < first[kind], kind
    assert last["two-tower"] < first["backbone"]


def test_loss_decreases_over_a_short_run():
    """Independent of the pack: a short cross-probe run must lower its own loss clearly."""
    cfg = build.CONFIGS["tiny"]
    table = build.synth_glove_for_tests(0)
    text = build.build_text_side(table, cfg, set())
    rng = np.random.default_rng(0)
    layouts = [synth.sample_layout(rng) for _ in range(200)]
    captions = [synth.captions_for(lay, rng, 3) for lay in layouts]
    source = PairSource(layouts, captions, text.encoder(), synth.NoiseModel(), 0.25,
                        cfg.model.max_regions)
    model = build_models("cross-probe", cfg.model, text.word_vectors, text.label_vectors, 0)
    # Plain random batches and hard negatives only: near misses and random negatives make the
    # loss noisier step to step, which 60 steps cannot average out.
    losses = train(model, source, replace(cfg.train, steps=60, lr=2e-3, log_every=0,
                                          contrast=0.0, random_negatives=0))
    assert np.mean(losses[-10:]) < 0.85 * np.mean(losses[:10])


def test_pack_files_and_manifest(tiny_pack):
    out, manifest = tiny_pack
    assert manifest["format"] == build.PACK_FORMAT
    assert manifest["formatVersion"] == build.PACK_FORMAT_VERSION
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == json.loads(json.dumps(manifest))
    for name, info in manifest["files"].items():
        assert (out / name).stat().st_size == info["bytes"]
        assert build.sha256(out / name) == info["sha256"]
    for required in ("text_encoder.onnx", "vision_encoder.onnx", "cross_probe.onnx",
                     "cross_probe.bin", "full_cross_encoder.onnx", "vocab.json", "golden.json"):
        assert required in manifest["files"], required


def test_tensor_table_holds_the_late_layers(tiny_pack):
    out, manifest = tiny_pack
    cp = manifest["crossProbe"]
    tensors = read_tensor_file(out / cp["weightsFile"], cp["tensors"])
    d, f = manifest["probes"]["width"], cp["ffnWidth"]
    assert tensors["layers.0.attn.qkv.weight"].shape == (3 * d, d)
    assert tensors["layers.0.ffn1.weight"].shape == (f, d)
    assert tensors["norm.weight"].shape == (d,)
    assert all(t["offset"] % 256 == 0 for t in cp["tensors"])


def test_golden_scores_follow_from_golden_probes(tiny_pack):
    """The golden cross-probe scores are the cosine of the pooled late outputs + globals."""
    out, manifest = tiny_pack
    golden = json.loads((out / "golden.json").read_text())
    pt, pv, d = (manifest["probes"][k] for k in ("text", "vision", "width"))
    late = np.array(golden["lateOutputs"]["values"]).reshape(pt + pv, d)
    q = golden["queries"][golden["lateOutputs"]["query"]]
    im = golden["images"][golden["lateOutputs"]["image"]]
    t = late[:pt].sum(0) + np.array(q["textGlobal"])
    v = late[pt:].sum(0) + np.array(im["visionGlobal"])
    expected = t @ v / (max(np.linalg.norm(t), 1e-6) * max(np.linalg.norm(v), 1e-6))
    assert golden["scores"]["crossProbe"][0][0] == pytest.approx(expected, abs=1e-5)
    assert any(len(im["detections"]) == 0 for im in golden["images"])


def test_results_report_has_every_section(tiny_pack):
    out, _ = tiny_pack
    text = (out.parent / "RESULTS.md").read_text()
    for section in ("## Architecture", "## Synthetic compositional test set",
                    "## No-good-match threshold", "| cross-probe |", "| full-cross-encoder |",
                    "### What the detections allow", "| reader + two-tower |"):
        assert section in text


def test_reference_readers_are_reported_per_kind(tiny_pack):
    _, manifest = tiny_pack
    references = manifest["metrics"]["syntheticReferences"]
    assert references.keys() == manifest["metrics"]["synthetic"].keys()
    for block in references.values():
        for ranker in ("detection reader", "reader + two-tower"):
            assert 0 <= block["results"][ranker]["t2i R@1"] <= block["results"][ranker]["t2i R@10"]


def test_same_seed_same_weights():
    """Determinism of the pieces the pack depends on: data and initialisation."""
    cfg = build.CONFIGS["tiny"]
    table = build.synth_glove_for_tests(0)
    a = build.build_text_side(table, cfg, set())
    b = build.build_text_side(table, cfg, set())
    assert a.vocab.words == b.vocab.words
    torch.testing.assert_close(a.word_vectors, b.word_vectors)
