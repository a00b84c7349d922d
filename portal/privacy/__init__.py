"""A person's data: what the portal holds about them, who opened their documents, retention and pseudonyms."""
