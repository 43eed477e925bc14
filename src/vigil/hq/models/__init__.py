"""Headquarters security (subprogramme 1 of Programme 28): the records of access control, of
protective services for senior officials, of safety claims and of emergency plans and drills.
One module per area; this package is what Django and the rest of Vigil import."""

from vigil.hq.models.access import *  # noqa: F403
from vigil.hq.models.entries import *  # noqa: F403
from vigil.hq.models.plans import *  # noqa: F403
from vigil.hq.models.protection import *  # noqa: F403
from vigil.hq.models.safety import *  # noqa: F403
