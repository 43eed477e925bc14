"""Protective services are not in the admin site, on purpose.

The admin site is for global administrators, and protection cases are need-to-know: only
protection coordinators in scope and the principal's designated office read them, with every
read audited. The admin site can keep neither rule, so nothing of this area is registered."""
