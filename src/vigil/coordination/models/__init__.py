"""Security management coordination (Programme 28, strategy 28.2-28.6): the accountability
framework (who holds each security function in each place), security management teams (SMTs)
with their meetings, decisions, action points and joint plans, host-country cooperation, and
the security requirements of new missions and operations. One module per area; this package
is what Django and the rest of Vigil import."""

from vigil.coordination.models.accountability import *  # noqa: F403
from vigil.coordination.models.host import *  # noqa: F403
from vigil.coordination.models.readiness import *  # noqa: F403
from vigil.coordination.models.smt import *  # noqa: F403
