"""PKS cooperation agreements: drafting, review and decision, signing, documents, PDFs, lists and verification."""
