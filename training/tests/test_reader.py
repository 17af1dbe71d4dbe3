"""The reference rankers of the synthetic test (probesearch/reader.py)."""
import numpy as np
import torch

from probesearch import reader, synth
from probesearch.detections import Detection
from probesearch.labels import COCO_LABELS

DOG = COCO_LABELS.index("dog")
CAT = COCO_LABELS.index("cat")
BOX = (0.1, 0.1, 0.4, 0.4)


def test_levels_run_from_the_detector_threshold_to_the_top_level():
    assert reader.confidence_levels(0.25) == [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]
    assert reader.confidence_levels(0.9) == [0.9]


def test_grades_count_the_levels_at_which_the_detections_make_a_query_true():
    images = [[Detection(DOG, 0.92, BOX)],  # a confident dog
              [Detection(DOG, 0.32, BOX)],  # a doubtful dog
              [Detection(CAT, 0.8, BOX)]]  # no dog
    dog = synth.Exists((DOG,), 1, None)
    no_dog = synth.Not(dog)
    grades = reader.reader_grades([dog, no_dog], images, reader.confidence_levels(0.25))
    assert grades.tolist() == [[10, 2, 0], [0, 8, 10]]


def test_ties_are_broken_within_a_grade_never_across_one():
    grades = np.array([[2.0, 2.0, 1.0]])
    by_model = reader.reader_similarity(grades, torch.tensor([[-1.0, 0.5, 1.0]]), seed=0)
    assert by_model.argsort(dim=1, descending=True).tolist() == [[1, 0, 2]]
    at_random = reader.reader_similarity(grades, None, seed=0)
    assert at_random[0, 2] < at_random[0, :2].min()
    assert torch.equal(at_random, reader.reader_similarity(grades, None, seed=0))
