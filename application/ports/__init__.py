"""What the application needs from the outside world, named for its role: one module per
capability, named as the adapters that implement it (`adapters/memory/leads.py` and
`adapters/postgres/leads.py` implement `ports/leads.py`) and pass the same contract tests.
"""
