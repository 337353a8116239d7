"""A provider's standing: the composed view of one provider across the features.

The entity (``providers``: the record, its org number, its writes) sits below the features
(licences, methods, contracts, checks, reviews, flags, demand), which each know their own
facts. This package sits above them and composes: the per-provider facts of a list row
(``status_maps``), the list and its filters (``listing``), the detail page's sections,
the exports, approval (which reads the flags), and the pages that show them (``views``).
Features never import from here; tests/test_layers.py keeps it so.
"""
