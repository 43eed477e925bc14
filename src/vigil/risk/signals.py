"""What risk tells the apps that depend on it, without knowing them."""

from __future__ import annotations

from django.dispatch import Signal

#: A security level was approved, inside the approval's transaction: ``review`` is the
#: approved SecurityLevelReview (its area, level and ``decided_at``). A receiver that acts on
#: it does so once the transaction commits (``transaction.on_commit``).
level_approved = Signal()
