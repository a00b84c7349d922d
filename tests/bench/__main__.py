"""Run every benchmark: `make bench` (SQLite by default, PostgreSQL with DATABASE_URL; dashboards always on PostgreSQL)."""
from tests.bench import contribution_import, dashboards, signing, tenancy_filter, upload_memory

if __name__ == "__main__":
    tenancy_filter.main()
    upload_memory.main()
    contribution_import.main()
    dashboards.main()
    signing.main()
