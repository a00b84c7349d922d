"""Other systems: API tokens, idempotent requests, webhooks and how they leave the portal."""
