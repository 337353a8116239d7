"""Placeholder replaced below."""
DEMO_PASSWORDS = {}
def generate(session, providers=40, seed=2026):
    return {}
