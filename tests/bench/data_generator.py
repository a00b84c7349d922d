"""A national-scale data set for the dashboard benchmark, written straight into PostgreSQL with SQL.

550 facilities in 38 provinces (Java's provinces hold more of them), 3,000
partners, about 8,000 partnerships each with an agreement, and as many
contributions as asked for. Activity is skewed as it is in life: a few
partnerships record most of the work, most facilities record little. Dates
spread over the last three years; about 85% of contributions are verified.

It runs as the database owner (Row-Level Security does not slow the set-up);
the portal then reads it as its own login role, as in production.
"""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import text

PROVINCES = (
    "Jawa Barat", "Jawa Timur", "Jawa Tengah", "DKI Jakarta", "Sumatera Utara", "Banten", "Sulawesi Selatan",
    "Sumatera Selatan", "Riau", "Lampung", "Kalimantan Timur", "Sumatera Barat", "Nusa Tenggara Timur", "Aceh",
    "Kalimantan Barat", "Bali", "Nusa Tenggara Barat", "Kalimantan Selatan", "DI Yogyakarta", "Jambi", "Papua",
    "Sulawesi Tengah", "Sulawesi Utara", "Sulawesi Tenggara", "Kalimantan Tengah", "Bengkulu", "Maluku",
    "Kepulauan Riau", "Bangka Belitung", "Maluku Utara", "Papua Barat", "Gorontalo", "Sulawesi Barat",
    "Kalimantan Utara", "Papua Tengah", "Papua Selatan", "Papua Pegunungan", "Papua Barat Daya",
)
CONTRIBUTION_TYPES = ("counselling", "rehabilitation", "training", "health", "internship_hours", "pre_release",
                      "donation", "certificates", "umkm", "other")
AGREEMENT_TYPES = ("health_referral", "rehabilitation", "internship", "vocational_training",
                   "economic_empowerment", "spiritual", "education", "other")


def organisations(connection, facilities: int = 550, partners: int = 3000) -> None:
    provinces = "ARRAY[" + ",".join(f"'{name}'" for name in PROVINCES) + "]"
    connection.execute(text(f"""
        INSERT INTO organisations (slug, name, kind, province, city, facility_class, is_active, created_at)
        SELECT 'upt-' || n, 'UPT Pemasyarakatan ' || lpad(n::text, 3, '0'), 'facility',
               ({provinces})[1 + floor(power(random(), 1.6) * {len(PROVINCES)})::int], 'Kota ' || n,
               'Kelas IIB', true, now() - interval '4 years'
        FROM generate_series(1, :facilities) AS n"""), {"facilities": facilities})
    connection.execute(text("""
        INSERT INTO organisations (slug, name, kind, partner_category, is_active, created_at)
        SELECT 'mitra-' || n, 'Mitra ' || lpad(n::text, 4, '0'), 'partner',
               (ARRAY['ngo','hospital','government_programme','training_centre','government_office','education','business'])
                   [1 + (n % 7)], true, now() - interval '4 years'
        FROM generate_series(1, :partners) AS n"""), {"partners": partners})
    connection.execute(text(f"""
        INSERT INTO organisations (slug, name, kind, province, is_active, created_at)
        SELECT 'kanwil-' || n, 'Kanwil ' || ({provinces})[n], 'oversight', ({provinces})[n], true, now()
        FROM generate_series(1, {len(PROVINCES)}) AS n
        UNION ALL SELECT 'ditjenpas', 'Direktorat Jenderal Pemasyarakatan', 'oversight', NULL, true, now()"""))


def partnerships_and_agreements(connection, agreements: int = 8000) -> None:
    """One agreement per partnership; partners cluster on some facilities, as big cities draw more.

    Only the generated organisations take part, so demo data loaded beside it stays as it was."""
    connection.execute(text("""
        WITH f AS (SELECT array_agg(id ORDER BY id) AS ids FROM organisations WHERE slug LIKE 'upt-%'),
             p AS (SELECT array_agg(id ORDER BY id) AS ids FROM organisations WHERE slug LIKE 'mitra-%'),
             candidates AS (
                 SELECT DISTINCT f.ids[1 + floor(power(random(), 1.7) * cardinality(f.ids))::int] AS facility_id,
                                 p.ids[1 + floor(random() * cardinality(p.ids))::int] AS partner_id
                 FROM generate_series(1, :wanted * 2), f, p)
        INSERT INTO partnerships (facility_id, partner_id, focus, since, created_at)
        SELECT facility_id, partner_id, 'Kerja sama pembinaan', current_date - 900, now()
        FROM candidates ORDER BY random() LIMIT :wanted"""), {"wanted": agreements})
    connection.execute(text(f"""
        INSERT INTO agreements (facility_id, partner_id, kind, status, type, title, scope, objectives,
                                facility_rights, facility_obligations, partner_rights, partner_obligations,
                                start_date, end_date, facility_number, created_at, updated_at, version)
        SELECT p.facility_id, p.partner_id, 'agreement', s.status,
               (ARRAY[{",".join(f"'{t}'" for t in AGREEMENT_TYPES)}])[1 + (p.id % 8)],
               'PKS ' || p.id, '', '', '', '', '', '', s.start_date, s.start_date + 730, 'W' || p.id,
               now(), now(), 1
        FROM partnerships p JOIN organisations f ON f.id = p.facility_id AND f.slug LIKE 'upt-%'
        CROSS JOIN LATERAL (SELECT CASE WHEN r < 0.55 THEN 'active' WHEN r < 0.75 THEN 'expired'
                                        WHEN r < 0.80 THEN 'terminated' WHEN r < 0.85 THEN 'signed'
                                        WHEN r < 0.92 THEN 'submitted' ELSE 'draft' END AS status,
                                   current_date - (CASE WHEN r < 0.55 THEN 700 * random()
                                                        WHEN r < 0.80 THEN 800 + 300 * random()
                                                        ELSE -30 * random() END)::int AS start_date
                            FROM (SELECT random() + p.id * 0 AS r) x) s"""))


def contributions(connection, count: int) -> None:
    """`count` more contributions, and an audit entry for each (what "last activity" reads)."""
    connection.execute(text("""
        CREATE TEMP TABLE pairs ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY p.id) AS n, p.facility_id, p.partner_id,
               (SELECT a.id FROM agreements a WHERE a.facility_id = p.facility_id AND a.partner_id = p.partner_id
                  AND a.status IN ('active', 'expired', 'terminated') LIMIT 1) AS agreement_id
        FROM partnerships p JOIN organisations f ON f.id = p.facility_id
        WHERE f.slug LIKE 'upt-%'"""))
    pairs = connection.execute(text("SELECT count(*) FROM pairs")).scalar()
    connection.execute(text(f"""
        INSERT INTO contributions (facility_id, partner_id, type, status, title, description, started_on,
                                   participants_male, participants_female, participants_total, hours,
                                   agreement_id, created_at, verified_at, version)
        SELECT pr.facility_id, pr.partner_id,
               (ARRAY[{",".join(f"'{t}'" for t in CONTRIBUTION_TYPES)}])[1 + floor(power(random(), 1.5) * 10)::int],
               CASE WHEN r < 0.85 THEN 'verified' WHEN r < 0.92 THEN 'submitted' WHEN r < 0.96 THEN 'rejected'
                    ELSE 'superseded' END,
               'Kegiatan ' || g, '', current_date - floor(power(random(), 0.8) * 1095)::int,
               NULL, NULL, floor(exp(random() * 4))::int, round((1 + random() * 7)::numeric, 1),
               pr.agreement_id, now(), now(), 1
        FROM (SELECT g, random() AS r, 1 + floor(power(random(), 3) * {pairs})::int AS pick
              FROM generate_series(1, :count) AS g) x
        JOIN pairs pr ON pr.n = x.pick"""), {"count": count})
    connection.execute(text("""
        INSERT INTO audit_entries (created_at, action, object_type, object_id, organisation_id, facility_id,
                                   partner_id, changes, prev_hash, hash)
        SELECT c.started_on + interval '2 days', 'contribution.verified', 'contribution', c.id::text,
               c.facility_id, c.facility_id, c.partner_id, '{}', md5(c.id::text) || md5('p' || c.id),
               md5('h' || c.id) || md5(c.id || 'h')
        FROM contributions c
        WHERE c.id > coalesce((SELECT max(object_id::int) FROM audit_entries
                               WHERE action = 'contribution.verified'), 0)"""))


def tallies(connection) -> None:
    """The monthly tallies the portal keeps as officers verify; recomputed here after the bulk load."""
    connection.execute(text("DELETE FROM contribution_tallies"))
    connection.execute(text("""
        INSERT INTO contribution_tallies (facility_id, type, month, contributions, participants, hours)
        SELECT facility_id, type, date_trunc('month', started_on)::date, count(*),
               coalesce(sum(participants_total), 0), coalesce(sum(hours), 0)
        FROM contributions WHERE status = 'verified' GROUP BY 1, 2, 3"""))


def products(connection, facility_slug: str = "rutan-kelas-iib-bengkulu", count: int = 60) -> None:
    """A publishing facility's catalogue (issue 38): `count` products shown, of every category, for the public
    catalogue's pages (the demo's own went with the stack's downgrade of the newest migration)."""
    connection.execute(text("""
        INSERT INTO products (facility_id, slug, name, category, description, price_min, price_max, unit,
                              monthly_capacity, makers, public, archived, created_at, updated_at)
        SELECT o.id, 'produk-' || n, 'Produk binaan ' || n,
               (ARRAY['handicraft', 'processed_food', 'workshop', 'agriculture', 'garment', 'other'])[1 + n % 6],
               'Dibuat di bengkel kerja; ukuran dan warna dapat dipesan.', 25000 + n * 1000, 50000 + n * 1500,
               'buah', 40, 6, true, false, now(), now()
        FROM organisations o, generate_series(1, :count) n WHERE o.slug = :slug"""),
                       {"count": count, "slug": facility_slug})


def chain_audit(engine) -> None:
    """Link every audit entry to the one before it, as the portal's own writes do (the bulk insert above writes
    placeholder hashes, which no page reads): for what verifies the trail, such as the backup benchmark's restore."""
    from portal.audit.chain import entry_hash

    with engine.begin() as connection:
        rows = connection.execute(text(
            "SELECT id, created_at, actor_id, organisation_id, facility_id, partner_id, action, object_type, "
            "object_id, changes, ip FROM audit_entries ORDER BY id")).mappings().all()
        previous, links = "", []
        for row in rows:
            entry = SimpleNamespace(**row, prev_hash=previous)
            links.append({"id": row["id"], "prev_hash": previous, "hash": entry_hash(entry)})
            previous = links[-1]["hash"]
        connection.execute(text("UPDATE audit_entries SET prev_hash = :prev_hash, hash = :hash WHERE id = :id"), links)


def vacuum(engine) -> None:
    """What autovacuum does in production: statistics and the visibility map (index-only scans)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
