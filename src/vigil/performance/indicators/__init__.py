"""The seed's indicators, one module per part of the programme: ``sp1`` (subprogramme 1,
headquarters), ``sp21`` and ``sp22`` (the two components of subprogramme 2). Each module's
``INDICATORS`` lists its indicators in the seed's order; each compute function calls the
selector of the app that keeps the records, with the slice, and computes nothing twice."""
