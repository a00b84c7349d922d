"""What every concept stands on: the database's column kinds, clock, language, tenancy, storage,
background queue, exports, PDF kit, kept pages and request security."""
