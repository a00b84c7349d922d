"""What the public reads: a facility's public page, its news with quotes and photos, and their kept copies."""
