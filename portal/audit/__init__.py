"""The audit trail: written with every change, hash-chained, verified, and read as sentences."""
