"""The six levels of the UN Security Level System (in force since 1 January 2011), which risk
proposes and approves, and travel, crisis and every page show. They live here, at the bottom,
so that whatever shows a level needs no app above core."""

from django.utils.translation import gettext_lazy as _

LEVEL_LABELS = {1: _("Minimal"), 2: _("Low"), 3: _("Moderate"), 4: _("Substantial"),
                5: _("High"), 6: _("Extreme")}
# One badge style everywhere: the number and the word always inside, colour never alone.
LEVEL_TONES = {1: "ok", 2: "ok", 3: "info", 4: "warn", 5: "bad", 6: "bad"}
