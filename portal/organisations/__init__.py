"""The tenants: facilities, partners and oversight offices, their people and roles, partnerships and invitations."""
