"""The web layer: each package turns HTTP into service calls and back."""
