"""Run every benchmark: `make bench` (SQLite by default, PostgreSQL with DATABASE_URL; dashboards always on PostgreSQL)."""
from tests.bench import contribution_import, dashboards, policy_cost, signing, tenancy_filter, upload_memory

if __name__ == "__main__":
    tenancy_filter.main()
    upload_memory.main()
    contribution_import.main()
    dashboards.main()
    policy_cost.main(["--before", "0037"])
    signing.main()
