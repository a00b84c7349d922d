"""What partners did for a facility: contributions and programmes, verification, tallies, imports and notices."""
