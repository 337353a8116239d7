"""Administration: catalogues, check policy and user accounts (Permission.ADMINISTER)."""
