"""UMKM: what inmates make, brought to market with the cooperative office, BLK and local businesses (issue 38)."""
