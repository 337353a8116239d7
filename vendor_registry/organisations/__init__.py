"""Organisations: one installation serves several municipalities (issue 14).

What is a fact about a provider is one shared record; what is an organisation's own judgement
(approval, contracts, reviews, manual checks, demand profiles, flag handling) carries the
organisation's id, set from the acting person, and is visible to that organisation only.
``tenancy`` holds the scope of the current request or job and applies it to every ORM query;
``rls`` is the second wall on PostgreSQL.
"""
