"""The journey tier: each journey done as the person who does it, from the home page, by what the pages show."""
