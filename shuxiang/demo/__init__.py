"""The embedded demo: loads every app's sample data in order (``shuxiang demo``).

It sits above all apps, so ``core`` stays free of them (see the import contracts in
pyproject.toml).
"""
