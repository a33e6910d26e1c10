"""The shared vocabulary beneath every layer: artefacts, the claim representation, target models."""
