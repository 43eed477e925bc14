"""The likelihood proposals in the risk menu, for those who read risk."""

from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm
from vigil.core.navigation import NavItem, register_nav

register_nav(
    NavItem(_("Likelihood proposals"), "evidence:index", Perm.VIEW_RISK, order=52,
            section="risk"),
)
