"""Which (facility, partner) pair a new record is for: the one in the URL (`?pair=`), or the only one."""
from flask import request

from blueprints.query_args import record_id
from portal.agreements import lists as agreement_lists
from portal.core.tenancy import current_org, get_shared_or_404
from portal.organisations.partnership_models import Partnership


def chosen_pair():
    """(the pairs the organisation works in, the chosen one or None while a choice is needed)."""
    pairs = agreement_lists.drafting_pairs(current_org)
    pair_id = request.args.get("pair", type=record_id) or (pairs[0].id if len(pairs) == 1 else None)
    return pairs, (get_shared_or_404(Partnership, pair_id) if pair_id else None)
