"""Builds the Probe Search model pack: detector conversion, vocabulary, synthetic data,
Cross-Probe BERT training, evaluation and export for the browser."""
