"""What an anonymous visitor of the public pages may read (`mitrapas.public`), and nothing else.

The public scope reads only what a facility that turned its page on has verified and published:
partnerships, agreements signed or in force, verified contributions and their tallies, closed programmes,
published news with their quotes and photos, the signed document of an agreement its head marked public;
of organisations, the publishing facilities and the partners
(the directory's names). Every other table under Row-Level Security gets a restrictive policy that refuses
the public whatever its permissive policies allow (a pair the public sees would otherwise show its
memberships, and through them its people). The public writes nothing.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 11:05:00
"""
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_PUBLIC = "current_setting('mitrapas.public', true) = 'on'"
#: `mitrapas.public` unset (NULL) is not the public: coalesced, or NOT NULL would hide every row.
_THE_PUBLIC = "coalesce(current_setting('mitrapas.public', true) = 'on', false)"
_PUBLISHING = "(SELECT id FROM organisations WHERE kind = 'facility' AND public_page)"

#: What the public reads of tables that already have their rules (permissive: added to them).
PUBLIC_READS = {
    "organisations": "public_page OR kind = 'partner'",
    "partnerships": f"facility_id IN {_PUBLISHING}",
    "agreements": f"status IN ('signed', 'active') AND facility_id IN {_PUBLISHING}",
    "contributions": f"status = 'verified' AND facility_id IN {_PUBLISHING}",
    "contribution_tallies": f"facility_id IN {_PUBLISHING}",
    "programmes": f"status = 'closed' AND facility_id IN {_PUBLISHING}",
    # The final signed PDF of an agreement the public sees, where its head marked the document public.
    "agreement_documents": "kind = 'final' AND agreement_id IN (SELECT id FROM agreements WHERE document_public)",
}
#: Everything else under Row-Level Security is never the public's, whatever its other policies allow (the
#: memberships of a pair the public sees, say): a restrictive policy, ANDed with the permissive ones.
NOT_PUBLIC = ("account_tokens", "audit_entries", "background_jobs", "document_accesses",
              "invitations", "login_sessions", "material_versions", "materials", "memberships", "notifications",
              "outbox_messages", "recovery_codes", "signatures", "uploads", "users")
#: A news item is published; its quotes and photos are public with it.
NEWS_PUBLIC = {
    "news_items": f"status = 'published' AND facility_id IN {_PUBLISHING}",
    "news_quotes": "news_item_id IN (SELECT id FROM news_items)",
    "news_photos": "news_item_id IN (SELECT id FROM news_items)",
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, rows in {**PUBLIC_READS, **NEWS_PUBLIC}.items():
        op.execute(f"CREATE POLICY public_read ON {table} FOR SELECT USING ({_PUBLIC} AND ({rows}))")
    for table in NOT_PUBLIC:
        op.execute(f"CREATE POLICY not_for_the_public ON {table} AS RESTRICTIVE "
                   f"USING (NOT {_THE_PUBLIC}) WITH CHECK (NOT {_THE_PUBLIC})")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in NOT_PUBLIC:
        op.execute(f"DROP POLICY not_for_the_public ON {table}")
    for table in {**PUBLIC_READS, **NEWS_PUBLIC}:
        op.execute(f"DROP POLICY public_read ON {table}")
