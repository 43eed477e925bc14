"""HQ access control registers nothing in the admin site, on purpose: zones, gates, holders,
passes, visits and accreditations change only through the audited services (the pages under
/hq/access/ and the API), which check the scope and the pass and visit transition tables that
an admin form would bypass."""
