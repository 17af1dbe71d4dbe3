"""Where the build reads and writes. One place, so tests and scripts agree."""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRAINING = REPO / "training"
TESTDATA = TRAINING / "testdata"
CACHE = Path(os.environ.get("PROBE_SEARCH_CACHE", REPO / ".cache" / "sources"))
BUILD = REPO / ".cache" / "build"
MODELS = REPO / "public" / "models"
# Real validation photos live outside the repo; tests skip what needs them when absent.
SHARED_DATA = Path(os.environ.get("PROBE_SEARCH_SHARED_DATA", REPO.parent / "shared" / "data"))
COCO_MINI = SHARED_DATA / "coco-mini-train"

HUMAN_MODELS = CACHE / "human-models"
WINK = CACHE / "wink-embeddings"
